#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "armed/error.h"
#include "armed/metrics.h"

namespace armed {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(double part, double whole) { return whole > 0 ? part / whole : kNaN; }

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

// The ROC curve's points, one per distinct score from the highest down: calling positive every row
// scoring at least `threshold` finds `true_positives` of the positives and `false_positives`.
struct RocPoint {
  double threshold, true_positives, false_positives;
};

struct RocCurve {
  std::vector<RocPoint> points;
  double positives = 0, negatives = 0;
};

RocCurve roc_curve(const std::vector<double>& score, const std::vector<double>& label) {
  if (score.size() != label.size()) throw Error("metrics: predictions and targets differ in length");
  std::vector<size_t> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] > score[b]; });
  RocCurve roc;
  for (size_t i = 0; i < order.size();) {
    const double threshold = score[order[i]];
    for (; i < order.size() && score[order[i]] == threshold; ++i) (label[order[i]] > 0.5 ? roc.positives : roc.negatives) += 1;
    roc.points.push_back({threshold, roc.positives, roc.negatives});
  }
  return roc;
}

nlohmann::json to_json(const DecisionMetrics& m) {
  return {{"threshold", number_or_null(m.threshold)}, {"sensitivity", number_or_null(m.sensitivity)},
          {"specificity", number_or_null(m.specificity)}, {"ppv", number_or_null(m.ppv)},
          {"npv", number_or_null(m.npv)}, {"f1", number_or_null(m.f1)},
          {"accuracy", number_or_null(m.accuracy)}};
}

}  // namespace

DecisionMetrics decision_metrics(const std::vector<double>& score, const std::vector<double>& label, double threshold) {
  if (score.size() != label.size()) throw Error("metrics: predictions and targets differ in length");
  double tp = 0, fp = 0, tn = 0, fn = 0;
  for (size_t i = 0; i < score.size(); ++i) {
    const bool called = score[i] >= threshold, positive = label[i] > 0.5;
    (called ? (positive ? tp : fp) : (positive ? fn : tn)) += 1;
  }
  return {threshold,           ratio(tp, tp + fn), ratio(tn, tn + fp), ratio(tp, tp + fp), ratio(tn, tn + fn),
          ratio(2 * tp, 2 * tp + fp + fn), ratio(tp + tn, tp + tn + fp + fn)};
}

namespace {

// The threshold of the largest sensitivity + specificity - 1 on the curve (the first, highest, of ties).
double youden_of(const RocCurve& roc) {
  if (roc.positives == 0 || roc.negatives == 0) return kNaN;
  double best = kNaN, best_j = -std::numeric_limits<double>::infinity();
  for (const RocPoint& p : roc.points) {
    const double j = p.true_positives / roc.positives - p.false_positives / roc.negatives;
    if (j > best_j) best_j = j, best = p.threshold;
  }
  return best;
}

// The ROC curve read at a floor on one rate: the best of the other over the thresholds that keep
// the floor. Calling nobody positive (sensitivity 0, specificity 1) and everybody (1, 0) are
// points of every curve, so the best is at least 0.
double read_curve(const RocCurve& roc, double floor, bool floor_on_specificity) {
  if (roc.positives == 0 || roc.negatives == 0) return kNaN;
  double best = 0;
  for (const RocPoint& p : roc.points) {
    const double sensitivity = p.true_positives / roc.positives, specificity = 1 - p.false_positives / roc.negatives;
    if ((floor_on_specificity ? specificity : sensitivity) >= floor - 1e-12)
      best = std::max(best, floor_on_specificity ? sensitivity : specificity);
  }
  return best;
}

}  // namespace

double youden_threshold(const std::vector<double>& score, const std::vector<double>& label) {
  return youden_of(roc_curve(score, label));
}

double sensitivity_at_specificity(const std::vector<double>& score, const std::vector<double>& label, double specificity) {
  return read_curve(roc_curve(score, label), specificity, /*floor_on_specificity=*/true);
}

double specificity_at_sensitivity(const std::vector<double>& score, const std::vector<double>& label, double sensitivity) {
  return read_curve(roc_curve(score, label), sensitivity, /*floor_on_specificity=*/false);
}

nlohmann::json decision_report(const std::vector<double>& score, const std::vector<double>& label, double threshold,
                               const std::string& chosen_by) {
  nlohmann::json j = {{"at_0.5", to_json(decision_metrics(score, label, 0.5))}};
  const RocCurve roc = roc_curve(score, label);  // sorted once for every reading below
  const double youden = youden_of(roc);
  j["youden"] = std::isnan(youden) ? nlohmann::json(nullptr) : to_json(decision_metrics(score, label, youden));
  if (std::isfinite(threshold)) {
    j["at_threshold"] = to_json(decision_metrics(score, label, threshold));
    j["at_threshold"]["chosen_by"] = chosen_by;
  }
  for (const double level : {0.9, 0.95}) {
    const std::string key = level == 0.9 ? "0.9" : "0.95";
    j["sensitivity_at_specificity"][key] = number_or_null(read_curve(roc, level, /*floor_on_specificity=*/true));
    j["specificity_at_sensitivity"][key] = number_or_null(read_curve(roc, level, /*floor_on_specificity=*/false));
  }
  return j;
}

}  // namespace armed
