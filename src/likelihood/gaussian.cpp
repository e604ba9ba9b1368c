#include "likelihood/gaussian.h"

#include <cmath>

#include "armed/error.h"
#include "armed/metrics.h"
#include "likelihood/nll.h"
#include "random.h"

namespace armed {

torch::Tensor GaussianLikelihood::nll(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor&,
                                      const torch::Tensor& log_sd) const {
  return gaussian_nll(eta, y, log_sd);
}

torch::Tensor GaussianLikelihood::expected_nll(const torch::Tensor& eta, const torch::Tensor& var, const torch::Tensor& y,
                                               const torch::Tensor&, const torch::Tensor& log_sd) const {
  return (log_sd + 0.5 * std::log(2 * M_PI) + ((y - eta).square() + var) / (2 * torch::exp(2 * log_sd))).mean();
}

LogDensity GaussianLikelihood::log_density(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&) const {
  // Its exact likelihood profiles the residual SD out (src/lmm/profiled_deviance.cpp) instead.
  throw Error("the Gaussian family's exact likelihood is the linear mixed model's");
}

torch::Tensor GaussianLikelihood::log_density_constant(const torch::Tensor&, const torch::Tensor&) const {
  throw Error("the Gaussian family's exact likelihood is the linear mixed model's");
}

double GaussianLikelihood::metric(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor&, double target_scale) const {
  return rmse(values(eta), values(y)) * target_scale;
}

nlohmann::json GaussianLikelihood::metrics(const std::vector<double>& prediction, const std::vector<double>& target) const {
  return regression_metrics(prediction, target);
}

double GaussianLikelihood::draw(const std::vector<double>& eta, double noise, Rng& rng) const { return eta[0] + rng.normal(0.0, noise); }

}  // namespace armed
