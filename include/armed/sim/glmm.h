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
// Multiclass: K classes whose logits are f_k(X) = e cos(e + 2 pi k / K) + 2 x_a x_b (a = k mod p,
// b = (k + 1) mod p, 0-based; class 0's is f), each with its own intercept b_k ~ N(0, variance)
// per level; y ~ Categorical(softmax(f_k + sum b_k)), the class index 0..K-1.
struct GlmmOptions {
  int64_t rows = 100000;
  int64_t features = 10;
  std::vector<int64_t> clusters = {1000};  // levels of each grouping factor
  std::vector<double> variances = {1.0};   // random-intercept variance of each factor (one value: all)
  std::string task = "classification";     // a --task: classification | regression | multiclass | count
  double noise = 1.0;                      // regression: residual SD
  uint64_t seed = kDefaultSeed;
  int64_t classes = 3;                     // multiclass: K
  void validate() const;                   // throws armed::Error naming the flag
};

struct GlmmData {
  ClusteredData data;                        // x1..xp, y; factors "cluster", or cluster1, cluster2, ... (levels 0..K-1)
  // Per factor, each level's intercept b (multiclass: level after level, K each: [level * K + k]).
  std::vector<std::vector<double>> effects;
  // [rows] (multiclass [rows, K]) float64: each row's true linear predictor f + sum b, what an
  // oracle that knows the model predicts by.
  torch::Tensor eta;
};

GlmmData simulate_glmm(const GlmmOptions& options);
nlohmann::json truth_to_json(const GlmmOptions& options, const GlmmData& sim);

}  // namespace armed
