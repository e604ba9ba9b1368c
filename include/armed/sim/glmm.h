#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "armed/data/clustered_data.h"
#include "armed/seed.h"

namespace armed {

// The simulation of the mixed-effects deep learning literature (LMMNN's generator, used by
// MC-GMENN): features X ~ U(-1, 1)^p, a nonlinear fixed effect f(X) = e cos(e) + 2 x1 x2 with
// e = 1 + sum(x), and per grouping factor random intercepts b ~ N(0, variance) whose levels have
// multinomial sizes with weights Poisson(3) + 1. Several factors are crossed: each row draws a
// level of each. Classification: y ~ Bernoulli(logistic(f + sum b)); regression: y = f + sum b + N(0, noise^2).
struct GlmmOptions {
  int64_t rows = 100000;
  int64_t features = 10;
  std::vector<int64_t> clusters = {1000};  // levels of each grouping factor
  std::vector<double> variances = {1.0};   // random-intercept variance of each factor (one value: all)
  std::string task = "classification";     // classification | regression
  double noise = 1.0;                      // regression: residual SD
  uint64_t seed = kDefaultSeed;
  void validate() const;                   // throws armed::Error naming the flag
};

struct GlmmData {
  ClusteredData data;                        // x1..xp, y; factors "cluster", or cluster1, cluster2, ... (levels 0..K-1)
  std::vector<std::vector<double>> effects;  // per factor, each level's intercept b
};

GlmmData simulate_glmm(const GlmmOptions& options);
nlohmann::json truth_to_json(const GlmmOptions& options, const GlmmData& sim);

}  // namespace armed
