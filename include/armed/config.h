#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "armed/model_kind.h"
#include "armed/seed.h"

namespace armed {

// Every hyperparameter of a model and its training, with its default. The CLI flags, JSON config
// files and the C++ API all fill this one struct (through for_each_field below). Defaults follow
// the paper's spiral experiment for tabular models and its CNN and autoencoder experiments for
// image models.
struct ModelConfig {
  std::string formula;                  // lme4-style formula the model was specified with (apply_formula); empty: flags
  std::string model = "conventional";  // a row of model_kinds()
  // The outcome family: classification (0/1 or successes of --trials; logit link) | regression
  // (Gaussian) | count (Poisson, log link) | multiclass (one of K classes; softmax, random
  // intercepts per class and cluster).
  std::string task = "classification";
  std::string fe = "mlp";               // fixed-effects part: mlp | linear (one linear layer: a GLM)
  // fe linear without an intercept (a formula's 0 + or - 1): features and a Gaussian target are
  // then scaled but not centred, so that no intercept hides in the centring.
  bool no_intercept = false;
  // A linear mixed model (linear_mixed_model() below) is fitted exactly, as lme4 fits it: maximum
  // likelihood, or with reml restricted maximum likelihood (lme4's default).
  bool reml = false;
  // How the random effects and their variance components are estimated. variational: a Gaussian
  // posterior per cluster trained with the network (the paper's). laplace: by the exact marginal
  // likelihood, Laplace's approximation or with nagq > 1 adaptive Gauss-Hermite quadrature; a
  // linear fixed part is then the whole GLMM as glmer fits it, and a network is followed by a
  // final stage that refits the random effects and variance components with the network's output
  // as a covariate. auto: laplace where variance components are estimated (re_prior learned, or a
  // linear fixed part), variational otherwise.
  std::string likelihood = "auto";
  int64_t nagq = 1;  // quadrature nodes per random effect (glmer's nAGQ): 1 is Laplace's approximation
  std::vector<int64_t> hidden = {4, 4, 4};       // fixed-effects MLP: 3 hidden layers of 4 ReLU units
  std::vector<int64_t> adversary_hidden = {4, 4};
  std::vector<int64_t> membership_hidden = {16, 16};  // armed: cluster-membership predictor for unseen clusters

  // Image models. cnn: blocks of conv 3x3, batch norm, ReLU, max-pool 2, then a dense head.
  // aec: encoder blocks of conv 3x3 stride 2, batch norm, ReLU, then a dense latent; the decoder
  // mirrors them with transposed convolutions; the classifier (head_hidden) reads the latent.
  std::vector<int64_t> filters = {8, 16, 32};
  std::vector<int64_t> head_hidden = {32};
  int64_t latent = 16;

  // Random effects (armed): slopes on the last hidden layer's activations ("hidden"), on all
  // inputs ("inputs"), on named input features ("a,b"), or none ("none"), plus a random intercept.
  std::string random_slopes = "hidden";
  std::string re_prior = "fixed";       // fixed prior SDs | learned (empirical Bayes variance components)
  std::string re_covariance = "diagonal";  // diagonal | full (correlated intercept and slopes, Cholesky)
  double slope_prior_scale = 0.3;
  double slope_posterior_init_scale = 0.3;
  double intercept_prior_scale = 0.1;
  double intercept_posterior_init_scale = 0.1;
  double posterior_scale_init_min = 0.05;
  double posterior_scale_init_range = 0.05;
  // Image armed models: random effects inside the convolution blocks (cnn-armed's blocks, aec-armed's
  // encoder), a cluster-specific scale and bias per filter after each chosen block's normalization,
  // (1 + gamma) h + beta: "all", "none", or block numbers from 1 (e.g. "1,2").
  std::string block_effects = "none";
  // The cluster-specific scale and bias per filter: the block random effects' and aec-armed's
  // random-effects decoder's prior SD and initial posterior means' SD.
  double scale_bias_prior_scale = 0.25;
  double scale_bias_posterior_init_scale = 0.1;
  bool no_adversary = false;            // ablations of armed
  bool no_random_effects = false;

  // Loss: w_mixed L(y, mixed) + w_fixed L(y, fixed) - w_adversary CE(Z, adversary(h)) + kl_weight KL
  double weight_mixed = 1.0;
  double weight_fixed = 1.0;
  double weight_adversary = -1;         // negative: the model kind's default (ModelKind::adversary_weight)
  // How the main networks defeat the adversary. reverse: subtract its cross-entropy (the paper);
  // confusion: push its predictions towards uniform (cross-entropy to the uniform distribution),
  // which cannot be met by relabelling the clusters, only by removing their information.
  std::string adversary_objective = "reverse";
  // The adversary also sees the target, so the networks remove only the cluster information the
  // target does not explain. Without it, where clusters differ in their share of each class the
  // target itself tells clusters apart, and defeating the adversary erodes the target's signal.
  bool adversary_sees_target = false;
  double weight_reconstruction = 1.0;   // aec: reconstruction MSE (each decoder's)
  double weight_classification = 0.01; // aec: multiplies the classification terms (w_mixed, w_fixed) above
  double kl_weight = 1e-5;
  bool elbo = false;                    // weight the KL by 1/rows instead: the exact evidence lower bound
  // How an Adam step treats the random effects. dense: every cluster's KL and an update of every
  // cluster's parameters (the paper's); sparse: the KL estimated without bias from the batch's
  // clusters and a lazy Adam update of their rows only, so a step costs the same with 10 or 10,000
  // clusters; auto: sparse from sparse_from_clusters clusters on.
  std::string re_updates = "auto";
  static constexpr int64_t sparse_from_clusters = 1000;

  std::string optimizer = "adam";       // adam (minibatches) | lbfgs (full batch, deterministic expected loss)
  int64_t epochs = 100;                 // the 4-4-4 spiral MLPs still improve between 40 and 100; L-BFGS: at most this many steps
  int64_t batch_size = 32;
  double lr = 1e-3;                     // Adam learning rate (main and adversary optimizers)
  uint64_t seed = kDefaultSeed;         // weight initialization, shuffling, sampling, validation split
  double validation_fraction = 0.0;     // share of each cluster's rows held out for early stopping
  int64_t patience = 10;                // epochs without validation improvement before stopping
  // What early stopping follows on the validation rows: the task's loss, or its metric (AUROC,
  // macro AUROC, RMSE, deviance: what the progress lines show), as the ARMED reference's image
  // models stop on validation AUROC.
  std::string early_stopping = "loss";

  const ModelKind& kind() const { return model_kind(model); }  // throws for an unknown model
  bool for_images() const { return kind().takes_images(); }
  bool has_adversary() const { return kind().has_adversary() && !no_adversary; }
  bool slopes_on_inputs() const { return random_slopes != "hidden" && random_slopes != "none"; }
  bool has_random_effects() const { return kind().has_random_effects() && !no_random_effects; }
  // A linear fixed part and random effects fitted by the exact likelihood (Gaussian: penalized
  // least squares on a sparse Cholesky factor; other families: Laplace or quadrature on it), the
  // variance components always estimated; the optimizer, epochs and prior and posterior scales do
  // not apply. Not multiclass (one logit per class): its linear part is trained, then its exact stage.
  bool linear_mixed_model() const;
  bool exact_likelihood() const;  // likelihood resolved: laplace (or quadrature) rather than variational
  bool sparse_random_effects(int64_t clusters) const;  // re_updates resolved for this many clusters
  std::vector<int64_t> styled_blocks() const;  // block_effects resolved: the blocks (0-based) with random effects
  double adversary_weight() const;  // weight_adversary, or the model kind's default when negative
  // This configuration for another model of a comparison: adversary and random-effects options
  // are dropped for a model without them, so one set of options serves every model compared.
  ModelConfig for_model(const std::string& name) const;
  void validate() const;  // throws armed::Error naming the option
};

// Visits (name, field, help) for every field; names are snake_case JSON keys, shown as --dashed-flags.
template <typename Visitor>
void for_each_field(ModelConfig& c, Visitor&& v) {
  static const std::string model_help = [] {
    std::string help;
    for (const auto& kind : model_kinds()) help += (help.empty() ? "" : " | ") + kind.name + " (" + kind.summary + ")";
    return help;
  }();
  v("formula", c.formula, "model formula in lme4's syntax, e.g. \"y ~ x1 + x2 + (1 + x1 | site)\": names the target, features, grouping factor and random effects; without --model, fits the linear mixed model (GLMM for classification)");
  v("model", c.model, model_help.c_str());
  v("task", c.task, "classification (0/1 target, or successes out of --trials) | regression");
  v("fe", c.fe, "fixed-effects part: mlp | linear (a GLM; coefficients reported by armed effects)");
  v("no_intercept", c.no_intercept, "fe linear: no fixed intercept (a formula's '0 +')");
  v("reml", c.reml, "linear mixed models (Gaussian, --fe linear, random effects): restricted maximum likelihood instead of maximum likelihood");
  v("likelihood", c.likelihood, "random effects and variance components by: variational (a posterior per cluster trained with the network) | laplace (the exact likelihood; a network gets a final exact stage) | auto (laplace with --re-prior learned or --fe linear)");
  v("nagq", c.nagq, "with the exact likelihood, quadrature nodes per random effect as glmer's nAGQ: 1 Laplace, > 1 adaptive Gauss-Hermite (one factor, random intercept only)");
  v("hidden", c.hidden, "hidden layer widths of the fixed-effects MLP, comma-separated");
  v("adversary_hidden", c.adversary_hidden, "hidden layer widths of the adversary (cluster classifier)");
  v("membership_hidden", c.membership_hidden, "hidden layer widths of the cluster-membership predictor (armed)");
  v("filters", c.filters, "image models: filters of each convolutional block, comma-separated");
  v("head_hidden", c.head_hidden, "image models: dense layers of the CNN head or of the autoencoder's latent classifier");
  v("latent", c.latent, "aec: latent dimensions");
  v("random_slopes", c.random_slopes, "random slopes on: hidden (last FE hidden layer) | inputs | none | feature names a,b");
  v("re_prior", c.re_prior, "random-effect prior SD: fixed | learned (estimates the variance components, by a final exact stage with --likelihood auto; linear mixed models always estimate them)");
  v("re_covariance", c.re_covariance, "covariance of a cluster's random effects: diagonal | full (with correlations)");
  v("slope_prior_scale", c.slope_prior_scale, "prior SD of random slopes");
  v("slope_posterior_init_scale", c.slope_posterior_init_scale, "SD of the initial random-slope posterior means");
  v("intercept_prior_scale", c.intercept_prior_scale, "prior SD of random intercepts");
  v("intercept_posterior_init_scale", c.intercept_posterior_init_scale, "SD of the initial random-intercept posterior means");
  v("posterior_scale_init_min", c.posterior_scale_init_min, "posterior SDs start uniform in [min, min + range]");
  v("posterior_scale_init_range", c.posterior_scale_init_range, "see posterior-scale-init-min");
  v("block_effects", c.block_effects, "image armed models: random effects inside these convolution blocks (cnn-armed's, aec-armed's encoder), a scale and bias per filter and cluster: all | none | block numbers 1,2,...");
  v("scale_bias_prior_scale", c.scale_bias_prior_scale, "prior SD of the cluster-specific filter scales and biases (--block-effects, aec-armed's decoder)");
  v("scale_bias_posterior_init_scale", c.scale_bias_posterior_init_scale, "SD of their initial posterior means");
  v("no_adversary", c.no_adversary, "armed/adversarial without the adversary (ablation)");
  v("no_random_effects", c.no_random_effects, "armed without random effects (ablation)");
  v("weight_mixed", c.weight_mixed, "loss weight of the mixed (FE + RE) prediction");
  v("weight_fixed", c.weight_fixed, "loss weight of the fixed-effects prediction");
  v("weight_adversary", c.weight_adversary, "weight of the adversary's loss in the main loss (negative: the model kind's default, 0.5 for the MLP, 0.1 cnn, 0.05 aec)");
  v("adversary_objective", c.adversary_objective, "reverse (subtract the adversary's loss, the paper) | confusion (make its predictions uniform)");
  v("adversary_sees_target", c.adversary_sees_target, "the adversary also sees the target: remove only cluster information beyond the target's");
  v("weight_reconstruction", c.weight_reconstruction, "aec: weight of each decoder's reconstruction MSE");
  v("weight_classification", c.weight_classification, "aec: weight of the latent classifier's losses");
  v("kl_weight", c.kl_weight, "weight of the random effects' KL divergence");
  v("elbo", c.elbo, "weight the KL by 1/rows (the exact evidence lower bound) instead of --kl-weight");
  static const std::string re_updates_help =
      "random effects per Adam step: dense (all clusters, the paper's) | sparse (the batch's clusters: cost independent of their "
      "number) | auto (sparse from " + std::to_string(ModelConfig::sparse_from_clusters) + " clusters)";
  v("re_updates", c.re_updates, re_updates_help.c_str());
  v("optimizer", c.optimizer, "adam (minibatches) | lbfgs (full batch, deterministic; for small linear fits)");
  v("epochs", c.epochs, "training epochs (at most, with early stopping); L-BFGS steps at most");
  v("batch_size", c.batch_size, "minibatch size");
  v("lr", c.lr, "Adam learning rate");
  v("seed", c.seed, "random seed (initialization, shuffling, sampling, validation split)");
  v("validation_fraction", c.validation_fraction, "share of each cluster's rows held out for early stopping (0: none)");
  v("patience", c.patience, "early stopping: epochs without validation improvement");
  v("early_stopping", c.early_stopping, "early stopping follows the validation rows' loss | metric (AUROC, macro AUROC, RMSE or deviance, as the progress lines show)");
}

// The command-line flag of a field: "batch_size" -> "--batch-size".
std::string option_flag(const std::string& field);

nlohmann::json config_to_json(const ModelConfig& config);
// Starts from the defaults; unknown keys and wrongly typed values are errors naming the key.
ModelConfig config_from_json(const nlohmann::json& j, const std::string& source);

}  // namespace armed
