#pragma once
// A multinomial (softmax) model with random intercepts per class for one grouping factor, fitted
// by Laplace's approximation of its marginal likelihood: the exact stage of multiclass networks.
// Row i of level c has logits a + s eta_i + u_c, u_c ~ N(0, diag(sigma^2)), with the network's
// logits eta given; a (a_0 = 0: the softmax sees only differences), the scale s and sigma are
// estimated. Each level's modes come by Newton's method on u_c = diag(sigma) v_c with its K x K
// Hessian I + diag(sigma) J_c diag(sigma), J_c the rows' softmax covariances, as lme4 writes
// u = Lambda v so that a variance at zero stays well defined.
#include <torch/torch.h>

#include <ostream>

namespace armed {

struct MultinomialInterceptsFit {
  torch::Tensor shift;                   // [K] a, shift[0] = 0
  double scale = 1;                      // s
  torch::Tensor variance;                // [K] sigma^2
  torch::Tensor modes;                   // [levels, K] the conditional modes of u
  torch::Tensor conditional_covariance;  // [levels, K, K] of u given the data, at the modes
  double deviance = 0;                   // -2 log-likelihood (Laplace)
  int64_t evaluations = 0;
  bool converged = false;
};

// eta: [rows, K] float64 logits; y: [rows] class indices; level: [rows] 0..levels-1;
// start_sd: sigma's start. `progress` gets one line when done.
MultinomialInterceptsFit fit_multinomial_intercepts(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& level,
                                                    int64_t levels, double start_sd, std::ostream* progress = nullptr);

}  // namespace armed
