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
// {"n", "rmse", "r2", "mae"}.
nlohmann::json regression_metrics(const std::vector<double>& prediction, const std::vector<double>& target);

// Mean of repeated measurements (folds, seeds) with a two-sided 95% Student-t confidence
// interval; a single value gives an interval of NaNs.
struct MeanInterval {
  double mean, lo, hi;
};
MeanInterval mean_confidence_interval(const std::vector<double>& values);

// {"overall": {...}, "clusters": {"<label>": {...}, ...}}: `metrics` (e.g. binary_metrics) of all
// rows and of each cluster's.
using MetricSet = std::function<nlohmann::json(const std::vector<double>&, const std::vector<double>&)>;
nlohmann::json metrics_by_cluster(const MetricSet& metrics, const std::vector<double>& prediction,
                                  const std::vector<double>& target, const std::vector<std::string>& clusters);

}  // namespace armed
