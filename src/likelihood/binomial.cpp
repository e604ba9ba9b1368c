#include "likelihood/binomial.h"

#include <cmath>

#include "armed/metrics.h"
#include "likelihood/gauss_hermite.h"
#include "likelihood/nll.h"
#include "random.h"

namespace armed {

torch::Tensor BinomialLikelihood::nll(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials,
                                      const torch::Tensor&) const {
  return binomial_nll(eta, y, trials);
}

torch::Tensor BinomialLikelihood::expected_nll(const torch::Tensor& eta, const torch::Tensor& var, const torch::Tensor& y,
                                               const torch::Tensor& trials, const torch::Tensor&) const {
  // t softplus(eta) - y eta, as binomial_nll, with softplus averaged over the posterior.
  static const GaussHermite rule = gauss_hermite(20);
  const auto& [nodes, weights] = rule;
  auto shifts = var.sqrt().unsqueeze(1) * nodes.to(eta.scalar_type()).unsqueeze(0);
  auto softplus = (torch::nn::functional::softplus(eta.unsqueeze(1) + shifts) * weights.to(eta.scalar_type())).sum(1);
  return ((trials.defined() ? trials * softplus : softplus) - y * eta).mean();
}

LogDensity BinomialLikelihood::log_density(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials) const {
  const auto e = eta.to(torch::kFloat64), s = y.to(torch::kFloat64);
  const auto t = trials.defined() ? trials.to(torch::kFloat64) : torch::ones_like(e);
  const auto p = torch::sigmoid(e);
  return {s * e - t * torch::nn::functional::softplus(e), s - t * p, t * p * (1 - p)};
}

torch::Tensor BinomialLikelihood::log_density_constant(const torch::Tensor& y, const torch::Tensor& trials) const {
  // log C(t, s) = lgamma(t + 1) - lgamma(s + 1) - lgamma(t - s + 1)
  const auto s = y.to(torch::kFloat64);
  const auto t = trials.defined() ? trials.to(torch::kFloat64) : torch::ones_like(s);
  return torch::lgamma(t + 1) - torch::lgamma(s + 1) - torch::lgamma(t - s + 1);
}

torch::Tensor BinomialLikelihood::mean(const torch::Tensor& eta) const { return torch::sigmoid(eta); }

std::string BinomialLikelihood::invalid_target(double value, double trials, const std::string& trials_text) const {
  if (trials > 0) {
    if (value < 0 || value > trials || value != std::floor(value)) return "is not a count of successes between 0 and " + trials_text;
    return {};
  }
  if (value != 0.0 && value != 1.0) return "is not 0 or 1 (classification needs a 0/1 target)";
  return {};
}

std::string BinomialLikelihood::untrainable(const torch::Tensor& y, const torch::Tensor& trials) const {
  const double positives = y.sum().item<double>();
  const double total = trials.defined() ? trials.sum().item<double>() : static_cast<double>(y.size(0));
  if (positives == 0.0 || positives == total)
    return std::string("the target has a single class (") + (positives == 0.0 ? "0" : "1") + "); classification needs both 0 and 1";
  return {};
}

double BinomialLikelihood::metric(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials, double) const {
  if (!trials.defined()) return auroc(values(eta), values(y));
  // Binomial rows are scored as their individual trials: y successes and trials - y failures.
  auto successes = y.to(torch::kInt64), failures = (trials - y).to(torch::kInt64);
  auto scores = torch::cat({eta.repeat_interleave(successes), eta.repeat_interleave(failures)});
  auto labels = torch::cat({torch::ones({successes.sum().item<int64_t>()}), torch::zeros({failures.sum().item<int64_t>()})});
  return auroc(values(scores), values(labels));
}

nlohmann::json BinomialLikelihood::metrics(const std::vector<double>& prediction, const std::vector<double>& target) const {
  return binary_metrics(prediction, target);
}

double BinomialLikelihood::draw(const std::vector<double>& eta, double, Rng& rng) const {
  return rng.uniform() < 1 / (1 + std::exp(-eta[0])) ? 1.0 : 0.0;
}

}  // namespace armed
