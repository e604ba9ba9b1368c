#pragma once
// A linear mixed model's profiled deviance: -2 log-likelihood (ML), or the REML criterion, as a
// function of the relative covariance parameters theta alone, with beta and sigma profiled out,
// by penalized least squares on a sparse Cholesky factor (Bates, Maechler, Bolker and Walker
// 2015, "Fitting linear mixed-effects models using lme4", section 3).
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "lmm/lmm_data.h"
#include "lmm/random_effects_system.h"

namespace armed {

class ProfiledDeviance {
 public:
  ProfiledDeviance(const LmmData& data, bool reml);

  int64_t theta_size() const { return system_.theta_size(); }
  std::vector<double> theta_start() const { return system_.theta_start(); }
  std::vector<double> theta_lower() const { return system_.theta_lower(); }

  // The deviance at theta; the solution at theta stays for the accessors below.
  double operator()(const std::vector<double>& theta);

  const std::vector<double>& theta() const { return theta_; }
  const torch::Tensor& beta() const { return beta_; }  // [p]
  const torch::Tensor& u() const { return u_; }        // [q] spherical random effects: b = Lambda u
  std::vector<torch::Tensor> effects() const;          // per term b [levels, units], the conditional modes
  double sigma() const;                                // ML: sqrt(r2 / n); REML: sqrt(r2 / (n - p))
  // (RX' RX)^-1: sigma^2 times it is beta's covariance matrix.
  torch::Tensor beta_precision_inverse() const;
  // Per term, [levels, units, units]: sigma^2 Lambda (Lambda' Z' Z Lambda + I)^-1 Lambda', the
  // conditional covariance of each level's random effects given beta and theta.
  std::vector<torch::Tensor> conditional_covariances() const;
  const SparseCholesky& factor() const { return system_.factor(); }

 private:
  const LmmData& data_;
  bool reml_;
  RandomEffectsSystem system_;        // S = Lambda' Z' Z Lambda + I
  std::vector<torch::Tensor> zt_xy_;  // per term [levels, units, p + 1]: Z' [X y]
  torch::Tensor xtx_, xty_;
  std::vector<double> theta_;
  torch::Tensor beta_, u_, rx_;
  double r2_ = 0;
};

}  // namespace armed
