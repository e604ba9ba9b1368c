#pragma once
#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

#include "armed/config.h"
#include "armed/sim/glmm.h"

namespace armed {

// Armed with two crossed grouping factors against the conventional network and against armed
// given either factor alone, on rows of seen clusters. Each repeat simulates new data (seeds
// config.seed, config.seed + 1, ...), holds out `test_fraction` of the rows of every cluster of the
// first factor (stratified by class), and trains every model on the rest with the same
// configuration and seed.
struct CrossedBenchmarkOptions {
  // Two crossed factors whose random intercepts matter as much as each other; small enough for a
  // few minutes on two cores.
  GlmmOptions glmm = [] {
    GlmmOptions o;
    o.rows = 10000;
    o.features = 5;
    o.clusters = {40, 25};
    o.variances = {1.0, 1.0};
    return o;
  }();
  ModelConfig config = [] {
    ModelConfig c;
    c.model = "armed";
    return c;
  }();  // the armed models' configuration; the conventional network takes what applies to it
  double test_fraction = 0.2;
  int64_t repeats = 3;
};

// {"data", "seeds", "test_fraction", "models": {"<name>": {"seen": {"auroc", "accuracy", "auroc_ci",
// "accuracy_ci", "runs"}}}} for conventional, "armed (<factor>)" for each factor alone and
// "armed (<factor1> + <factor2>)"; means over repeats with 95% t-intervals.
nlohmann::json run_crossed_benchmark(const CrossedBenchmarkOptions& options, std::ostream* progress);

// The results as an aligned text table.
std::string crossed_benchmark_table(const nlohmann::json& results);

}  // namespace armed
