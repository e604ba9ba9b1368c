#pragma once
// What the benchmarks share: repeated AUROC and accuracy summarized with 95% t-intervals, and
// their table cells.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace armed {

// {"auroc", "accuracy" (means), "auroc_ci", "accuracy_ci" ([lo, hi], null for a single run), "runs"}.
nlohmann::json interval_summary(const std::vector<double>& auroc, const std::vector<double>& accuracy);

// " 0.8870 ±0.0231": the mean of `metric` in a summary and the half-width of its interval.
std::string interval_cell(const nlohmann::json& summary, const char* metric);

}  // namespace armed
