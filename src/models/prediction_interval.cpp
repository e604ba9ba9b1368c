// The random effects' share of a prediction's uncertainty: per row the variance of
// u_f . [1, slopes] summed over the grouping factors, whose effects are independent.
#include "models/model_state.h"

namespace armed {
namespace {

// Var(u . h) for u ~ N(m_k, S_k) with k drawn from `probabilities` ([n, K]): the mixture's
// E[(m_k . h)^2 + h' S_k h] - (E[m_k . h])^2.
torch::Tensor mixture_variance(RandomEffectsImpl& re, const torch::Tensor& probabilities, const torch::Tensor& h) {
  const auto p = probabilities.to(torch::kFloat64), design = h.to(torch::kFloat64);
  const auto loc = re.loc.to(torch::kFloat64);
  const auto chol = re.posterior_cholesky().to(torch::kFloat64);
  const auto covariance = chol.matmul(chol.transpose(1, 2));  // [K, U, U]
  const auto means = design.mm(loc.t());                        // [n, K]
  auto within = torch::zeros_like(means);
  const int64_t units = design.size(1);
  for (int64_t a = 0; a < units; ++a)
    for (int64_t b = 0; b < units; ++b)
      within += (design.select(1, a) * design.select(1, b)).unsqueeze(1) * covariance.select(1, a).select(1, b).unsqueeze(0);
  const auto mean = (p * means).sum(1);
  return (p * (means.square() + within)).sum(1) - mean.square();
}

}  // namespace

torch::Tensor MixedEffectsModel::State::random_effects_variance(const torch::Tensor& x, const std::vector<ClusterDesign>& z,
                                                               const std::vector<torch::Tensor>& re_slopes) {
  torch::NoGradGuard no_grad;
  net->eval();
  auto variance = torch::zeros({x.size(0)}, torch::kFloat64);
  for (size_t f = 0; f < net->random_effects.size(); ++f) {
    RandomEffectsImpl& re = *net->random_effects[f];
    const int64_t n = x.size(0);
    const auto h = re_slopes[f].defined() ? torch::cat({torch::ones({n, 1}), re_slopes[f]}, 1) : torch::ones({n, 1});
    if (z[f].infer) {
      variance += mixture_variance(re, net->membership_probabilities(x, f), h);
    } else if (z[f].ids.defined() && (z[f].ids >= 0).all().item<bool>()) {
      variance += re.linear_moments(z[f].ids, h.narrow(1, 1, h.size(1) - 1)).second.to(torch::kFloat64);
    } else {
      // An unseen cluster's effects are a draw from the population: the prior (the variance components).
      const auto prior = re.prior_cholesky().to(torch::kFloat64);
      variance += h.to(torch::kFloat64).mm(prior).square().sum(1);
    }
  }
  return variance;
}

}  // namespace armed
