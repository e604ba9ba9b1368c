#pragma once
#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "armed/models/config.h"
#include "armed/sim/spiral.h"

namespace armed {

// The paper's spiral comparison: simulate, hold out a share of every cluster's rows
// (seen-cluster test), train each model with the same configuration and seed, and measure.
// One draw of data and weights ranks models noisily, so the comparison is repeated with seeds
// config.seed, config.seed + 1, ... (each seeding both the data and the models) and averaged.
struct SpiralBenchmarkOptions {
  SpiralOptions spiral;  // its seed is replaced by each repeat's seed
  ModelConfig config;    // shared by every model; `model` is set per model
  double test_fraction = 0.2;
  int64_t repeats = 3;
  std::vector<std::string> models = {"conventional", "cluster-input", "adversarial", "armed"};
};

// {"data": {...}, "seeds": [...], "models": {"<name>": {"seen": {"auroc", "accuracy", "runs": {...}},
// "gradients": {...}, "confounder_ratio"}}}, means over the repeats. Gradients (with confounders
// only): |d FE prediction / d standardized feature| at the mean test input with Z = 0, and
// "confounder_ratio" = mean over conf* / mean over x1, x2.
nlohmann::json run_spiral_benchmark(const SpiralBenchmarkOptions& options, std::ostream* progress);

// The results as an aligned text table.
std::string benchmark_table(const nlohmann::json& results);

}  // namespace armed
