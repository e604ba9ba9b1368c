#include "armed/models/network.h"

#include "armed/error.h"
#include "armed/nn/conv_net.h"

namespace armed {

namespace {

std::shared_ptr<FixedEffectsModule> as_fixed_effects(const std::shared_ptr<FixedEffectsModule>& m) { return m; }

}  // namespace

NetworkImpl::NetworkImpl(ModelConfig config_, std::vector<int64_t> input_shape_, int64_t clusters_,
                         std::vector<int64_t> slope_columns_, const FixedEffectsFactory& custom)
    : config(std::move(config_)),
      input_shape(std::move(input_shape_)),
      clusters(clusters_),
      slope_columns(std::move(slope_columns_)),
      slope_index(torch::tensor(slope_columns, torch::kInt64)) {
  const bool images = config.for_images();
  if (images != (input_shape.size() == 3))
    throw Error(images ? "--model " + config.model + " needs images (--images or --image-column)"
                       : "--model " + config.model + " is for tabular data; image models are cnn* and aec*");
  const int64_t inputs = images ? 0 : input_shape.at(0) + (config.model == "cluster-input" ? clusters : 0);
  if (config.family() == "cnn") {
    fixed_effects = register_module("fixed_effects", as_fixed_effects(ConvNet(ConvNetOptions(input_shape, config.filters,
                                                                                             config.head_hidden, 1)).ptr()));
  } else if (config.family() == "aec") {
    fixed_effects = register_module(
        "fixed_effects",
        as_fixed_effects(AutoencoderClassifier(AutoencoderOptions(input_shape, config.filters, config.latent, config.head_hidden)
                                                   .population_decoder(config.has_random_effects()))
                             .ptr()));
  } else if (config.fe == "custom") {
    if (!custom) throw Error("--fe custom: the fixed-effects network comes from the C++ API (a FixedEffectsFactory); the CLI offers mlp and linear");
    fixed_effects = register_module("fixed_effects", custom(inputs));
    if (!fixed_effects) throw Error("the fixed-effects factory returned no network");
  } else {
    const std::vector<int64_t> hidden = config.fe == "linear" ? std::vector<int64_t>{} : config.hidden;
    fixed_effects = register_module("fixed_effects", as_fixed_effects(MLP(MLPOptions(inputs, hidden, 1)).ptr()));
  }
  {
    // One dry pass tells the widths the adversary and the random slopes attach to.
    torch::NoGradGuard no_grad;
    fixed_effects->eval();  // no dropout draws, no batch-norm statistics
    std::vector<int64_t> probe_shape{2};
    if (images) probe_shape.insert(probe_shape.end(), input_shape.begin(), input_shape.end());
    else probe_shape.push_back(inputs);
    const auto probe = fixed_effects->forward(torch::zeros(probe_shape));
    fixed_effects->train();
    if (probe.output.dim() != 2 || probe.output.size(1) != 1)
      throw Error("the fixed-effects network must return an output of shape [rows, 1]");
    for (const auto& h : probe.hidden) hidden_widths.push_back(h.size(1));
    slope_width = probe.slope_features.defined() ? probe.slope_features.size(1) : hidden_widths.empty() ? 0 : hidden_widths.back();
  }
  if ((config.has_adversary() || (config.has_random_effects() && config.random_slopes == "hidden")) && hidden_widths.empty())
    throw Error("the fixed-effects network returns no hidden activations for the adversary or hidden random slopes");
  if (config.has_adversary()) {
    int64_t width = 0;
    for (int64_t h : hidden_widths) width += h;
    adversary = register_module("adversary", MLP(MLPOptions(width + (config.adversary_sees_target ? 1 : 0), config.adversary_hidden, clusters)));
  }
  if (config.has_random_effects()) {
    const int64_t slopes = config.random_slopes == "none"     ? 0
                           : config.random_slopes == "hidden" ? slope_width
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
    membership = register_module(
        "membership", images ? as_fixed_effects(ConvNet(ConvNetOptions(input_shape, config.filters, config.membership_hidden, clusters)).ptr())
                             : as_fixed_effects(MLP(MLPOptions(input_shape[0], config.membership_hidden, clusters)).ptr()));
    if (config.family() == "aec")
      mixed_decoder = register_module("mixed_decoder", Decoder(DecoderOptions(input_shape, config.filters, config.latent)
                                                                   .clusters(clusters)
                                                                   .prior_scale(config.scale_bias_prior_scale)
                                                                   .posterior_loc_init_scale(config.scale_bias_posterior_init_scale)));
  }
  if (config.sparse_random_effects(clusters))
    for (auto& part : random_effects_parts()) part->options.sparse(true);
  if (config.task == "regression") log_residual_sd = register_parameter("log_residual_sd", torch::zeros({}));
}

NetworkOutput NetworkImpl::forward(const torch::Tensor& x, const ClusterDesign& design) {
  const ClusterDesign z = design.infer ? ClusterDesign{{}, membership_probabilities(x), false} : design;
  const torch::Tensor input = config.model == "cluster-input" ? torch::cat({x, z.dense(clusters)}, 1) : x;
  FixedEffectsOutput fe = fixed_effects->forward(input);
  NetworkOutput out;
  out.fixed = fe.output.squeeze(1);
  if (adversary && !fe.hidden.empty()) out.hidden = fe.hidden.size() == 1 ? fe.hidden[0] : torch::cat(fe.hidden, 1);
  out.output = out.fixed;
  out.latent = fe.latent;
  out.reconstruction = fe.reconstruction;
  if (mixed_decoder) out.mixed_reconstruction = mixed_decoder->forward(fe.latent, &z);
  if (random_effects) {
    if (config.random_slopes == "hidden") out.re_slopes = fe.slope_features.defined() ? fe.slope_features : fe.hidden.back();
    else if (!slope_columns.empty())
      out.re_slopes = x.index_select(1, slope_index);
    out.output = out.output + random_effects->linear_term(z, out.re_slopes);
  }
  return out;
}

torch::Tensor NetworkImpl::adversary_input(const torch::Tensor& hidden, const torch::Tensor& target) const {
  return config.adversary_sees_target ? torch::cat({hidden, target.view({-1, 1}).to(hidden.dtype())}, 1) : hidden;
}

torch::Tensor NetworkImpl::membership_probabilities(const torch::Tensor& x) {
  TORCH_CHECK(membership, "this model has no cluster-membership predictor");
  return torch::softmax(membership->forward(x).output, 1);
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

}  // namespace armed
