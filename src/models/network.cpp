#include "armed/models/network.h"

namespace armed {

NetworkImpl::NetworkImpl(ModelConfig config_, int64_t features_, int64_t clusters_)
    : config(std::move(config_)), features(features_), clusters(clusters_) {
  const int64_t inputs = features + (config.model == "cluster-input" ? clusters : 0);
  fixed_effects = register_module("fixed_effects", MLP(MLPOptions(inputs, config.hidden, 1)));
  if (config.has_adversary()) {
    int64_t width = 0;
    for (int64_t h : config.hidden) width += h;
    adversary = register_module("adversary", MLP(MLPOptions(width, config.adversary_hidden, clusters)));
  }
  if (config.has_random_effects()) {
    const bool learned = config.re_prior == "learned";
    if (config.random_slopes != "none") {
      const int64_t units = config.random_slopes == "inputs" ? features : config.hidden.back();
      slopes = register_module("slopes", RandomEffects(RandomEffectsOptions(clusters, units)
                                                           .posterior_loc_init_scale(config.slope_posterior_init_scale)
                                                           .posterior_scale_init_min(config.posterior_scale_init_min)
                                                           .posterior_scale_init_range(config.posterior_scale_init_range)
                                                           .prior_scale(config.slope_prior_scale)
                                                           .learn_prior_scale(learned)));
    }
    intercept = register_module("intercept", RandomEffects(RandomEffectsOptions(clusters, 1)
                                                               .posterior_loc_init_scale(config.intercept_posterior_init_scale)
                                                               .posterior_scale_init_min(config.posterior_scale_init_min)
                                                               .posterior_scale_init_range(config.posterior_scale_init_range)
                                                               .prior_scale(config.intercept_prior_scale)
                                                               .learn_prior_scale(learned)));
    membership = register_module("membership", MLP(MLPOptions(features, config.membership_hidden, clusters)));
  }
}

NetworkOutput NetworkImpl::forward(const torch::Tensor& x, const ClusterDesign& design) {
  const ClusterDesign z = design.infer ? ClusterDesign{{}, membership_probabilities(x), false} : design;
  const torch::Tensor input = config.model == "cluster-input" ? torch::cat({x, z.dense(clusters)}, 1) : x;
  MLPOutput fe = fixed_effects->forward(input);
  NetworkOutput out;
  out.fixed = fe.output.squeeze(1);
  out.hidden = fe.hidden.size() == 1 ? fe.hidden[0] : torch::cat(fe.hidden, 1);
  out.output = out.fixed;
  if (slopes) {
    const torch::Tensor& h = config.random_slopes == "inputs" ? x : fe.hidden.back();
    out.output = out.output + (slopes->forward(z) * h).sum(1);
  }
  if (intercept) out.output = out.output + intercept->forward(z).squeeze(1);
  return out;
}

torch::Tensor NetworkImpl::adversary_logits(const torch::Tensor& hidden) { return adversary->forward(hidden).output; }

torch::Tensor NetworkImpl::membership_probabilities(const torch::Tensor& x) {
  TORCH_CHECK(membership, "this model has no cluster-membership predictor");
  return torch::softmax(membership->forward(x).output, 1);
}

torch::Tensor NetworkImpl::kl_divergence() {
  torch::Tensor kl = torch::zeros({});
  if (slopes) kl = kl + slopes->kl_divergence();
  if (intercept) kl = kl + intercept->kl_divergence();
  return kl;
}

std::vector<torch::Tensor> NetworkImpl::main_parameters() {
  std::vector<torch::Tensor> params;
  for (const auto& item : named_parameters())
    if (item.key().rfind("adversary.", 0) != 0 && item.key().rfind("membership.", 0) != 0) params.push_back(item.value());
  return params;
}

}  // namespace armed
