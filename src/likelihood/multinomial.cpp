#include "likelihood/multinomial.h"

#include <algorithm>
#include <cmath>

#include "armed/error.h"
#include "armed/metrics.h"
#include "random.h"

namespace armed {

torch::Tensor MultinomialLikelihood::nll(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor&,
                                         const torch::Tensor&) const {
  return torch::nn::functional::cross_entropy(eta, y.to(torch::kInt64));
}

torch::Tensor MultinomialLikelihood::expected_nll(const torch::Tensor& eta, const torch::Tensor& var, const torch::Tensor& y,
                                                  const torch::Tensor&, const torch::Tensor&) const {
  // E[logsumexp(eta)] <= logsumexp(E eta + var / 2) (Jensen, with E exp = exp(mean + var / 2)): an
  // upper bound on the expected loss, so the objective stays a bound on the ELBO, without sampling.
  const auto labels = y.to(torch::kInt64).unsqueeze(1);
  return (torch::logsumexp(eta + var / 2, 1) - eta.gather(1, labels).squeeze(1)).mean();
}

namespace {

[[noreturn]] void no_scalar_density() {
  throw Error("--task multiclass: the generalized linear mixed model takes one logit per row; multiclass has its own exact stage");
}

}  // namespace

LogDensity MultinomialLikelihood::log_density(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&) const {
  no_scalar_density();
}

torch::Tensor MultinomialLikelihood::log_density_constant(const torch::Tensor&, const torch::Tensor&) const { no_scalar_density(); }

torch::Tensor MultinomialLikelihood::mean(const torch::Tensor& eta) const { return torch::softmax(eta, 1); }

std::string MultinomialLikelihood::invalid_target(double, double, const std::string&) const {
  return {};  // a class label: the data's reader matches it against the target's levels
}

std::string MultinomialLikelihood::untrainable(const torch::Tensor& y, const torch::Tensor&) const {
  if (y.numel() > 0 && !(y >= 0).logical_and(y == y.round()).all().item<bool>())
    return "multiclass targets are class indices 0, 1, ... (or class labels in a CSV file)";
  if (y.numel() > 0 && (y == y[0]).all().item<bool>()) return "the target has a single class; multiclass needs at least two";
  return {};
}

double MultinomialLikelihood::metric(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor&, double) const {
  return macro_auroc(values(mean(eta)), values(y));
}

nlohmann::json MultinomialLikelihood::metrics(const std::vector<double>& prediction, const std::vector<double>& target) const {
  return multiclass_metrics(prediction, target);
}

double MultinomialLikelihood::draw(const std::vector<double>& eta, double, Rng& rng) const {
  // Inverse-CDF draw from the softmax.
  const double top = *std::max_element(eta.begin(), eta.end());
  std::vector<double> weight(eta.size());
  double total = 0;
  for (size_t k = 0; k < eta.size(); ++k) total += (weight[k] = std::exp(eta[k] - top));
  double u = rng.uniform() * total;
  size_t k = 0;
  while (k + 1 < weight.size() && (u -= weight[k]) >= 0) ++k;
  return static_cast<double>(k);
}

}  // namespace armed
