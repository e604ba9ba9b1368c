// A linear or generalized linear mixed model fitted exactly: the data in lme4's terms, and the estimates carried into
// the network that predicts with them.
#include "armed/error.h"
#include "lmm/generalized_mixed_model.h"
#include "models/model_state.h"
#include "nn/mlp.h"

namespace armed {

void MixedEffectsModel::State::fit_linear_mixed_model(const ClusteredData& data, std::ostream* progress) {
  const int64_t n = data.rows();
  const auto x = data.x.to(torch::kFloat64);
  LmmData lmm_data;
  std::vector<torch::Tensor> columns;
  if (!config.no_intercept) {
    lmm_data.fixed_names.push_back("(Intercept)");
    columns.push_back(torch::ones({n, 1}, torch::kFloat64));
  }
  lmm_data.fixed_names.insert(lmm_data.fixed_names.end(), features.begin(), features.end());
  columns.push_back(x);
  lmm_data.x = torch::cat(columns, 1);
  lmm_data.y = data.y.to(torch::kFloat64);
  const std::vector<FactorTerms> terms = factor_terms();
  for (size_t f = 0; f < terms.size(); ++f) {
    LmmTerm term;
    term.factor = factor_names[f];
    term.names = {"(Intercept)"};
    std::vector<torch::Tensor> covariates{torch::ones({n, 1}, torch::kFloat64)};
    for (int64_t c : terms[f].slope_columns) {
      term.names.push_back(features[static_cast<size_t>(c)]);
      covariates.push_back(x.select(1, c).unsqueeze(1));
    }
    term.covariates = torch::cat(covariates, 1).contiguous();
    term.levels = encoders[f].vocabulary();
    term.level = encoders[f].encode(data.factor(factor_names[f])->labels);
    term.correlated = terms[f].covariance == "full";
    lmm_data.terms.push_back(std::move(term));
  }
  if (likelihood().has_residual_sd()) {
    lmm = armed::fit_linear_mixed_model(lmm_data, config.reml, progress);
  } else {
    GlmmInput glmm{std::move(lmm_data), data.offset, data.trials, &likelihood()};
    lmm = fit_generalized_mixed_model(glmm, config.nagq, progress);
  }

  // The network predicts on standardized features and target: y = m + s (w . (x - mu) / sd + c).
  torch::NoGradGuard no_grad;
  const double s = target_sd;
  const auto beta = lmm->beta;
  const int64_t first = config.no_intercept ? 0 : 1;
  auto& output = std::dynamic_pointer_cast<MLPImpl>(net->fixed_effects)->output;
  double intercept = config.no_intercept ? 0.0 : beta[0].item<double>();
  auto weight = torch::zeros({1, static_cast<int64_t>(features.size())}, torch::kFloat64);
  for (size_t j = 0; j < features.size(); ++j) {
    const double b = beta[first + static_cast<int64_t>(j)].item<double>();
    weight[0][static_cast<int64_t>(j)] = b * standardizer.sd[j] / s;
    intercept += b * standardizer.mean[j];
  }
  output->weight.copy_(weight);
  if (output->bias.defined()) output->bias.fill_((intercept - target_mean) / s);
  // Random effects on the model's scale: u_model = A^-1 u_original.
  for (size_t f = 0; f < terms.size(); ++f) {
    const auto a_inverse = torch::inverse(original_scale_map(terms[f]));
    const LmmTermFit& fit = lmm->terms[f];
    net->random_effects[f]->set_estimates(fit.modes.mm(a_inverse.t()), a_inverse.matmul(fit.conditional_covariance).matmul(a_inverse.t()),
                                          a_inverse.mm(fit.covariance).mm(a_inverse.t()));
  }
  if (net->log_residual_sd.defined()) net->log_residual_sd.fill_(std::log(lmm->sigma / s));
}

}  // namespace armed
