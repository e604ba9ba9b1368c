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
