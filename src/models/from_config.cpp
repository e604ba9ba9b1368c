#include "models/from_config.h"

#include <algorithm>

#include "armed/error.h"
#include "likelihood/likelihood.h"
#include "nn/conv_net.h"

namespace armed {
namespace {

using Shape = std::vector<int64_t>;

// What a backbone builds: its fixed-effects network, the cluster-membership predictor of its
// armed models, and, where it has one, their cluster-specific decoder. A new backbone is an entry
// here and rows in model_kinds().
struct BackboneFactories {
  FixedEffectsFactory (*fixed_effects)(const ModelConfig& config, const Shape& input_shape, int64_t outputs);
  std::shared_ptr<FixedEffectsModule> (*membership)(const ModelConfig& config, const Shape& input_shape, int64_t clusters);
  Decoder (*cluster_decoder)(const ModelConfig& config, const Shape& input_shape, int64_t clusters);  // may be null
};

std::shared_ptr<FixedEffectsModule> mlp(int64_t inputs, const Shape& hidden, int64_t outputs, bool output_bias = true) {
  return MLP(MLPOptions(inputs, hidden, outputs).output_bias(output_bias)).ptr();
}

std::shared_ptr<FixedEffectsModule> conv_net(const Shape& input_shape, const Shape& filters, const Shape& head, int64_t outputs,
                                             const Shape& styled_blocks = {}) {
  return ConvNet(ConvNetOptions(input_shape, filters, head, outputs).styled_blocks(styled_blocks)).ptr();
}

const BackboneFactories& factories(Backbone backbone) {
  static const BackboneFactories mlp_backbone{
      [](const ModelConfig& c, const Shape&, int64_t outputs) -> FixedEffectsFactory {
        const Shape hidden = c.fe == "linear" ? Shape{} : c.hidden;  // linear: a GLM
        const bool intercept = !c.no_intercept;
        return [hidden, intercept, outputs](int64_t inputs) { return mlp(inputs, hidden, outputs, intercept); };
      },
      [](const ModelConfig& c, const Shape& input_shape, int64_t clusters) {
        return mlp(input_shape[0], c.membership_hidden, clusters);
      },
      nullptr};
  static const BackboneFactories cnn_backbone{
      [](const ModelConfig& c, const Shape& input_shape, int64_t outputs) -> FixedEffectsFactory {
        return [c, input_shape, outputs](int64_t) { return conv_net(input_shape, c.filters, c.head_hidden, outputs, c.styled_blocks()); };
      },
      [](const ModelConfig& c, const Shape& input_shape, int64_t clusters) {
        return conv_net(input_shape, c.filters, c.membership_hidden, clusters);
      },
      nullptr};
  static const BackboneFactories autoencoder_backbone{
      [](const ModelConfig& c, const Shape& input_shape, int64_t outputs) -> FixedEffectsFactory {
        return [c, input_shape, outputs](int64_t) -> std::shared_ptr<FixedEffectsModule> {
          return AutoencoderClassifier(AutoencoderOptions(input_shape, c.filters, c.latent, c.head_hidden)
                                           .outputs(outputs)
                                           .population_decoder(c.has_random_effects())
                                           .styled_blocks(c.styled_blocks()))
              .ptr();
        };
      },
      [](const ModelConfig& c, const Shape& input_shape, int64_t clusters) {
        return conv_net(input_shape, c.filters, c.membership_hidden, clusters);
      },
      [](const ModelConfig& c, const Shape& input_shape, int64_t clusters) {
        return Decoder(DecoderOptions(input_shape, c.filters, c.latent)
                           .clusters(clusters)
                           .prior_scale(c.scale_bias_prior_scale)
                           .posterior_loc_init_scale(c.scale_bias_posterior_init_scale)
                           .posterior_scale_init_min(c.posterior_scale_init_min)
                           .posterior_scale_init_range(c.posterior_scale_init_range));
      }};
  switch (backbone) {
    case Backbone::mlp: return mlp_backbone;
    case Backbone::cnn: return cnn_backbone;
    case Backbone::autoencoder: return autoencoder_backbone;
  }
  throw Error("unknown backbone");
}

}  // namespace

Network build_network(const ModelConfig& config, const Shape& input_shape, const std::vector<FactorTerms>& factors,
                      const FixedEffectsFactory& custom, int64_t outputs) {
  const ModelKind& kind = config.kind();
  if (kind.takes_images() != (input_shape.size() == 3))
    throw Error(kind.takes_images() ? "--model " + config.model + " needs images (--images or --image-column)"
                                    : "--model " + config.model + " is for tabular data; image models are " + model_kind_names(true));
  const BackboneFactories& backbone = factories(kind.backbone);
  NetworkOptions o;
  o.input_shape = input_shape;
  if (config.fe == "custom") {
    if (!custom) throw Error("fe custom: the fixed-effects network comes from a FixedEffectsFactory (C++ API); the CLI offers mlp and linear");
    o.fixed_effects = custom;
  } else {
    o.fixed_effects = backbone.fixed_effects(config, input_shape, outputs);
  }
  o.outputs = outputs;
  o.cluster_input = kind.method == Method::cluster_input;
  o.adversary = config.has_adversary();
  o.adversary_hidden = config.adversary_hidden;
  o.adversary_sees_target = config.adversary_sees_target;
  o.random_effects = config.has_random_effects();
  int64_t largest = 0;
  for (const FactorTerms& terms : factors) {
    GroupingFactorOptions factor;
    const int64_t clusters = factor.clusters = terms.clusters;
    largest = std::max(largest, clusters);
    if (o.random_effects) {
      RandomEffectsPlan& plan = factor.random_effects;
      plan.slopes = terms.slopes == "none" ? SlopeSource::none : terms.slopes == "hidden" ? SlopeSource::hidden : SlopeSource::input_columns;
      plan.slope_columns = terms.slope_columns;
      plan.intercept_prior_scale = config.intercept_prior_scale;
      plan.slope_prior_scale = config.slope_prior_scale;
      plan.intercept_posterior_init_scale = config.intercept_posterior_init_scale;
      plan.slope_posterior_init_scale = config.slope_posterior_init_scale;
      plan.posterior_scale_init_min = config.posterior_scale_init_min;
      plan.posterior_scale_init_range = config.posterior_scale_init_range;
      plan.learn_prior_scale = config.re_prior == "learned";
      plan.covariance = terms.covariance == "full" ? Covariance::full : Covariance::diagonal;
      // A linear mixed model predicts an unseen level by the fixed effects, as lme4 does.
      if (!config.linear_mixed_model())
        factor.membership = [config, input_shape, clusters, &backbone] { return backbone.membership(config, input_shape, clusters); };
    }
    o.factors.push_back(std::move(factor));
  }
  o.block_effects.prior_scale = config.scale_bias_prior_scale;
  o.block_effects.posterior_loc_init_scale = config.scale_bias_posterior_init_scale;
  o.block_effects.posterior_scale_init_min = config.posterior_scale_init_min;
  o.block_effects.posterior_scale_init_range = config.posterior_scale_init_range;
  o.block_effects.learn_prior_scale = config.re_prior == "learned";
  if (o.random_effects && backbone.cluster_decoder && !factors.empty()) {
    const int64_t clusters = factors.front().clusters;
    o.cluster_decoder = [config, input_shape, clusters, &backbone] { return backbone.cluster_decoder(config, input_shape, clusters); };
  }
  o.sparse_random_effects = config.sparse_random_effects(largest);
  o.residual_sd = likelihood(config.task).has_residual_sd();
  o.fixed_calibration = config.exact_likelihood() && !config.linear_mixed_model();
  return Network(std::move(o));
}

Network build_network(const ModelConfig& config, const Shape& input_shape, int64_t clusters, const Shape& slope_columns,
                      const FixedEffectsFactory& custom) {
  return build_network(config, input_shape, {{clusters, config.random_slopes, slope_columns, config.re_covariance}}, custom);
}

TrainerOptions trainer_options(const ModelConfig& config) {
  TrainerOptions o;
  o.likelihood = &likelihood(config.task);
  o.optimizer = config.optimizer == "lbfgs" ? Optimizer::lbfgs : Optimizer::adam;
  o.epochs = config.epochs;
  o.batch_size = config.batch_size;
  o.patience = config.patience;
  o.lr = config.lr;
  o.weight_mixed = config.weight_mixed;
  o.weight_fixed = config.weight_fixed;
  o.weight_adversary = config.adversary_weight();
  o.confusion = config.adversary_objective == "confusion";
  o.weight_reconstruction = config.weight_reconstruction;
  o.weight_classification = config.weight_classification;
  o.kl_weight = config.kl_weight;
  o.elbo = config.elbo;
  o.stop_on_fixed = config.exact_likelihood();
  o.stop_on_metric = config.early_stopping == "metric";
  return o;
}

}  // namespace armed
