#pragma once
#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "armed/config.h"
#include "armed/sim/spiral.h"

namespace armed {

// The paper's spiral comparison on seen and unseen clusters. The clusters are partitioned into
// `folds` groups (grouped k-fold); in each fold the held-out group is the unseen-cluster test,
// and `test_fraction` of every remaining cluster's rows (stratified by class) is the seen-cluster
// test. Every model trains on the rest with the same configuration and seed. With `repeats` > 1
// the whole procedure runs again on new data with seeds config.seed + 1, ...
struct SpiralBenchmarkOptions {
  SpiralOptions spiral;  // its seed is replaced by each repeat's seed
  ModelConfig config;    // shared by every model; `model` is set per model
  double test_fraction = 0.2;
  int64_t folds = 5;
  int64_t repeats = 1;
  std::vector<std::string> models = model_names(/*images=*/false);  // every kind of the table
};

// {"data", "seeds", "folds", "models": {"<name>": {"seen": {...}, "unseen": {...}, "gradients", "confounder_ratio"}}}
// with, for seen and unseen, "auroc", "accuracy" (means over folds x repeats), "auroc_ci",
// "accuracy_ci" (95% t-intervals) and "runs". An armed model is reported as `armed` (predict's
// default: mixed for seen clusters, inferred Z for unseen ones), `armed-fixed` (Z = 0) and
// `armed-inferred` (inferred Z everywhere). Gradients (with confounders only):
// |d FE prediction / d standardized feature| at the mean input, Z = 0, averaged over runs;
// "confounder_ratio" = mean over conf* / mean over x1, x2.
nlohmann::json run_spiral_benchmark(const SpiralBenchmarkOptions& options, std::ostream* progress);

// The results as an aligned text table.
std::string benchmark_table(const nlohmann::json& results);

}  // namespace armed
