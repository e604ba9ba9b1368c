#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "data/cluster_design.h"

namespace armed {

// How a cluster's random effects covary: independent units, or correlated ones (Cholesky factors).
enum class Covariance { diagonal, full };

struct RandomEffectsOptions {
  RandomEffectsOptions(int64_t clusters, int64_t units) : clusters_(clusters), units_(units) {}
  TORCH_ARG(int64_t, clusters);
  TORCH_ARG(int64_t, units);                                   // parameters per cluster
  // No defaults here: ModelConfig holds them, and every caller sets these four.
  TORCH_ARG(std::vector<double>, posterior_loc_init_scale);    // posterior means start ~ N(0, this); one value or one per unit
  TORCH_ARG(double, posterior_scale_init_min) = NAN;           // posterior SDs start ~ U(min, min + range)
  TORCH_ARG(double, posterior_scale_init_range) = NAN;
  TORCH_ARG(std::vector<double>, prior_scale);                 // prior SDs (initial values if learned); one or one per unit
  TORCH_ARG(bool, learn_prior_scale) = false;                  // empirical Bayes: the prior covariance is trained
  TORCH_ARG(Covariance, covariance) = Covariance::diagonal;
  // Gradients of the per-cluster tables (cluster_tables()) come as sparse rows, as with
  // torch::nn::Embedding's sparse option: backward then costs the batch's rows, not every cluster's.
  TORCH_ARG(bool, sparse) = false;
};

// Cluster-specific parameter vectors u_k ~ q_k = N(loc_k, S_k) with prior N(0, Sigma). With a
// diagonal covariance S_k and Sigma are diagonal; with a full one both are parameterized by
// Cholesky factors (softplus diagonals, free lower triangles), and a learned Sigma then
// estimates the random effects' covariance, correlations included.
// forward(Z) returns Z u: per row, its cluster's parameters, a reparameterized sample in training
// and the posterior mean in evaluation, where a row whose cluster is unknown gets zero (in training
// every row needs its cluster).
class RandomEffectsImpl : public torch::nn::Cloneable<RandomEffectsImpl> {
 public:
  explicit RandomEffectsImpl(RandomEffectsOptions options);
  void reset() override;
  torch::Tensor forward(const ClusterDesign& z);
  // Per row, u . [1, slopes]: the random intercept plus the random slopes times `slopes`
  // ([n, units - 1]; undefined when units = 1), u as in forward(z).
  torch::Tensor linear_term(const ClusterDesign& z, const torch::Tensor& slopes);
  // Mean and variance under q of that linear term for each row; zero for unknown clusters. Lets a
  // full-batch objective take expectations without sampling.
  std::pair<torch::Tensor, torch::Tensor> linear_moments(const torch::Tensor& ids, const torch::Tensor& slopes);
  // Per row, each unit's mean and variance under q ([n, units]); zero for unknown clusters.
  std::pair<torch::Tensor, torch::Tensor> unit_moments(const torch::Tensor& ids);
  torch::Tensor kl_divergence() const;        // sum over clusters of KL(q_k || prior)
  // sum_i weights_i KL(q_{ids_i} || prior): with weights_i = rows / (batch rows x rows of cluster
  // ids_i), an unbiased estimate from a minibatch of the sum over clusters, at the batch's cost.
  torch::Tensor kl_divergence(const torch::Tensor& ids, const torch::Tensor& weights) const;
  std::vector<torch::Tensor> cluster_tables() const;  // the parameters with one row per cluster
  torch::Tensor posterior_cholesky() const;   // [clusters, units, units] lower-triangular
  torch::Tensor prior_cholesky() const;       // [units, units] lower-triangular
  torch::Tensor posterior_scale() const;      // [clusters, units] marginal posterior SDs
  torch::Tensor prior_scale() const;          // [units] marginal prior SDs
  // Sets every q_k to N(mean_k, covariance_k) ([clusters, units], [clusters, units, units]) and the
  // prior to N(0, prior_covariance): the estimates of an exact fit. Scales below the smallest the
  // parameterization holds (variance components at zero) are raised to it.
  void set_estimates(const torch::Tensor& mean, const torch::Tensor& covariance, const torch::Tensor& prior_covariance);

  RandomEffectsOptions options;
  torch::Tensor loc, raw_scale, lower;               // posterior: means, Cholesky diagonals (raw), lower triangles
  torch::Tensor raw_prior_scale, prior_lower;        // prior: Cholesky diagonal (raw), lower triangle

 private:
  bool full() const { return options.covariance() == Covariance::full; }
  torch::Tensor rows(const torch::Tensor& table, const torch::Tensor& idx) const;  // table[idx], sparse rows' gradient if options.sparse
  torch::Tensor cholesky_rows(const torch::Tensor& idx) const;  // posterior factors of the given clusters
  torch::Tensor design(const torch::Tensor& slopes, int64_t rows) const;  // [1, slopes] per row
};
TORCH_MODULE(RandomEffects);

}  // namespace armed
