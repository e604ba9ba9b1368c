// The exact final stage of a network with random effects: a mixed model whose fixed part is the
// trained network's output (with an intercept and a slope, since a network trained partly on the
// cluster-blind loss predicts on a shrunken, marginal scale) and whose random-effect terms are the
// network's, fitted by the exact likelihood. Its variance components are what the network's
// variational posterior, trained by minibatch steps, estimates too low. What the network gives
// that the likelihood cannot identify (an output the same on every row, slopes on hidden units
// that are constant) is left out, as lme4 drops a rank-deficient column, and said.
#include <limits>
#include <string>
#include <vector>

#include "armed/error.h"
#include "lmm/generalized_mixed_model.h"
#include "lmm/multinomial_intercepts.h"
#include "models/model_state.h"

namespace armed {

namespace {

// The network computes in float32: a column of its outputs or hidden units whose part not
// explained by the columns before it is below this share of its norm (a hundred units in the last
// place) varies by rounding, not by what the network learned, and would leave the stage's design
// rank-deficient or all but.
constexpr double kRoundingShare = 100 * std::numeric_limits<float>::epsilon();

// The columns of `columns` [rows, m] (float64) that the ones kept before them do not determine, in
// order: each column's pivot in the Cholesky of the cross-products, as LmmData::validate checks X.
std::vector<int64_t> independent_columns(const torch::Tensor& columns) {
  const auto gram = columns.t().mm(columns);
  std::vector<int64_t> kept;
  for (int64_t j = 0; j < gram.size(0); ++j) {
    const double own = gram[j][j].item<double>();
    double rest = own;
    if (!kept.empty()) {
      const auto k = torch::tensor(kept, torch::kInt64);
      const auto cross = gram.index_select(0, k).select(1, j);
      rest -= cross.dot(torch::linalg_solve(gram.index_select(0, k).index_select(1, k), cross)).item<double>();
    }
    if (own > 0 && rest > kRoundingShare * kRoundingShare * own) kept.push_back(j);
  }
  return kept;
}

// Whether a column adds anything to a constant one: [1, column] has full rank.
bool varies(const torch::Tensor& column) {
  return independent_columns(torch::stack({torch::ones_like(column), column}, 1)).size() == 2;
}

void report_constant_output(std::ostream* progress, int64_t rows, bool per_class) {
  if (progress)
    *progress << "exact stage: the network's output is the same on all " << rows << " rows" << (per_class ? " up to a shift per class" : "")
              << " (it learned nothing beyond the mean): the fixed part is " << (per_class ? "a shift per class" : "the intercept") << " alone"
              << std::endl;
}

// Multiclass: one factor's intercepts per class by the multinomial Laplace fit; the calibration
// becomes a shift per class and a common scale. The softmax sees only the logits' differences, so
// the network counts when one of them varies from row to row.
void fit_multinomial_stage(Network& net, const TrainingTensors& train, const torch::Tensor& fixed, std::ostream* progress) {
  RandomEffectsImpl& re = *net->random_effects.front();
  const double start_sd = re.prior_scale().mean().item<double>();
  auto logits = fixed.to(torch::kFloat64);
  bool network = false;
  for (int64_t k = 1; k < logits.size(1); ++k) network = network || varies(logits.select(1, k) - logits.select(1, 0));
  if (!network) {
    report_constant_output(progress, train.rows(), /*per_class=*/true);
    logits = torch::zeros_like(logits);
  }
  const MultinomialInterceptsFit fit = fit_multinomial_intercepts(logits, train.y, train.z.front().ids, re.options.clusters(), start_sd, progress);
  torch::NoGradGuard no_grad;
  const double scale = network ? fit.scale : 0.0;
  net->fixed_calibration.copy_(torch::stack({fit.shift, torch::full_like(fit.shift, scale)}).to(torch::kFloat32));
  re.set_estimates(fit.modes, fit.conditional_covariance, torch::diag(fit.variance));
}

// A factor's term in the stage, over `rows`: an intercept and the network's slope features `slopes`
// (undefined: none), the units named `names`, less the slopes that are constant or combinations of
// the others, which the likelihood cannot tell apart (said on `progress`). `kept`: the units kept.
LmmTerm stage_term(const std::string& factor, const std::vector<std::string>& names, int64_t rows, const torch::Tensor& slopes,
                   std::vector<int64_t>& kept, std::ostream* progress) {
  auto covariates = torch::ones({rows, 1}, torch::kFloat64);
  if (slopes.defined()) covariates = torch::cat({covariates, slopes.to(torch::kFloat64)}, 1);
  kept = independent_columns(covariates);
  LmmTerm term;
  term.factor = factor;
  std::string dropped;
  for (size_t u = 0, i = 0; u < names.size(); ++u) {
    if (i < kept.size() && kept[i] == static_cast<int64_t>(u)) {
      term.names.push_back(names[u]);
      ++i;
    } else {
      dropped += (dropped.empty() ? "" : ", ") + names[u];
    }
  }
  if (progress && !dropped.empty())
    *progress << "exact stage: random slopes of " << factor << " on " << dropped << ": constant or combinations of the other slopes on all "
              << rows << " rows, so their variance is 0" << std::endl;
  term.covariates = covariates.index_select(1, torch::tensor(kept, torch::kInt64)).contiguous();
  return term;
}

// A factor's random effects on all `units`, from a fit on the units `kept`: the others have
// variance 0 and modes 0.
LmmTermFit on_all_units(const LmmTermFit& fit, const std::vector<int64_t>& kept, int64_t units) {
  const auto k = torch::tensor(kept, torch::kInt64);
  const int64_t levels = fit.modes.size(0);
  LmmTermFit all = fit;
  all.modes = torch::zeros({levels, units}, torch::kFloat64).index_copy(1, k, fit.modes);
  all.covariance = torch::zeros({units, units}, torch::kFloat64);
  all.covariance.index_put_({k.unsqueeze(1), k}, fit.covariance);
  all.conditional_covariance = torch::zeros({levels, units, units}, torch::kFloat64);
  all.conditional_covariance.index_put_({torch::indexing::Slice(), k.unsqueeze(1), k}, fit.conditional_covariance);
  return all;
}

}  // namespace

void MixedEffectsModel::State::check_exact_stage() const {
  if (likelihood().one_column_per_class() && factor_names.size() != 1)
    throw Error("--task multiclass: the exact stage takes one grouping factor, not " + std::to_string(factor_names.size()) +
                "; use --likelihood variational for several");
  if (config.nagq <= 1) return;
  const std::vector<FactorTerms> terms = factor_terms();
  if (terms.size() != 1 || terms.front().slopes != "none")
    throw Error("--nagq " + std::to_string(config.nagq) + ": adaptive quadrature takes one grouping factor with a random intercept alone (as glmer); this model has " +
                (terms.size() != 1 ? std::to_string(terms.size()) + " grouping factors" : "random slopes on " + terms.front().slopes) +
                ": use --nagq 1 (Laplace)");
}

void MixedEffectsModel::State::fit_exact_random_effects(const TrainingTensors& train, std::ostream* progress) {
  const NetworkOutput fe = network_outputs(net, train.x, train.z);
  if (likelihood().one_column_per_class()) {
    fit_multinomial_stage(net, train, fe.fixed, progress);
    return;
  }
  const int64_t n = train.rows();
  const auto output = fe.fixed.to(torch::kFloat64);
  const bool network = varies(output);
  if (!network) report_constant_output(progress, n, /*per_class=*/false);
  LmmData design;
  design.fixed_names = {"(Intercept)"};
  design.x = torch::ones({n, 1}, torch::kFloat64);
  if (network) {
    design.fixed_names.push_back("network");
    design.x = torch::stack({design.x.squeeze(1), output}, 1);
  }
  design.y = train.y.to(torch::kFloat64);
  const std::vector<FactorTerms> terms = factor_terms();
  std::vector<std::vector<int64_t>> kept_units(factor_names.size());
  for (size_t f = 0; f < factor_names.size(); ++f) {
    std::vector<std::string> names{"(Intercept)"};
    const torch::Tensor& slopes = fe.re_slopes[f];
    for (int64_t j = 0; slopes.defined() && j < slopes.size(1); ++j)
      names.push_back(terms[f].slopes == "hidden" ? "h" + std::to_string(j + 1) : features.at(static_cast<size_t>(terms[f].slope_columns.at(j))));
    LmmTerm term = stage_term(factor_names[f], names, n, slopes, kept_units[f], progress);
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
  // The output read above went through (0, 1); a dropped network's scale is 0.
  net->fixed_calibration.copy_(torch::stack({fit.beta[0], network ? fit.beta[1] : torch::zeros_like(fit.beta[0])}).to(torch::kFloat32));
  for (size_t f = 0; f < factor_names.size(); ++f) {
    const LmmTermFit term = on_all_units(fit.terms[f], kept_units[f], net->random_effects[f]->options.units());
    net->random_effects[f]->set_estimates(term.modes, term.conditional_covariance, term.covariance);
  }
  if (net->log_residual_sd.defined()) net->log_residual_sd.fill_(std::log(fit.sigma));
}

}  // namespace armed
