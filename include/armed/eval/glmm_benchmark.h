#pragma once
#include <nlohmann/json.hpp>

#include <ostream>
#include <vector>

#include "armed/config.h"
#include "armed/sim/glmm.h"

namespace armed {

// The grid of the mixed-effects deep learning literature (LMMNN, MC-GMENN): LMMNN's simulation
// with one grouping factor of q levels and random-intercept variance sigma2, for every q and
// sigma2 of the grid. Per cell and repeat, new data (seed config.seed + repeat), `test_fraction` of
// every cluster's rows held out (not stratified by the outcome, which would bias the variance
// components of small clusters), and on the rest the conventional network
// and armed with the same configuration and seed. Reported: the test metric of conventional,
// armed (mixed) and armed-fixed beside the oracle's (the true f + b), armed's variance estimate and
// its error relative to sigma2 and to the drawn effects' variance, and
// armed's fitting time over the conventional network's. Multiclass: macro AUROC, and the variance
// estimate is the mean over the classes' intercepts.
struct GlmmBenchmarkOptions {
  GlmmOptions glmm = [] {
    GlmmOptions o;
    o.rows = 100000;
    o.features = 10;
    return o;
  }();  // clusters and variances come from the grid
  std::vector<int64_t> clusters = {100, 1000, 10000};
  std::vector<double> variances = {0.1, 1.0, 10.0};
  // The networks of LMMNN's and MC-GMENN's experiments: 100-50-25-12 ReLU, batches of 100,
  // early stopping on a tenth of the training rows.
  ModelConfig config = [] {
    ModelConfig c;
    c.model = "armed";
    c.no_adversary = true;
    c.re_prior = "learned";
    c.random_slopes = "none";
    c.hidden = {100, 50, 25, 12};
    c.batch_size = 100;
    c.validation_fraction = 0.1;
    c.patience = 5;
    return c;
  }();
  double test_fraction = 0.2;
  int64_t repeats = 1;
};

// {"data", "seeds", "test_fraction", "metric", "cells": [{"clusters", "variance", "realized_variance",
// "conventional", "armed", "armed-fixed", "oracle" (test metric means), "estimated_variance",
// "relative_error", "relative_error_to_drawn", "time_ratio", "runs": [...]}]}.
nlohmann::json run_glmm_benchmark(const GlmmBenchmarkOptions& options, std::ostream* progress);

// The results as an aligned text table.
std::string glmm_benchmark_table(const nlohmann::json& results);

}  // namespace armed
