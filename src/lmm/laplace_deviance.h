#pragma once
// A generalized linear mixed model's deviance, -2 log-likelihood, as glmer approximates it: the
// random effects' conditional modes by penalized iteratively reweighted least squares (PIRLS) on
// the sparse Cholesky factor of S = Lambda' Z' W Z Lambda + I, then Laplace's approximation of
// the integral over them, or adaptive Gauss-Hermite quadrature for a single scalar random effect.
#include <torch/torch.h>

#include <vector>

#include "likelihood/gauss_hermite.h"
#include "likelihood/likelihood.h"
#include "lmm/lmm_data.h"
#include "lmm/random_effects_system.h"

namespace armed {

// What a GLMM fit reads (the simulation's GlmmData in armed/sim/glmm.h is another thing).
struct GlmmInput {
  LmmData design;       // X, y and the random-effect terms
  // Any floating type: eta and the log-density are computed in float64 from them.
  torch::Tensor offset;  // [rows] added to eta (undefined: none)
  torch::Tensor trials;  // [rows] binomial trials (undefined: one)
  const Likelihood* family = nullptr;  // without a residual SD
};

class LaplaceDeviance {
 public:
  // nagq 1: Laplace; more: that many quadrature nodes (one term, one unit: an error otherwise).
  LaplaceDeviance(const GlmmInput& data, int64_t nagq);

  int64_t theta_size() const { return system_.theta_size(); }
  std::vector<double> theta_start() const { return system_.theta_start(); }
  std::vector<double> theta_lower() const { return system_.theta_lower(); }

  // The deviance at (theta, beta), the random effects' modes found by PIRLS from the last ones.
  double operator()(const std::vector<double>& theta, const torch::Tensor& beta);
  // glmer's first stage (nAGQ = 0): beta found by PIRLS jointly with the modes; the Laplace
  // deviance at that (theta, beta).
  double with_beta_modes(const std::vector<double>& theta);

  // At the last evaluation:
  const torch::Tensor& beta() const { return beta_; }
  const torch::Tensor& u() const { return u_; }  // spherical modes: b = Lambda u
  std::vector<torch::Tensor> effects() const;   // per term [levels, units]
  // The fixed effects' covariance given theta, from the joint curvature in beta and u at the modes.
  torch::Tensor beta_covariance() const;
  // Per term [levels, units, units]: Lambda S^-1 Lambda', the modes' conditional covariances.
  std::vector<torch::Tensor> conditional_covariances() const;
  const SparseCholesky& factor() const { return system_.factor(); }

 private:
  // Newton steps on the penalized log-likelihood in u (and with `with_beta`, beta), halved until it rises.
  void pirls(const std::vector<torch::Tensor>& t, bool with_beta);
  // Newton's step (du and, with beta, db) at the current modes and density, and its decrement.
  double newton_step(const std::vector<torch::Tensor>& t, bool with_beta, torch::Tensor& du, torch::Tensor& db);
  double scalar_newton_step(double lambda, bool with_beta, torch::Tensor& du, torch::Tensor& db) const;
  torch::Tensor eta(const std::vector<torch::Tensor>& t, const torch::Tensor& beta, const torch::Tensor& u) const;
  double penalized(const LogDensity& d, const torch::Tensor& u) const;  // sum log p(y | eta) - |u|^2 / 2
  double deviance(const std::vector<torch::Tensor>& t);  // at the modes, S factorized there

  const GlmmInput& data_;
  int64_t nagq_;
  RandomEffectsSystem system_;
  std::vector<double> theta_;
  torch::Tensor beta_, u_;
  LogDensity density_;  // at the modes
  double constant_ = 0;  // the sum of the rows' normalizing constants
  GaussHermite rule_;    // nagq > 1: the quadrature's nodes and weights
};

}  // namespace armed
