#include "likelihood/poisson.h"

#include <cmath>

#include "armed/metrics.h"
#include "random.h"

namespace armed {
namespace {

// Mean Poisson deviance 2 (y log(y / mu) - (y - mu)), with y log y = 0 at y = 0.
double mean_deviance(const std::vector<double>& mu, const std::vector<double>& y) {
  double sum = 0.0;
  for (size_t i = 0; i < y.size(); ++i) sum += 2.0 * ((y[i] > 0 ? y[i] * std::log(y[i] / mu[i]) : 0.0) - (y[i] - mu[i]));
  return y.empty() ? NAN : sum / static_cast<double>(y.size());
}

}  // namespace

torch::Tensor PoissonLikelihood::nll(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor&,
                                     const torch::Tensor&) const {
  return (torch::exp(eta) - y * eta).mean();  // -log Poisson(y | exp(eta)) up to log y!
}

torch::Tensor PoissonLikelihood::expected_nll(const torch::Tensor& eta, const torch::Tensor& var, const torch::Tensor& y,
                                              const torch::Tensor&, const torch::Tensor&) const {
  return (torch::exp(eta + var / 2) - y * eta).mean();  // E exp(eta) under N(eta, var), in closed form
}

LogDensity PoissonLikelihood::log_density(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor&) const {
  const auto e = eta.to(torch::kFloat64), k = y.to(torch::kFloat64);
  const auto mu = torch::exp(e);
  return {k * e - mu, k - mu, mu};
}

torch::Tensor PoissonLikelihood::log_density_constant(const torch::Tensor& y, const torch::Tensor&) const {
  return -torch::lgamma(y.to(torch::kFloat64) + 1);
}

std::string PoissonLikelihood::invalid_target(double value, double, const std::string&) const {
  if (!(value >= 0) || value != std::floor(value)) return "is not a count (a non-negative integer) as --task count needs";
  return {};
}

std::string PoissonLikelihood::untrainable(const torch::Tensor& y, const torch::Tensor&) const {
  if (y.sum().item<double>() == 0.0) return "the count target is 0 in every row; there is no rate to learn";
  return {};
}

double PoissonLikelihood::metric(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor&, double) const {
  return mean_deviance(values(torch::exp(eta)), values(y));
}

nlohmann::json PoissonLikelihood::metrics(const std::vector<double>& prediction, const std::vector<double>& target) const {
  auto m = regression_metrics(prediction, target);
  m["deviance"] = mean_deviance(prediction, target);
  return m;
}

double PoissonLikelihood::draw(const std::vector<double>& eta, double, Rng& rng) const {
  return static_cast<double>(rng.poisson(std::exp(eta[0])));
}

}  // namespace armed
