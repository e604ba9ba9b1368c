// Interpretation of a fitted model: random-effect estimates, original-scale coefficients, and
// input sensitivities.
#include "armed/error.h"
#include "armed/model.h"
#include "models/model_state.h"
#include "nn/mlp.h"

namespace armed {

namespace {

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json membership_json(const MembershipRecord& m) {
  return {{"epochs", m.epochs},
          {"held_out_rows", m.held_out_rows},
          {"held_out_accuracy", finite_or_null(m.held_out_accuracy)},
          {"chance", finite_or_null(m.chance)},
          {"beats_chance", m.beats_chance},
          {"held_out_clusters", m.held_out_clusters},
          {"unseen_rows", m.unseen_rows},
          {"unseen_loss_fixed", finite_or_null(m.unseen_loss_fixed)},
          {"unseen_loss_inferred", finite_or_null(m.unseen_loss_inferred)},
          {"unseen_clusters_by_default", m.infer_unseen ? "inferred" : "fixed"}};
}

}  // namespace

namespace {

// A factor's "random_effects_sd" and, with a full covariance, "random_effects_corr", from the
// covariance of its random effects on the original scale.
void add_variance_components(nlohmann::json& factor, const std::vector<std::string>& names, const torch::Tensor& covariance,
                             bool correlated) {
  const auto sds = covariance.diagonal().sqrt();
  nlohmann::json sd_json = nlohmann::json::object(), corr = nlohmann::json::object();
  for (size_t u = 0; u < names.size(); ++u) {
    sd_json[names[u]] = sds[u].item<double>();
    for (size_t v = u + 1; v < names.size() && correlated; ++v)
      corr[names[u] + ":" + names[v]] = (covariance[u][v] / (sds[u] * sds[v])).item<double>();
  }
  factor["random_effects_sd"] = sd_json;
  if (correlated) factor["random_effects_corr"] = corr;
}

// A factor's random effects inside the convolution blocks: per styled block, effect (the filter's
// scale gamma, then its bias beta) and filter, the prior SD, the SD of the clusters' posterior
// means, and per cluster the posterior mean and SD.
nlohmann::json block_effects_json(const MixedEffectsModel::State& s, size_t f) {
  auto& re = *s.net->block_effects.at(f);
  const auto mean = re.loc.to(torch::kFloat64), sd = re.posterior_scale().to(torch::kFloat64);
  const auto prior = re.prior_scale().to(torch::kFloat64);
  const auto& clusters = s.encoders[f].vocabulary();
  const std::vector<int64_t> blocks = s.config.styled_blocks(), filters = s.net->fixed_effects->styled_filters();
  nlohmann::json list = nlohmann::json::array();
  int64_t unit = 0;
  for (size_t b = 0; b < blocks.size(); ++b)
    for (const char* effect : {"scale", "bias"})
      for (int64_t k = 0; k < filters[b]; ++k, ++unit) {
        nlohmann::json per_cluster = nlohmann::json::object();
        for (size_t c = 0; c < clusters.size(); ++c)
          per_cluster[clusters[c]] = {{"mean", mean[static_cast<int64_t>(c)][unit].item<double>()}, {"sd", sd[static_cast<int64_t>(c)][unit].item<double>()}};
        list.push_back({{"block", blocks[b] + 1},
                        {"effect", effect},
                        {"filter", k + 1},
                        {"prior_sd", prior[unit].item<double>()},
                        {"sd_of_means", mean.select(1, unit).std(/*unbiased=*/false).item<double>()},
                        {"clusters", per_cluster}});
      }
  return list;
}

// A factor's random effects of a variational fit: posterior means and SDs on the model's scale,
// the prior, and with slopes on inputs the variance components on the original scale.
nlohmann::json variational_factor(const MixedEffectsModel::State& s, const FactorTerms& terms, size_t f) {
  auto& re = *s.net->random_effects.at(f);
  const bool learned = s.config.re_prior == "learned";
  const bool per_class = s.likelihood().one_column_per_class();
  std::vector<std::string> names;
  if (per_class)  // an intercept per class, on that class's logit
    for (const auto& level : s.spec.target_levels) names.push_back("(Intercept):" + level);
  else
    names.push_back("(Intercept)");
  if (terms.slopes == "hidden")
    for (int64_t u = 0; u < s.net->slope_width; ++u) names.push_back("h" + std::to_string(u + 1));
  for (int64_t c : terms.slope_columns) names.push_back(s.features[c]);
  const auto& clusters = s.encoders[f].vocabulary();

  auto mean = re.loc.to(torch::kFloat64), sd = re.posterior_scale().to(torch::kFloat64);
  auto post_chol = re.posterior_cholesky().to(torch::kFloat64);
  auto prior_chol = re.prior_cholesky().to(torch::kFloat64);
  // Moment estimate of the random effects' covariance, E_k[m_k m_k' + S_k]: what a learned prior
  // converges to.
  auto moment = (mean.unsqueeze(2) * mean.unsqueeze(1) + post_chol.matmul(post_chol.transpose(1, 2))).mean(0);
  auto covariance = learned ? prior_chol.matmul(prior_chol.t()) : moment;

  nlohmann::json list = nlohmann::json::array();
  for (size_t u = 0; u < names.size(); ++u) {
    nlohmann::json per_cluster = nlohmann::json::object();
    for (size_t k = 0; k < clusters.size(); ++k)
      per_cluster[clusters[k]] = {{"mean", mean[k][u].item<double>()}, {"sd", sd[k][u].item<double>()}};
    list.push_back({{"name", names[u]},
                    {"effect", u == 0 || per_class ? "intercept" : "slope"},
                    {"prior", learned ? "learned" : "fixed"},
                    {"prior_sd", prior_chol[u].square().sum().sqrt().item<double>()},
                    {"inter_cluster_sd", moment[u][u].sqrt().item<double>()},
                    {"sd_of_means", mean.select(1, u).std(/*unbiased=*/false).item<double>()},
                    {"clusters", per_cluster}});
  }
  nlohmann::json factor = {{"name", s.factor_names[f]}, {"random_slopes", terms.slopes}, {"clusters", clusters}, {"random_effects", list}};
  if (f < s.net->block_effects.size()) factor["block_effects"] = block_effects_json(s, f);
  if (f < s.history.membership.size()) factor["membership_predictor"] = membership_json(s.history.membership[f]);
  if (terms.slopes != "hidden") {
    // Variance components on the original scale of the features and the target.
    auto a = per_class ? torch::eye(static_cast<int64_t>(names.size()), torch::kFloat64) : s.original_scale_map(terms);
    add_variance_components(factor, names, a.matmul(covariance).matmul(a.t()), terms.covariance == "full");
  }
  return factor;
}

// A factor's random effects of an exact linear mixed model, all on the original scale: per level
// the conditional mode (BLUP) as "mean" and its conditional SD as "sd"; the estimated covariance.
nlohmann::json exact_factor(const FactorTerms& terms, const LmmTermFit& fit) {
  const auto sds = fit.covariance.diagonal().sqrt();
  const auto mode_sd = fit.conditional_covariance.diagonal(0, 1, 2).clamp_min(0).sqrt();
  nlohmann::json list = nlohmann::json::array();
  for (size_t u = 0; u < fit.names.size(); ++u) {
    const auto unit = static_cast<int64_t>(u);
    nlohmann::json per_level = nlohmann::json::object();
    for (size_t k = 0; k < fit.levels.size(); ++k)
      per_level[fit.levels[k]] = {{"mean", fit.modes[static_cast<int64_t>(k)][unit].item<double>()},
                                  {"sd", mode_sd[static_cast<int64_t>(k)][unit].item<double>()}};
    const auto modes = fit.modes.select(1, unit);
    list.push_back({{"name", fit.names[u]},
                    {"effect", u == 0 ? "intercept" : "slope"},
                    {"prior", "estimated"},
                    {"prior_sd", sds[unit].item<double>()},
                    {"inter_cluster_sd", (modes.square() + fit.conditional_covariance.select(1, unit).select(1, unit)).mean().sqrt().item<double>()},
                    {"sd_of_means", modes.std(/*unbiased=*/false).item<double>()},
                    {"clusters", per_level}});
  }
  nlohmann::json factor = {{"name", fit.factor}, {"random_slopes", terms.slopes}, {"clusters", fit.levels}, {"random_effects", list}};
  add_variance_components(factor, fit.names, fit.covariance, fit.correlated);
  return factor;
}

// The exact stage found the network's output the same on every row and left it out (scale 0).
bool network_dropped(const MixedEffectsModel::State& s) {
  return (s.net->fixed_calibration.view({2, -1})[1] == 0).all().item<bool>();
}

// lme4's summary of an exact fit: criterion, information criteria, fixed effects with standard
// errors and t values.
nlohmann::json exact_summary(const LmmFit& fit) {
  nlohmann::json j = fit.to_json();
  for (const char* bulky : {"random_effects", "fixed_effects_covariance"}) j.erase(bulky);
  nlohmann::json levels = nlohmann::json::object();
  for (const auto& term : fit.terms) levels[term.factor] = term.levels.size();
  j["levels"] = levels;
  return j;
}

}  // namespace

nlohmann::json MixedEffectsModel::effects() const {
  if (!s_->config.has_random_effects())
    throw Error("model '" + s_->config.model + "'" + (s_->config.no_random_effects ? " (--no-random-effects)" : "") +
                " has no random effects");
  torch::NoGradGuard no_grad;
  const std::vector<FactorTerms> terms = s_->factor_terms();
  nlohmann::json factors = nlohmann::json::array();
  for (size_t f = 0; f < terms.size(); ++f)
    factors.push_back(s_->lmm ? exact_factor(terms[f], s_->lmm->terms.at(f)) : variational_factor(*s_, terms[f], f));
  // The first factor's estimates stand at the top level, as for a model with one factor.
  nlohmann::json out = factors.front();
  out.erase("name");
  out["model"] = s_->config.model;
  out["scale"] = s_->likelihood().link();
  if (s_->net->uses_clusters() && s_->config.has_random_effects())
    out["likelihood"] = !s_->config.exact_likelihood()           ? "variational"
                        : s_->likelihood().has_residual_sd()        ? "maximum likelihood"
                        : s_->config.nagq > 1 ? "adaptive quadrature, " + std::to_string(s_->config.nagq) + " nodes"
                                              : "Laplace";
  out["factors"] = factors;
  if (!s_->config.formula.empty()) out["formula"] = s_->config.formula;
  if (!s_->spec.exposure.empty()) out["exposure"] = s_->spec.exposure;  // its log is an offset
  if (s_->likelihood().one_column_per_class())
    out["target_levels"] = {{"classes", s_->spec.target_levels}};
  else if (!s_->spec.target_levels.empty())
    out["target_levels"] = {{"reference", s_->spec.target_levels[0]}, {"event", s_->spec.target_levels[1]}};
  // Models written before the predictor was judged on held-out rows: no record, never beat chance.
  if (!out.contains("membership_predictor")) out["membership_predictor"] = membership_json(MembershipRecord{});
  if (s_->lmm) {
    nlohmann::json fixed = nlohmann::json::object();
    for (size_t j = 0; j < s_->lmm->fixed_names.size(); ++j) fixed[s_->lmm->fixed_names[j]] = s_->lmm->beta[static_cast<int64_t>(j)].item<double>();
    out["fixed_effects"] = fixed;
    if (s_->lmm->has_residual()) out["residual_sd"] = s_->lmm->sigma;
    out["linear_mixed_model"] = exact_summary(*s_->lmm);
    return out;
  }
  if (s_->config.fe == "linear") {
    const auto& linear = std::dynamic_pointer_cast<MLPImpl>(s_->net->fixed_effects)->output;
    const auto weights = linear->weight.to(torch::kFloat64);  // [outputs, features]
    const bool standardized = s_->likelihood().has_residual_sd();
    const double scale = standardized ? s_->target_sd : 1.0;
    const double shift = standardized ? s_->target_mean : 0.0;
    // Multiclass: a coefficient per class, on its logit, named term:class.
    const bool per_class = s_->likelihood().one_column_per_class();
    nlohmann::json fixed = nlohmann::json::object();
    // An exact stage's calibration (multiclass with a linear part) shifts and scales the output.
    const auto calibration = s_->net->fixed_calibration.defined() ? s_->net->fixed_calibration.to(torch::kFloat64).view({2, -1})
                                                                   : torch::tensor({0.0, 1.0}, torch::kFloat64).view({2, 1});
    for (int64_t k = 0; k < weights.size(0); ++k) {
      const std::string suffix = per_class ? ":" + s_->spec.target_levels.at(static_cast<size_t>(k)) : "";
      const double offset = calibration[0][k].item<double>(), factor = calibration[1][k].item<double>();
      double intercept = offset + (s_->config.no_intercept ? 0.0 : factor * linear->bias[k].item<double>());
      for (size_t j = 0; j < s_->features.size(); ++j) {
        const double wj = factor * weights[k][static_cast<int64_t>(j)].item<double>();
        fixed[s_->features[j] + suffix] = scale * wj / s_->standardizer.sd[j];
        intercept -= wj * s_->standardizer.mean[j] / s_->standardizer.sd[j];
      }
      if (!s_->config.no_intercept) fixed["(Intercept)" + suffix] = shift + scale * intercept;
    }
    out["fixed_effects"] = fixed;
  } else if (s_->net->fixed_calibration.defined()) {
    // The exact stage's fixed part: an intercept (per class: a shift) and a coefficient on the
    // network's output, on the scale of the target (Gaussian) or of the link.
    const auto calibration = s_->net->fixed_calibration.to(torch::kFloat64).view({2, -1});
    const bool standardized = s_->likelihood().has_residual_sd();
    const double scale = standardized ? s_->target_sd : 1.0, shift = standardized ? s_->target_mean : 0.0;
    const bool per_class = s_->likelihood().one_column_per_class();
    nlohmann::json fixed = nlohmann::json::object();
    for (int64_t k = 0; k < calibration.size(1); ++k)
      fixed["(Intercept)" + (per_class ? ":" + s_->spec.target_levels.at(static_cast<size_t>(k)) : "")] = shift + scale * calibration[0][k].item<double>();
    if (!network_dropped(*s_)) fixed["network"] = scale * calibration[1][0].item<double>();
    out["fixed_effects"] = fixed;
  }
  if (s_->net->fixed_calibration.defined()) out["network_dropped"] = network_dropped(*s_);
  if (s_->likelihood().has_residual_sd()) out["residual_sd"] = s_->net->log_residual_sd.exp().item<double>() * s_->target_sd;
  return out;
}

std::vector<double> MixedEffectsModel::fixed_effects_gradient(const std::vector<double>& x) const {
  if (x.size() != s_->features.size()) throw Error("gradient point has the wrong number of features");
  if (s_->likelihood().one_column_per_class())
    throw Error("fixed_effects_gradient: a --task " + s_->config.task + " model has one prediction per class, not one to take the gradient of");
  auto raw = torch::tensor(x, torch::kFloat64).to(torch::kFloat32).unsqueeze(0);
  auto input = s_->standardizer.transform(raw).requires_grad_(true);
  s_->net->eval();
  auto out = s_->net->forward(input, std::vector<ClusterDesign>(s_->net->factors(), ClusterDesign::unknown(1))).fixed;
  out = s_->likelihood().mean(out);
  if (s_->likelihood().has_residual_sd()) out = out * s_->target_sd;
  auto grad = torch::autograd::grad({out.sum()}, {input})[0].to(torch::kFloat64).contiguous();
  return std::vector<double>(grad.data_ptr<double>(), grad.data_ptr<double>() + grad.numel());
}

}  // namespace armed
