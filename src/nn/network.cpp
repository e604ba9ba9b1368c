#include "nn/network.h"

#include <functional>
#include <string>
#include <tuple>

#include "armed/error.h"

namespace armed {
namespace {

// A grouping factor's module name: the first keeps the name models with one factor always had.
std::string factor_module(const char* base, size_t factor) {
  return factor == 0 ? base : std::string(base) + std::to_string(factor + 1);
}

}  // namespace

NetworkImpl::NetworkImpl(NetworkOptions options_) : options(std::move(options_)) {
  const auto& shape = options.input_shape;
  const bool images = takes_images();
  if (options.factors.empty() && uses_clusters()) throw Error("a network with clusters needs at least one grouping factor");
  int64_t cluster_columns = 0;
  for (const auto& factor : options.factors) cluster_columns += factor.clusters;
  const int64_t inputs = images ? 0 : shape.at(0) + (options.cluster_input ? cluster_columns : 0);
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
    if (probe.output.dim() != 2 || probe.output.size(1) != options.outputs)
      throw Error("the fixed-effects network must return an output of shape [rows, " + std::to_string(options.outputs) + "]" +
                  (options.outputs > 1 ? " (one logit per class)" : ""));
    for (const auto& h : probe.hidden) hidden_widths.push_back(h.size(1));
    slope_width = probe.slope_features.defined() ? probe.slope_features.size(1) : hidden_widths.empty() ? 0 : hidden_widths.back();
  }
  bool hidden_slopes = false;
  for (const auto& factor : options.factors) hidden_slopes = hidden_slopes || factor.random_effects.slopes == SlopeSource::hidden;
  if ((options.adversary || (options.random_effects && hidden_slopes)) && hidden_widths.empty())
    throw Error("the fixed-effects network returns no hidden activations for the adversary or hidden random slopes");
  if (options.adversary) {
    int64_t width = 0;
    for (int64_t h : hidden_widths) width += h;
    for (size_t f = 0; f < factors(); ++f)
      adversaries.push_back(register_module(
          factor_module("adversary", f),
          MLP(MLPOptions(width + (options.adversary_sees_target ? options.outputs : 0), options.adversary_hidden, options.factors[f].clusters))));
  }
  if (options.random_effects) {
    for (size_t f = 0; f < factors(); ++f) {
      const GroupingFactorOptions& factor = options.factors[f];
      const RandomEffectsPlan& plan = factor.random_effects;
      const int64_t slopes = plan.slopes == SlopeSource::none     ? 0
                             : plan.slopes == SlopeSource::hidden ? slope_width
                                                                  : static_cast<int64_t>(plan.slope_columns.size());
      if (options.outputs > 1 && plan.slopes != SlopeSource::none)
        throw Error("several outputs (multiclass) take random intercepts per class only; use --random-slopes none");
      // One output: an intercept and the slopes; several: an intercept per output.
      const int64_t units = options.outputs > 1 ? options.outputs : 1 + slopes;
      std::vector<double> loc_init{plan.intercept_posterior_init_scale}, prior{plan.intercept_prior_scale};
      loc_init.resize(units, options.outputs > 1 ? plan.intercept_posterior_init_scale : plan.slope_posterior_init_scale);
      prior.resize(units, options.outputs > 1 ? plan.intercept_prior_scale : plan.slope_prior_scale);
      random_effects.push_back(register_module(factor_module("random_effects", f),
                                               RandomEffects(RandomEffectsOptions(factor.clusters, units)
                                                                 .posterior_loc_init_scale(loc_init)
                                                                 .posterior_scale_init_min(plan.posterior_scale_init_min)
                                                                 .posterior_scale_init_range(plan.posterior_scale_init_range)
                                                                 .prior_scale(prior)
                                                                 .learn_prior_scale(plan.learn_prior_scale)
                                                                 .covariance(plan.covariance))));
      if (factor.membership) memberships.push_back(register_module(factor_module("membership", f), MembershipPredictor(factor.membership())));
      slope_index_.push_back(torch::tensor(plan.slope_columns, torch::kInt64));
    }
    const std::vector<int64_t> styled = fixed_effects->styled_filters();
    int64_t style_units = 0;
    for (int64_t filters : styled) style_units += 2 * filters;
    const BlockEffectsPlan& plan = options.block_effects;
    for (size_t f = 0; f < factors() && style_units > 0; ++f)
      block_effects.push_back(register_module(factor_module("block_effects", f),
                                              RandomEffects(RandomEffectsOptions(options.factors[f].clusters, style_units)
                                                                .posterior_loc_init_scale({plan.posterior_loc_init_scale})
                                                                .posterior_scale_init_min(plan.posterior_scale_init_min)
                                                                .posterior_scale_init_range(plan.posterior_scale_init_range)
                                                                .prior_scale({plan.prior_scale})
                                                                .learn_prior_scale(plan.learn_prior_scale))));
    if (options.cluster_decoder) mixed_decoder = register_module("mixed_decoder", options.cluster_decoder());
  }
  if (options.sparse_random_effects)
    for (auto& part : random_effects_parts()) part->options.sparse(true);
  if (options.residual_sd) log_residual_sd = register_parameter("log_residual_sd", torch::zeros({}));
  // [shift, scale], or with several outputs a row of shifts and a row of scales.
  if (options.fixed_calibration)
    fixed_calibration = register_buffer("fixed_calibration", options.outputs == 1 ? torch::tensor({0.0F, 1.0F})
                                                                                  : torch::stack({torch::zeros({options.outputs}), torch::ones({options.outputs})}));
}

torch::Tensor NetworkImpl::slope_features(const FixedEffectsOutput& fe, const torch::Tensor& x, size_t factor) const {
  switch (options.factors[factor].random_effects.slopes) {
    case SlopeSource::hidden: return fe.slope_features.defined() ? fe.slope_features : fe.hidden.back();
    case SlopeSource::input_columns: return slope_index_[factor].numel() > 0 ? x.index_select(1, slope_index_[factor]) : torch::Tensor();
    case SlopeSource::none: break;
  }
  return {};
}

NetworkOutput NetworkImpl::forward(const torch::Tensor& x, const std::vector<ClusterDesign>& designs) {
  TORCH_CHECK(designs.size() == factors(), "the network has ", factors(), " grouping factors; given ", designs.size(), " designs");
  std::vector<ClusterDesign> z = designs;
  for (size_t f = 0; f < z.size(); ++f)
    if (z[f].infer) z[f] = ClusterDesign{{}, membership_probabilities(x, f), false};
  torch::Tensor input = x;
  if (options.cluster_input) {
    std::vector<torch::Tensor> parts{x};
    for (size_t f = 0; f < z.size(); ++f) parts.push_back(z[f].one_hot(options.factors[f].clusters));
    input = torch::cat(parts, 1);
  }
  // With block random effects the mixed prediction starts from the pass in the clusters' styles.
  FixedEffectsOutput fe, styled;
  if (block_effects.empty()) fe = styled = fixed_effects->forward(input);
  else std::tie(fe, styled) = fixed_effects->forward_styled(input, block_styles(z));
  const auto calibrated = [&](const torch::Tensor& output) {
    const auto o = options.outputs == 1 ? output.squeeze(1) : output;
    return fixed_calibration.defined() ? fixed_calibration[0] + fixed_calibration[1] * o : o;
  };
  NetworkOutput out;
  out.fixed = calibrated(fe.output);
  if (!adversaries.empty() && !fe.hidden.empty()) out.hidden = fe.hidden.size() == 1 ? fe.hidden[0] : torch::cat(fe.hidden, 1);
  out.output = block_effects.empty() ? out.fixed : calibrated(styled.output);
  out.latent = fe.latent;
  out.reconstruction = fe.reconstruction;
  if (mixed_decoder) out.mixed_reconstruction = mixed_decoder->forward(fe.latent, &z.front());
  for (size_t f = 0; f < random_effects.size(); ++f) {
    out.re_slopes.push_back(slope_features(styled, x, f));
    out.output = out.output + (options.outputs == 1 ? random_effects[f]->linear_term(z[f], out.re_slopes.back()) : random_effects[f]->forward(z[f]));
  }
  return out;
}

BlockStyles NetworkImpl::block_styles(const std::vector<ClusterDesign>& z) {
  torch::Tensor u;
  for (size_t f = 0; f < block_effects.size(); ++f) u = u.defined() ? u + block_effects[f]->forward(z[f]) : block_effects[f]->forward(z[f]);
  BlockStyles styles;
  int64_t offset = 0;
  for (int64_t filters : fixed_effects->styled_filters()) {
    styles.gamma.push_back(u.narrow(1, offset, filters));
    styles.beta.push_back(u.narrow(1, offset + filters, filters));
    offset += 2 * filters;
  }
  return styles;
}

torch::Tensor NetworkImpl::adversary_input(const torch::Tensor& hidden, const torch::Tensor& target) const {
  if (!options.adversary_sees_target) return hidden;
  const auto columns = options.outputs == 1 ? target.view({-1, 1}) : torch::one_hot(target.to(torch::kInt64), options.outputs);
  return torch::cat({hidden, columns.to(hidden.dtype())}, 1);
}

std::pair<torch::Tensor, torch::Tensor> NetworkImpl::random_effects_moments(const std::vector<torch::Tensor>& ids,
                                                                            const std::vector<torch::Tensor>& re_slopes) {
  // The factors' posteriors are independent: their terms' means and variances add.
  torch::Tensor mean, var;
  for (size_t f = 0; f < random_effects.size(); ++f) {
    auto [m, v] = options.outputs == 1 ? random_effects[f]->linear_moments(ids[f], re_slopes[f]) : random_effects[f]->unit_moments(ids[f]);
    mean = mean.defined() ? mean + m : m;
    var = var.defined() ? var + v : v;
  }
  return {mean, var};
}

torch::Tensor NetworkImpl::membership_probabilities(const torch::Tensor& x, size_t factor) {
  TORCH_CHECK(factor < memberships.size(), "this model has no cluster-membership predictor");
  return memberships[factor]->probabilities(x);
}

torch::Tensor NetworkImpl::kl_divergence() {
  return sum_over_parts([](RandomEffectsImpl& part) { return part.kl_divergence(); });
}

torch::Tensor NetworkImpl::kl_divergence(const std::vector<torch::Tensor>& ids, const std::vector<torch::Tensor>& weights) {
  torch::Tensor sum;
  auto add = [&](const torch::Tensor& term) { sum = sum.defined() ? sum + term : term; };
  for (size_t f = 0; f < random_effects.size(); ++f) add(random_effects[f]->kl_divergence(ids[f], weights[f]));
  for (size_t f = 0; f < block_effects.size(); ++f) add(block_effects[f]->kl_divergence(ids[f], weights[f]));
  if (mixed_decoder && mixed_decoder->scale_bias) add(mixed_decoder->scale_bias->kl_divergence(ids.front(), weights.front()));
  return sum.defined() ? sum : torch::zeros({});
}

torch::Tensor NetworkImpl::sum_over_parts(const std::function<torch::Tensor(RandomEffectsImpl&)>& term) {
  torch::Tensor sum;
  for (auto& part : random_effects_parts()) sum = sum.defined() ? sum + term(*part) : term(*part);
  return sum.defined() ? sum : torch::zeros({});
}

std::vector<RandomEffects> NetworkImpl::random_effects_parts() {
  std::vector<RandomEffects> parts = random_effects;
  parts.insert(parts.end(), block_effects.begin(), block_effects.end());
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
    if (item.key().rfind("adversary", 0) != 0 && item.key().rfind("membership", 0) != 0) params.push_back(item.value());
  return params;
}

std::vector<torch::Tensor> NetworkImpl::adversary_parameters() {
  std::vector<torch::Tensor> params;
  for (auto& adversary : adversaries)
    for (auto& p : adversary->parameters()) params.push_back(p);
  return params;
}

int64_t prediction_chunk(const NetworkImpl& net, bool soft) {
  int64_t chunk = 65536;
  int64_t clusters = 0;
  for (const auto& factor : net.options.factors) clusters += factor.clusters;
  if (soft) chunk = std::min(chunk, (int64_t{1} << 24) / std::max<int64_t>(clusters, 1));
  if (net.takes_images()) {
    int64_t pixels = 1;
    for (int64_t d : net.options.input_shape) pixels *= d;
    chunk = std::min(chunk, (int64_t{1} << 22) / pixels);
  }
  return std::max<int64_t>(chunk, 16);
}

namespace {

// Runs the network over x in chunks (evaluation mode, no autograd) and hands each chunk's output over.
void for_each_chunk(Network& net, const torch::Tensor& x, const std::vector<ClusterDesign>& z,
                    const std::function<void(NetworkOutput&&)>& take) {
  torch::NoGradGuard no_grad;
  const bool was_training = net->is_training();
  net->eval();
  bool soft = false;
  for (const auto& design : z) soft = soft || design.infer || design.soft.defined();
  const int64_t chunk = prediction_chunk(*net, soft);
  for (int64_t start = 0; start < x.size(0); start += chunk) {
    // Contiguous chunks are views, not copies.
    const int64_t len = std::min(chunk, x.size(0) - start);
    std::vector<ClusterDesign> part;
    for (const auto& design : z)
      part.push_back({design.ids.defined() ? design.ids.narrow(0, start, len) : torch::Tensor(),
                      design.soft.defined() ? design.soft.narrow(0, start, len) : torch::Tensor(), design.infer});
    take(net->forward(x.narrow(0, start, len), part));
  }
  net->train(was_training);
}

}  // namespace

torch::Tensor network_output(Network& net, const torch::Tensor& x, const std::vector<ClusterDesign>& z) {
  std::vector<torch::Tensor> parts;
  for_each_chunk(net, x, z, [&](NetworkOutput&& out) { parts.push_back(out.output); });
  return parts.empty() ? torch::empty({0}) : torch::cat(parts);
}

NetworkOutput network_outputs(Network& net, const torch::Tensor& x, const std::vector<ClusterDesign>& z) {
  std::vector<torch::Tensor> output, fixed;
  std::vector<std::vector<torch::Tensor>> slopes(net->factors());
  for_each_chunk(net, x, z, [&](NetworkOutput&& out) {
    output.push_back(out.output);
    fixed.push_back(out.fixed);
    for (size_t f = 0; f < out.re_slopes.size(); ++f) slopes[f].push_back(out.re_slopes[f]);
  });
  NetworkOutput all;
  all.output = output.empty() ? torch::empty({0}) : torch::cat(output);
  all.fixed = fixed.empty() ? torch::empty({0}) : torch::cat(fixed);
  for (auto& parts : slopes) all.re_slopes.push_back(parts.empty() || !parts.front().defined() ? torch::Tensor() : torch::cat(parts));
  return all;
}

}  // namespace armed
