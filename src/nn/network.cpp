#include "nn/network.h"

#include "armed/error.h"

namespace armed {

NetworkImpl::NetworkImpl(NetworkOptions options_)
    : options(std::move(options_)), slope_index_(torch::tensor(options.random_effects_plan.slope_columns, torch::kInt64)) {
  const auto& shape = options.input_shape;
  const bool images = takes_images();
  const int64_t inputs = images ? 0 : shape.at(0) + (options.cluster_input ? options.clusters : 0);
  fixed_effects = register_module("fixed_effects", options.fixed_effects(inputs));
  if (!fixed_effects) throw Error("the fixed-effects factory returned no network");
  {
    // One dry pass tells the widths the adversary and the random slopes attach to.
    torch::NoGradGuard no_grad;
    fixed_effects->eval();  // no dropout draws, no batch-norm statistics
    std::vector<int64_t> probe_shape{2};
    if (images) probe_shape.insert(probe_shape.end(), shape.begin(), shape.end());
    else probe_shape.push_back(inputs);
    const auto probe = fixed_effects->forward(torch::zeros(probe_shape));
    fixed_effects->train();
    if (probe.output.dim() != 2 || probe.output.size(1) != 1)
      throw Error("the fixed-effects network must return an output of shape [rows, 1]");
    for (const auto& h : probe.hidden) hidden_widths.push_back(h.size(1));
    slope_width = probe.slope_features.defined() ? probe.slope_features.size(1) : hidden_widths.empty() ? 0 : hidden_widths.back();
  }
  const RandomEffectsPlan& plan = options.random_effects_plan;
  if ((options.adversary || (options.random_effects && plan.slopes == SlopeSource::hidden)) && hidden_widths.empty())
    throw Error("the fixed-effects network returns no hidden activations for the adversary or hidden random slopes");
  if (options.adversary) {
    int64_t width = 0;
    for (int64_t h : hidden_widths) width += h;
    adversary = register_module(
        "adversary", MLP(MLPOptions(width + (options.adversary_sees_target ? 1 : 0), options.adversary_hidden, options.clusters)));
  }
  if (options.random_effects) {
    const int64_t slopes = plan.slopes == SlopeSource::none     ? 0
                           : plan.slopes == SlopeSource::hidden ? slope_width
                                                                : static_cast<int64_t>(plan.slope_columns.size());
    std::vector<double> loc_init{plan.intercept_posterior_init_scale}, prior{plan.intercept_prior_scale};
    loc_init.resize(1 + slopes, plan.slope_posterior_init_scale);
    prior.resize(1 + slopes, plan.slope_prior_scale);
    random_effects = register_module("random_effects", RandomEffects(RandomEffectsOptions(options.clusters, 1 + slopes)
                                                                         .posterior_loc_init_scale(loc_init)
                                                                         .posterior_scale_init_min(plan.posterior_scale_init_min)
                                                                         .posterior_scale_init_range(plan.posterior_scale_init_range)
                                                                         .prior_scale(prior)
                                                                         .learn_prior_scale(plan.learn_prior_scale)
                                                                         .covariance(plan.covariance)));
    membership = register_module("membership", MembershipPredictor(options.membership()));
    if (options.cluster_decoder) mixed_decoder = register_module("mixed_decoder", options.cluster_decoder());
  }
  if (options.sparse_random_effects)
    for (auto& part : random_effects_parts()) part->options.sparse(true);
  if (options.residual_sd) log_residual_sd = register_parameter("log_residual_sd", torch::zeros({}));
}

NetworkOutput NetworkImpl::forward(const torch::Tensor& x, const ClusterDesign& design) {
  const ClusterDesign z = design.infer ? ClusterDesign{{}, membership_probabilities(x), false} : design;
  const torch::Tensor input = options.cluster_input ? torch::cat({x, z.one_hot(options.clusters)}, 1) : x;
  FixedEffectsOutput fe = fixed_effects->forward(input);
  NetworkOutput out;
  out.fixed = fe.output.squeeze(1);
  if (adversary && !fe.hidden.empty()) out.hidden = fe.hidden.size() == 1 ? fe.hidden[0] : torch::cat(fe.hidden, 1);
  out.output = out.fixed;
  out.latent = fe.latent;
  out.reconstruction = fe.reconstruction;
  if (mixed_decoder) out.mixed_reconstruction = mixed_decoder->forward(fe.latent, &z);
  if (random_effects) {
    const SlopeSource slopes = options.random_effects_plan.slopes;
    if (slopes == SlopeSource::hidden) out.re_slopes = fe.slope_features.defined() ? fe.slope_features : fe.hidden.back();
    else if (slopes == SlopeSource::input_columns && slope_index_.numel() > 0)
      out.re_slopes = x.index_select(1, slope_index_);
    out.output = out.output + random_effects->linear_term(z, out.re_slopes);
  }
  return out;
}

torch::Tensor NetworkImpl::adversary_input(const torch::Tensor& hidden, const torch::Tensor& target) const {
  return options.adversary_sees_target ? torch::cat({hidden, target.view({-1, 1}).to(hidden.dtype())}, 1) : hidden;
}

torch::Tensor NetworkImpl::membership_probabilities(const torch::Tensor& x) {
  TORCH_CHECK(membership, "this model has no cluster-membership predictor");
  return membership->probabilities(x);
}

torch::Tensor NetworkImpl::kl_divergence() {
  return sum_over_parts([](RandomEffectsImpl& part) { return part.kl_divergence(); });
}

torch::Tensor NetworkImpl::kl_divergence(const torch::Tensor& ids, const torch::Tensor& weights) {
  return sum_over_parts([&](RandomEffectsImpl& part) { return part.kl_divergence(ids, weights); });
}

torch::Tensor NetworkImpl::sum_over_parts(const std::function<torch::Tensor(RandomEffectsImpl&)>& term) {
  torch::Tensor sum;
  for (auto& part : random_effects_parts()) sum = sum.defined() ? sum + term(*part) : term(*part);
  return sum.defined() ? sum : torch::zeros({});
}

std::vector<RandomEffects> NetworkImpl::random_effects_parts() {
  std::vector<RandomEffects> parts;
  if (random_effects) parts.push_back(random_effects);
  if (mixed_decoder && mixed_decoder->scale_bias) parts.push_back(mixed_decoder->scale_bias);
  return parts;
}

std::vector<torch::Tensor> NetworkImpl::sparse_cluster_tables() {
  std::vector<torch::Tensor> tables;
  for (auto& part : random_effects_parts())
    if (part->options.sparse())
      for (auto& t : part->cluster_tables()) tables.push_back(t);
  return tables;
}

std::vector<torch::Tensor> NetworkImpl::main_parameters() {
  std::vector<torch::Tensor> params;
  for (const auto& item : named_parameters())
    if (item.key().rfind("adversary.", 0) != 0 && item.key().rfind("membership.", 0) != 0) params.push_back(item.value());
  return params;
}

int64_t prediction_chunk(const NetworkImpl& net, bool soft) {
  int64_t chunk = 65536;
  if (soft) chunk = std::min(chunk, (int64_t{1} << 24) / std::max<int64_t>(net.options.clusters, 1));
  if (net.takes_images()) {
    int64_t pixels = 1;
    for (int64_t d : net.options.input_shape) pixels *= d;
    chunk = std::min(chunk, (int64_t{1} << 22) / pixels);
  }
  return std::max<int64_t>(chunk, 16);
}

torch::Tensor network_output(Network& net, const torch::Tensor& x, const ClusterDesign& z) {
  torch::NoGradGuard no_grad;
  const bool was_training = net->is_training();
  net->eval();
  const int64_t chunk = prediction_chunk(*net, z.infer || z.soft.defined());
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < x.size(0); start += chunk) {
    // Contiguous chunks are views, not copies.
    const int64_t len = std::min(chunk, x.size(0) - start);
    ClusterDesign part{z.ids.defined() ? z.ids.narrow(0, start, len) : torch::Tensor(),
                       z.soft.defined() ? z.soft.narrow(0, start, len) : torch::Tensor(), z.infer};
    parts.push_back(net->forward(x.narrow(0, start, len), part).output);
  }
  net->train(was_training);
  return parts.empty() ? torch::empty({0}) : torch::cat(parts);
}

}  // namespace armed
