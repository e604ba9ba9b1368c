#include "eval/interval_table.h"

#include <cmath>
#include <cstdio>

#include "armed/metrics.h"

namespace armed {

nlohmann::json interval_summary(const std::vector<double>& auroc, const std::vector<double>& accuracy) {
  const auto a = mean_confidence_interval(auroc), c = mean_confidence_interval(accuracy);
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  return {{"auroc", a.mean},
          {"accuracy", c.mean},
          {"auroc_ci", {num(a.lo), num(a.hi)}},
          {"accuracy_ci", {num(c.lo), num(c.hi)}},
          {"runs", {{"auroc", auroc}, {"accuracy", accuracy}}}};
}

std::string interval_cell(const nlohmann::json& summary, const char* metric) {
  auto num = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : NAN; };
  const double mean = num(summary.at(metric)), hi = num(summary.at(std::string(metric) + "_ci")[1]);
  char cell[64];
  std::snprintf(cell, sizeof cell, " %6.4f ±%6.4f", mean, hi - mean);
  return cell;
}

}  // namespace armed
