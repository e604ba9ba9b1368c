#pragma once
#include <torch/torch.h>

#include "armed/data/cluster_design.h"

namespace armed {

struct RandomEffectsOptions {
  RandomEffectsOptions(int64_t clusters, int64_t units) : clusters_(clusters), units_(units) {}
  TORCH_ARG(int64_t, clusters);
  TORCH_ARG(int64_t, units);                       // parameters per cluster
  TORCH_ARG(double, posterior_loc_init_scale) = 0.1;   // posterior means start ~ N(0, this)
  TORCH_ARG(double, posterior_scale_init_min) = 0.05;  // posterior SDs start ~ U(min, min + range)
  TORCH_ARG(double, posterior_scale_init_range) = 0.05;
  TORCH_ARG(double, prior_scale) = 0.1;            // SD of the zero-mean Gaussian prior (initial value if learned)
  TORCH_ARG(bool, learn_prior_scale) = false;      // empirical Bayes: the prior SD per unit is trained
};

// Cluster-specific parameters u_k ~ q_k = N(loc_k, scale_k^2) with prior N(0, prior_scale^2).
// forward(Z) returns Z u: per row, its cluster's parameters, a reparameterized sample in training
// and the posterior mean in evaluation; zero for rows whose cluster is unknown.
class RandomEffectsImpl : public torch::nn::Cloneable<RandomEffectsImpl> {
 public:
  explicit RandomEffectsImpl(RandomEffectsOptions options);
  void reset() override;
  torch::Tensor forward(const ClusterDesign& z);
  torch::Tensor kl_divergence() const;     // sum over clusters and units of KL(q_k || prior)
  torch::Tensor posterior_scale() const;   // [clusters, units]
  torch::Tensor prior_scale() const;       // [units]

  RandomEffectsOptions options;
  torch::Tensor loc, raw_scale, raw_prior_scale;  // scales are 1e-5 + softplus(raw)
};
TORCH_MODULE(RandomEffects);

}  // namespace armed
