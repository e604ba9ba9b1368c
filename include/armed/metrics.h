#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace armed {

// Binary-classification metrics take scores (probabilities) and 0/1 labels; a metric that is
// undefined for the data (AUROC with one class present) is NaN, written as null in JSON.
double auroc(const std::vector<double>& score, const std::vector<double>& label);  // ties count 1/2
double accuracy(const std::vector<double>& score, const std::vector<double>& label, double threshold = 0.5);
double balanced_accuracy(const std::vector<double>& score, const std::vector<double>& label, double threshold = 0.5);
double binary_cross_entropy(const std::vector<double>& prob, const std::vector<double>& label);

// A decision threshold on binary scores: rows scoring at least `threshold` are called positive.
// Sensitivity (recall), specificity, PPV (precision), NPV, F1 and accuracy of those calls; a rate
// without rows to count (no positives, no calls of one kind) is NaN.
struct DecisionMetrics {
  double threshold, sensitivity, specificity, ppv, npv, f1, accuracy;
};
DecisionMetrics decision_metrics(const std::vector<double>& score, const std::vector<double>& label, double threshold);
// The threshold (one of the scores) of the ROC point farthest above the diagonal, the largest
// sensitivity + specificity - 1 (Youden's J); of tied points the highest threshold, as
// scikit-learn's argmax over roc_curve. NaN with one class.
double youden_threshold(const std::vector<double>& score, const std::vector<double>& label);
// The ROC curve read at a specificity (a sensitivity): the best sensitivity of the thresholds
// whose specificity is at least `specificity`, and the other way round.
double sensitivity_at_specificity(const std::vector<double>& score, const std::vector<double>& label, double specificity);
double specificity_at_sensitivity(const std::vector<double>& score, const std::vector<double>& label, double sensitivity);
// What clinical papers report of a binary classifier: {"at_0.5": {...}, "youden": {...} (its
// threshold chosen on these rows, so optimistic), "sensitivity_at_specificity": {"0.9", "0.95"},
// "specificity_at_sensitivity": {"0.9", "0.95"}}, and with a finite `threshold` chosen elsewhere
// "at_threshold": {..., "chosen_by": chosen_by}. Each point: threshold, sensitivity, specificity,
// ppv, npv, f1, accuracy.
nlohmann::json decision_report(const std::vector<double>& score, const std::vector<double>& label, double threshold,
                               const std::string& chosen_by);

double rmse(const std::vector<double>& prediction, const std::vector<double>& target);
double r_squared(const std::vector<double>& prediction, const std::vector<double>& target);

// {"n", "auroc", "accuracy", "balanced_accuracy", "bce"} of probabilities against 0/1 labels.
nlohmann::json binary_metrics(const std::vector<double>& prediction, const std::vector<double>& target);
// Multiclass metrics take, per row, each of K classes' probability (row after row: prob[i * K + k])
// and each row's class index 0..K-1. Macro AUROC: the mean over classes of class k against the
// rest, scored by its probability (classes absent from the rows, or present in every row, left out).
double macro_auroc(const std::vector<double>& prob, const std::vector<double>& label);
// Log loss: the mean of -log p(class of the row), probabilities clipped at 1e-7.
double log_loss(const std::vector<double>& prob, const std::vector<double>& label);
// {"n", "macro_auroc", "accuracy", "log_loss"}; accuracy takes the most probable class.
nlohmann::json multiclass_metrics(const std::vector<double>& prediction, const std::vector<double>& target);

// {"n", "rmse", "r2", "mae"}.
nlohmann::json regression_metrics(const std::vector<double>& prediction, const std::vector<double>& target);

// Mean of repeated measurements (folds, seeds) with a two-sided 95% Student-t confidence
// interval; a single value gives an interval of NaNs.
struct MeanInterval {
  double mean, lo, hi;
};
MeanInterval mean_confidence_interval(const std::vector<double>& values);

// {"overall": {...}, "clusters": {"<label>": {...}, ...}}: `metrics` (e.g. binary_metrics) of all
// rows and of each cluster's. `prediction` may hold several values per row, row after row (e.g.
// multiclass_metrics' probabilities): as many per row as its size is a multiple of the targets'.
using MetricSet = std::function<nlohmann::json(const std::vector<double>&, const std::vector<double>&)>;
nlohmann::json metrics_by_cluster(const MetricSet& metrics, const std::vector<double>& prediction,
                                  const std::vector<double>& target, const std::vector<std::string>& clusters);

}  // namespace armed
