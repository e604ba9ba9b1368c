#include "armed/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "armed/error.h"

namespace armed {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_sizes(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw Error("metrics: predictions and targets differ in length");
}

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

double auroc(const std::vector<double>& score, const std::vector<double>& label) {
  check_sizes(score, label);
  const size_t n = score.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  // Mann-Whitney U with mid-ranks for tied scores.
  double rank_sum_pos = 0.0, n_pos = 0.0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && score[order[j + 1]] == score[order[i]]) ++j;
    const double mid_rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (size_t k = i; k <= j; ++k)
      if (label[order[k]] > 0.5) {
        rank_sum_pos += mid_rank;
        n_pos += 1.0;
      }
    i = j + 1;
  }
  const double n_neg = static_cast<double>(n) - n_pos;
  if (n_pos == 0.0 || n_neg == 0.0) return kNaN;
  return (rank_sum_pos - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg);
}

double accuracy(const std::vector<double>& score, const std::vector<double>& label, double threshold) {
  check_sizes(score, label);
  if (score.empty()) return kNaN;
  double correct = 0.0;
  for (size_t i = 0; i < score.size(); ++i) correct += ((score[i] >= threshold) == (label[i] > 0.5));
  return correct / static_cast<double>(score.size());
}

double balanced_accuracy(const std::vector<double>& score, const std::vector<double>& label, double threshold) {
  check_sizes(score, label);
  double hit[2] = {0, 0}, count[2] = {0, 0};
  for (size_t i = 0; i < score.size(); ++i) {
    const int c = label[i] > 0.5;
    count[c] += 1;
    hit[c] += ((score[i] >= threshold) == (c == 1));
  }
  double sum = 0.0, classes = 0.0;
  for (int c = 0; c < 2; ++c)
    if (count[c] > 0) {
      sum += hit[c] / count[c];
      classes += 1;
    }
  return classes > 0 ? sum / classes : kNaN;
}

double binary_cross_entropy(const std::vector<double>& prob, const std::vector<double>& label) {
  check_sizes(prob, label);
  if (prob.empty()) return kNaN;
  constexpr double eps = 1e-7;
  double sum = 0.0;
  for (size_t i = 0; i < prob.size(); ++i) {
    const double p = std::clamp(prob[i], eps, 1.0 - eps);
    sum -= label[i] > 0.5 ? std::log(p) : std::log(1.0 - p);
  }
  return sum / static_cast<double>(prob.size());
}

double rmse(const std::vector<double>& prediction, const std::vector<double>& target) {
  check_sizes(prediction, target);
  if (prediction.empty()) return kNaN;
  double sum = 0.0;
  for (size_t i = 0; i < prediction.size(); ++i) sum += (prediction[i] - target[i]) * (prediction[i] - target[i]);
  return std::sqrt(sum / static_cast<double>(prediction.size()));
}

double r_squared(const std::vector<double>& prediction, const std::vector<double>& target) {
  check_sizes(prediction, target);
  if (prediction.size() < 2) return kNaN;
  const double mean = std::accumulate(target.begin(), target.end(), 0.0) / static_cast<double>(target.size());
  double ss_res = 0.0, ss_tot = 0.0;
  for (size_t i = 0; i < target.size(); ++i) {
    ss_res += (target[i] - prediction[i]) * (target[i] - prediction[i]);
    ss_tot += (target[i] - mean) * (target[i] - mean);
  }
  return ss_tot > 0 ? 1.0 - ss_res / ss_tot : kNaN;
}

MeanInterval mean_confidence_interval(const std::vector<double>& values) {
  // 97.5% quantiles of Student's t for 1..30 degrees of freedom.
  static const double t975[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  const auto n = values.size();
  if (n == 0) return {kNaN, kNaN, kNaN};
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(n);
  if (n == 1) return {mean, kNaN, kNaN};
  double ss = 0.0;
  for (double v : values) ss += (v - mean) * (v - mean);
  const double se = std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n));
  const size_t df = n - 1;
  // Beyond 30 degrees of freedom, the first-order Cornish-Fisher expansion around 1.96.
  const double t = df <= 30 ? t975[df - 1] : 1.959964 + 2.3722 / static_cast<double>(df);
  return {mean, mean - t * se, mean + t * se};
}

nlohmann::json binary_metrics(const std::vector<double>& prediction, const std::vector<double>& target) {
  return {{"n", prediction.size()},
          {"auroc", number_or_null(auroc(prediction, target))},
          {"accuracy", number_or_null(accuracy(prediction, target))},
          {"balanced_accuracy", number_or_null(balanced_accuracy(prediction, target))},
          {"bce", number_or_null(binary_cross_entropy(prediction, target))}};
}

namespace {

// Classes per row of a multiclass prediction; throws unless every row has the same number (at least 2).
size_t classes_per_row(const std::vector<double>& prob, const std::vector<double>& label) {
  if (label.empty() || prob.size() % label.size() != 0 || prob.size() / label.size() < 2)
    throw Error("metrics: multiclass predictions need the same number (at least 2) of class probabilities for every row");
  return prob.size() / label.size();
}

}  // namespace

double macro_auroc(const std::vector<double>& prob, const std::vector<double>& label) {
  if (label.empty()) return kNaN;
  const size_t classes = classes_per_row(prob, label);
  std::vector<double> score(label.size()), is_class(label.size());
  double sum = 0.0, counted = 0.0;
  for (size_t k = 0; k < classes; ++k) {
    for (size_t i = 0; i < label.size(); ++i) {
      score[i] = prob[i * classes + k];
      is_class[i] = static_cast<size_t>(label[i]) == k ? 1.0 : 0.0;
    }
    const double a = auroc(score, is_class);
    if (std::isfinite(a)) {
      sum += a;
      counted += 1;
    }
  }
  return counted > 0 ? sum / counted : kNaN;
}

double log_loss(const std::vector<double>& prob, const std::vector<double>& label) {
  if (label.empty()) return kNaN;
  const size_t classes = classes_per_row(prob, label);
  double sum = 0.0;
  for (size_t i = 0; i < label.size(); ++i) sum -= std::log(std::max(prob[i * classes + static_cast<size_t>(label[i])], 1e-7));
  return sum / static_cast<double>(label.size());
}

nlohmann::json multiclass_metrics(const std::vector<double>& prediction, const std::vector<double>& target) {
  double correct = 0.0;
  if (!target.empty()) {
    const size_t classes = classes_per_row(prediction, target);
    for (size_t i = 0; i < target.size(); ++i) {
      const auto row = prediction.begin() + static_cast<std::ptrdiff_t>(i * classes);
      correct += static_cast<double>(std::max_element(row, row + static_cast<std::ptrdiff_t>(classes)) - row) == target[i];
    }
  }
  return {{"n", target.size()},
          {"macro_auroc", number_or_null(macro_auroc(prediction, target))},
          {"accuracy", number_or_null(target.empty() ? kNaN : correct / static_cast<double>(target.size()))},
          {"log_loss", number_or_null(log_loss(prediction, target))}};
}

nlohmann::json regression_metrics(const std::vector<double>& prediction, const std::vector<double>& target) {
  double abs_sum = 0.0;
  for (size_t i = 0; i < prediction.size(); ++i) abs_sum += std::abs(prediction[i] - target[i]);
  return {{"n", prediction.size()},
          {"rmse", number_or_null(rmse(prediction, target))},
          {"r2", number_or_null(r_squared(prediction, target))},
          {"mae", number_or_null(prediction.empty() ? kNaN : abs_sum / static_cast<double>(prediction.size()))}};
}

nlohmann::json metrics_by_cluster(const MetricSet& metrics, const std::vector<double>& prediction,
                                  const std::vector<double>& target, const std::vector<std::string>& clusters) {
  nlohmann::json out = {{"overall", metrics(prediction, target)}};
  if (clusters.empty()) return out;
  const size_t per_row = target.empty() ? 1 : prediction.size() / target.size();
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> groups;
  for (size_t i = 0; i < clusters.size(); ++i) {
    auto& [p, t] = groups[clusters[i]];
    p.insert(p.end(), prediction.begin() + static_cast<std::ptrdiff_t>(i * per_row),
             prediction.begin() + static_cast<std::ptrdiff_t>((i + 1) * per_row));
    t.push_back(target[i]);
  }
  nlohmann::json per = nlohmann::json::object();
  for (const auto& [label, pt] : groups) per[label] = metrics(pt.first, pt.second);
  out["clusters"] = per;
  return out;
}

}  // namespace armed
