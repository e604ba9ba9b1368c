#include "armed/models/network.h"

#include "armed/error.h"

namespace armed {

NetworkImpl::NetworkImpl(ModelConfig config_, int64_t features_, int64_t clusters_, std::vector<int64_t> slope_columns_,
                         const FixedEffectsFactory& custom)
    : config(std::move(config_)), features(features_), clusters(clusters_), slope_columns(std::move(slope_columns_)) {
  const int64_t inputs = features + (config.model == "cluster-input" ? clusters : 0);
  if (config.fe == "custom") {
    if (!custom) throw Error("--fe custom: the fixed-effects network comes from the C++ API (a FixedEffectsFactory); the CLI offers mlp and linear");
    fixed_effects = register_module("fixed_effects", custom(inputs));
    if (!fixed_effects) throw Error("the fixed-effects factory returned no network");
  } else {
    const std::vector<int64_t> hidden = config.fe == "linear" ? std::vector<int64_t>{} : config.hidden;
    fixed_effects = register_module("fixed_effects", std::shared_ptr<FixedEffectsModule>(MLP(MLPOptions(inputs, hidden, 1)).ptr()));
  }
  {
    // One dry pass tells the widths the adversary and the random slopes attach to.
    torch::NoGradGuard no_grad;
    fixed_effects->eval();  // no dropout draws, no batch-norm statistics
    const auto probe = fixed_effects->forward(torch::zeros({2, inputs}));
    fixed_effects->train();
    if (probe.output.dim() != 2 || probe.output.size(1) != 1)
      throw Error("the fixed-effects network must return an output of shape [rows, 1]");
    for (const auto& h : probe.hidden) hidden_widths.push_back(h.size(1));
  }
  if ((config.has_adversary() || (config.has_random_effects() && config.random_slopes == "hidden")) && hidden_widths.empty())
    throw Error("the fixed-effects network returns no hidden activations for the adversary or hidden random slopes");
  if (config.has_adversary()) {
    int64_t width = 0;
    for (int64_t h : hidden_widths) width += h;
    adversary = register_module("adversary", MLP(MLPOptions(width, config.adversary_hidden, clusters)));
  }
  if (config.has_random_effects()) {
    const int64_t slopes = config.random_slopes == "none"     ? 0
                           : config.random_slopes == "hidden" ? hidden_widths.back()
                                                              : static_cast<int64_t>(slope_columns.size());
    std::vector<double> loc_init{config.intercept_posterior_init_scale}, prior{config.intercept_prior_scale};
    loc_init.resize(1 + slopes, config.slope_posterior_init_scale);
    prior.resize(1 + slopes, config.slope_prior_scale);
    random_effects = register_module("random_effects", RandomEffects(RandomEffectsOptions(clusters, 1 + slopes)
                                                                         .posterior_loc_init_scale(loc_init)
                                                                         .posterior_scale_init_min(config.posterior_scale_init_min)
                                                                         .posterior_scale_init_range(config.posterior_scale_init_range)
                                                                         .prior_scale(prior)
                                                                         .learn_prior_scale(config.re_prior == "learned")
                                                                         .covariance(config.re_covariance)));
    membership = register_module("membership", MLP(MLPOptions(features, config.membership_hidden, clusters)));
  }
  if (config.task == "regression") log_residual_sd = register_parameter("log_residual_sd", torch::zeros({}));
}

NetworkOutput NetworkImpl::forward(const torch::Tensor& x, const ClusterDesign& design) {
  const ClusterDesign z = design.infer ? ClusterDesign{{}, membership_probabilities(x), false} : design;
  const torch::Tensor input = config.model == "cluster-input" ? torch::cat({x, z.dense(clusters)}, 1) : x;
  FixedEffectsOutput fe = fixed_effects->forward(input);
  NetworkOutput out;
  out.fixed = fe.output.squeeze(1);
  if (!fe.hidden.empty()) out.hidden = fe.hidden.size() == 1 ? fe.hidden[0] : torch::cat(fe.hidden, 1);
  out.output = out.fixed;
  if (random_effects) {
    std::vector<torch::Tensor> design_parts{torch::ones({x.size(0), 1}, x.options())};
    if (config.random_slopes == "hidden") design_parts.push_back(fe.hidden.back());
    else if (!slope_columns.empty())
      design_parts.push_back(x.index_select(1, torch::tensor(slope_columns, torch::kInt64)));
    out.re_design = torch::cat(design_parts, 1);
    out.output = out.output + (random_effects->forward(z) * out.re_design).sum(1);
  }
  return out;
}

torch::Tensor NetworkImpl::adversary_logits(const torch::Tensor& hidden) { return adversary->forward(hidden).output; }

torch::Tensor NetworkImpl::membership_probabilities(const torch::Tensor& x) {
  TORCH_CHECK(membership, "this model has no cluster-membership predictor");
  return torch::softmax(membership->forward(x).output, 1);
}

torch::Tensor NetworkImpl::kl_divergence() { return random_effects ? random_effects->kl_divergence() : torch::zeros({}); }

std::vector<torch::Tensor> NetworkImpl::main_parameters() {
  std::vector<torch::Tensor> params;
  for (const auto& item : named_parameters())
    if (item.key().rfind("adversary.", 0) != 0 && item.key().rfind("membership.", 0) != 0) params.push_back(item.value());
  return params;
}

}  // namespace armed
