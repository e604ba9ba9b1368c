#include "armed/nn/random_effects.h"

#include <cmath>

#include "armed/error.h"

namespace armed {
namespace {

constexpr double kMinScale = 1e-5;

double inverse_softplus(double y) { return std::log(std::expm1(y)); }

torch::Tensor to_scale(const torch::Tensor& raw) { return kMinScale + torch::nn::functional::softplus(raw); }

}  // namespace

RandomEffectsImpl::RandomEffectsImpl(RandomEffectsOptions options_) : options(std::move(options_)) { reset(); }

void RandomEffectsImpl::reset() {
  const auto& o = options;
  if (o.clusters() < 1 || o.units() < 1) throw Error("random effects need at least one cluster and one unit");
  if (!(o.prior_scale() > kMinScale) || !(o.posterior_scale_init_min() > 0) || o.posterior_scale_init_range() < 0)
    throw Error("random-effect scales must be positive");
  loc = register_parameter("loc", torch::randn({o.clusters(), o.units()}) * o.posterior_loc_init_scale());
  const double lo = o.posterior_scale_init_min(), hi = lo + o.posterior_scale_init_range();
  auto init_scale = torch::rand({o.clusters(), o.units()}) * (hi - lo) + lo;
  raw_scale = register_parameter("raw_scale", torch::log(torch::expm1(init_scale)));
  auto raw_prior = torch::full({o.units()}, inverse_softplus(o.prior_scale() - kMinScale));
  raw_prior_scale = o.learn_prior_scale() ? register_parameter("raw_prior_scale", raw_prior)
                                          : register_buffer("raw_prior_scale", raw_prior);
}

torch::Tensor RandomEffectsImpl::posterior_scale() const { return to_scale(raw_scale); }
torch::Tensor RandomEffectsImpl::prior_scale() const { return to_scale(raw_prior_scale); }

torch::Tensor RandomEffectsImpl::forward(const ClusterDesign& z) {
  if (z.soft.defined()) {
    // Local reparameterization: Z u is Gaussian with mean Z loc and variance Z^2 scale^2.
    auto mean = z.soft.matmul(loc);
    if (!is_training()) return mean;
    auto sd = (z.soft.square().matmul(posterior_scale().square()) + 1e-12).sqrt();
    return mean + sd * torch::randn_like(mean);
  }
  // One-hot Z: gather the rows' clusters; cost grows with the batch, not with the clusters.
  auto known = (z.ids >= 0).to(loc.scalar_type()).unsqueeze(1);
  auto idx = z.ids.clamp_min(0);
  auto out = loc.index_select(0, idx);
  if (is_training()) out = out + to_scale(raw_scale.index_select(0, idx)) * torch::randn_like(out);
  return out * known;
}

torch::Tensor RandomEffectsImpl::kl_divergence() const {
  // KL(N(m, s^2) || N(0, p^2)) = log(p / s) + (s^2 + m^2) / (2 p^2) - 1/2
  auto s = posterior_scale(), p = prior_scale().unsqueeze(0);
  return (torch::log(p) - torch::log(s) + (s.square() + loc.square()) / (2 * p.square()) - 0.5).sum();
}

}  // namespace armed
