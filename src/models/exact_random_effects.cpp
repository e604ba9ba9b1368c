// The exact final stage of a network with random effects: a mixed model whose fixed part is the
// trained network's output (with an intercept and a slope, since a network trained partly on the
// cluster-blind loss predicts on a shrunken, marginal scale) and whose random-effect terms are the
// network's, fitted by the exact likelihood. Its variance components are what the network's
// variational posterior, trained by minibatch steps, estimates too low.
#include "armed/error.h"
#include "lmm/generalized_mixed_model.h"
#include "lmm/multinomial_intercepts.h"
#include "models/model_state.h"

namespace armed {

namespace {

// Multiclass: one factor's intercepts per class by the multinomial Laplace fit; the calibration
// becomes a shift per class and a common scale.
void fit_multinomial_stage(Network& net, const TrainingTensors& train, const torch::Tensor& fixed, std::ostream* progress) {
  if (net->random_effects.size() != 1)
    throw Error("--task multiclass: the exact stage takes one grouping factor; use --likelihood variational for several");
  RandomEffectsImpl& re = *net->random_effects.front();
  const double start_sd = re.prior_scale().mean().item<double>();
  const MultinomialInterceptsFit fit =
      fit_multinomial_intercepts(fixed.to(torch::kFloat64), train.y, train.z.front().ids, re.options.clusters(), start_sd, progress);
  torch::NoGradGuard no_grad;
  net->fixed_calibration.copy_(torch::stack({fit.shift, torch::full_like(fit.shift, fit.scale)}).to(torch::kFloat32));
  re.set_estimates(fit.modes, fit.conditional_covariance, torch::diag(fit.variance));
}

}  // namespace

void MixedEffectsModel::State::fit_exact_random_effects(const TrainingTensors& train, std::ostream* progress) {
  const NetworkOutput fe = network_outputs(net, train.x, train.z);
  if (likelihood().one_column_per_class()) {
    fit_multinomial_stage(net, train, fe.fixed, progress);
    return;
  }
  const int64_t n = train.rows();
  LmmData design;
  design.fixed_names = {"(Intercept)", "network"};
  design.x = torch::stack({torch::ones({n}, torch::kFloat64), fe.fixed.to(torch::kFloat64)}, 1);
  design.y = train.y.to(torch::kFloat64);
  for (size_t f = 0; f < factor_names.size(); ++f) {
    LmmTerm term;
    term.factor = factor_names[f];
    term.names = {"(Intercept)"};
    std::vector<torch::Tensor> covariates{torch::ones({n, 1}, torch::kFloat64)};
    if (fe.re_slopes[f].defined()) {
      for (int64_t j = 0; j < fe.re_slopes[f].size(1); ++j) term.names.push_back("slope" + std::to_string(j + 1));
      covariates.push_back(fe.re_slopes[f].to(torch::kFloat64));
    }
    term.covariates = torch::cat(covariates, 1).contiguous();
    term.levels = encoders[f].vocabulary();
    term.level = train.z[f].ids;
    term.correlated = net->random_effects[f]->options.covariance() == Covariance::full;
    design.terms.push_back(std::move(term));
  }
  LmmFit fit;
  if (likelihood().has_residual_sd()) {
    fit = armed::fit_linear_mixed_model(design, /*reml=*/false, progress);
  } else {
    const GlmmInput data{std::move(design), train.offset, train.trials, &likelihood()};
    fit = fit_generalized_mixed_model(data, config.nagq, progress);
  }

  torch::NoGradGuard no_grad;
  net->fixed_calibration.copy_(fit.beta.to(torch::kFloat32));  // the output read above went through (0, 1)
  for (size_t f = 0; f < factor_names.size(); ++f) {
    const LmmTermFit& term = fit.terms[f];
    net->random_effects[f]->set_estimates(term.modes, term.conditional_covariance, term.covariance);
  }
  if (net->log_residual_sd.defined()) net->log_residual_sd.fill_(std::log(fit.sigma));
}

}  // namespace armed
