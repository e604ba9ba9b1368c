// armed's linear mixed models and GLMMs (exact: Laplace, quadrature) must reproduce lme4 on real data
// (reference fits from ../shared/data/README.md and reference-fits-crossed.txt, lme4 1.1-31).
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "armed/error.h"
#include "armed/formula.h"
#include "armed/model.h"

namespace armed {

ModelConfig mixed_model(const std::string& task, const std::string& slopes) {
  ModelConfig c;
  c.model = "armed";
  c.task = task;
  c.fe = "linear";
  c.no_adversary = true;
  c.random_slopes = slopes;
  c.re_prior = "learned";
  c.elbo = true;
  c.optimizer = "lbfgs";
  c.weight_fixed = 0.0;
  c.epochs = 500;
  return c;
}

// The mixed model a formula describes (no network), fitted to a file of tests/data.
MixedEffectsModel fit_formula(const std::string& formula, const std::string& task, const std::string& file) {
  ModelConfig config;
  DataSpec spec;
  config.task = spec.task = task;
  apply_formula(parse_formula(formula), /*network=*/false, config, spec);
  return MixedEffectsModel::fit(config, load_clustered_csv(std::string(ARMED_TEST_DATA) + "/" + file, spec));
}

void expect_relative(double actual, double expected, double tolerance, const std::string& what) {
  EXPECT_NEAR(actual, expected, tolerance * std::abs(expected)) << what;
}

// A linear mixed model's exact fit against lmer's (../shared/data/reference-fits-crossed.txt):
// fixed effects to 1e-4, SDs, correlations and the log-likelihood to 1e-3, relative.
struct Reference {
  std::string formula, file;
  bool reml;
  std::map<std::string, double> fixed;
  std::vector<std::vector<double>> sds;  // per factor, in the formula's order, per term
  double corr;                           // of the first factor's two terms; NAN: uncorrelated
  double residual, log_likelihood;
};

void expect_lme4(const Reference& r) {
  ModelConfig config;
  DataSpec spec;
  config.task = spec.task = "regression";
  config.reml = r.reml;
  apply_formula(parse_formula(r.formula), /*network=*/false, config, spec);
  const auto e = MixedEffectsModel::fit(config, load_clustered_csv(std::string(ARMED_TEST_DATA) + "/" + r.file, spec)).effects();
  const std::string fit = r.formula + (r.reml ? " (REML)" : " (ML)");
  ASSERT_TRUE(e.contains("linear_mixed_model")) << fit;
  EXPECT_EQ(e["linear_mixed_model"]["method"], r.reml ? "REML" : "ML");
  EXPECT_TRUE(e["linear_mixed_model"]["converged"].get<bool>()) << fit;
  for (const auto& [name, value] : r.fixed) expect_relative(e["fixed_effects"][name].get<double>(), value, 1e-4, fit + " fixed " + name);
  ASSERT_EQ(e["factors"].size(), r.sds.size()) << fit;
  for (size_t f = 0; f < r.sds.size(); ++f) {
    const auto& factor = e["factors"][f];
    for (size_t u = 0; u < r.sds[f].size(); ++u) {
      const std::string term = factor["random_effects"][u]["name"];
      expect_relative(factor["random_effects_sd"][term].get<double>(), r.sds[f][u], 1e-3, fit + " SD " + factor["name"].get<std::string>() + " " + term);
    }
  }
  if (!std::isnan(r.corr)) EXPECT_NEAR(e["random_effects_corr"].begin()->get<double>(), r.corr, 1e-3) << fit;
  else EXPECT_FALSE(e.contains("random_effects_corr")) << fit;
  expect_relative(e["residual_sd"].get<double>(), r.residual, 1e-3, fit + " residual SD");
  expect_relative(e["linear_mixed_model"]["log_likelihood"].get<double>(), r.log_likelihood, 1e-3, fit + " log-likelihood");
}

TEST(Lme4Fidelity, PenicillinCrossedMaximumLikelihood) {
  expect_lme4({"diameter ~ 1 + (1|plate) + (1|sample)", "penicillin.csv", false, {{"(Intercept)", 22.972222}},
               {{0.8455725}, {1.7706474}}, NAN, 0.5499321, -166.0941743});
}

TEST(Lme4Fidelity, PenicillinCrossedReml) {
  expect_lme4({"diameter ~ 1 + (1|plate) + (1|sample)", "penicillin.csv", true, {{"(Intercept)", 22.972222}},
               {{0.8467025}, {1.9316138}}, NAN, 0.5499227, -165.4302945});
}

TEST(Lme4Fidelity, PastesNestedMaximumLikelihood) {
  // (1|batch/cask) = (1|batch) + (1|batch:cask); lme4 lists cask:batch first.
  expect_lme4({"strength ~ 1 + (1|batch/cask)", "pastes.csv", false, {{"(Intercept)", 60.053333}}, {{1.0950704}, {2.9040690}}, NAN,
               0.8234088, -123.9972329});
}

TEST(Lme4Fidelity, PastesNestedReml) {
  expect_lme4({"strength ~ 1 + (1|batch/cask)", "pastes.csv", true, {{"(Intercept)", 60.053333}}, {{1.2873659}, {2.9040775}}, NAN,
               0.8234075, -123.4953729});
}

TEST(Lme4Fidelity, SleepstudyCorrelatedSlopesReml) {
  expect_lme4({"Reaction ~ Days + (Days|Subject)", "sleepstudy.csv", true, {{"(Intercept)", 251.405105}, {"Days", 10.467286}},
               {{24.740658, 5.922138}}, 0.06555, 25.591796, -871.814136});
}

TEST(Lme4Fidelity, SleepstudyUncorrelatedSlopesMaximumLikelihood) {
  expect_lme4({"Reaction ~ Days + (Days||Subject)", "sleepstudy.csv", false, {{"(Intercept)", 251.405105}, {"Days", 10.467286}},
               {{24.171588, 5.799366}}, NAN, 25.556123, -876.0016276});
}

TEST(Lme4Fidelity, FlagsDescribeTheSameLinearMixedModelAsTheFormula) {
  // --fe linear --task regression with random slopes on Days: the exact fit, as the formula's.
  const auto data = load_clustered_csv(std::string(ARMED_TEST_DATA) + "/sleepstudy.csv",
                                       {"Reaction", "Subject", {"Days"}, "regression"});
  auto config = mixed_model("regression", "Days");
  config.re_covariance = "full";
  config.reml = true;
  const auto e = MixedEffectsModel::fit(config, data).effects();
  expect_relative(e["random_effects_sd"]["Days"].get<double>(), 5.922138, 1e-3, "SD Days");
  expect_relative(e["linear_mixed_model"]["log_likelihood"].get<double>(), -871.814136, 1e-3, "REML log-likelihood");
  EXPECT_EQ(e["random_effects"][0]["clusters"].size(), 18u);
}

// cbind(incidence, size - incidence) ~ period + (1 | herd), binomial, fitted with `config`.
MixedEffectsModel fit_cbpp(const ModelConfig& config) {
  DataSpec spec{"incidence", "herd", {"period"}, "classification"};
  spec.trials = "size";
  spec.categorical = {"period"};
  const auto data = load_clustered_csv(std::string(ARMED_TEST_DATA) + "/cbpp.csv", spec);
  EXPECT_EQ(data.feature_names, (std::vector<std::string>{"period2", "period3", "period4"}));
  const auto model = MixedEffectsModel::fit(config, data);
  // Scored per animal: 842 trials.
  EXPECT_EQ(model.evaluate(data)["overall"]["n"].get<int64_t>(), 842);
  return model;
}

void expect_cbpp(const nlohmann::json& e, const std::vector<double>& fixed, double sd, double tolerance, double sd_tolerance) {
  const std::vector<std::string> names{"(Intercept)", "period2", "period3", "period4"};
  for (size_t j = 0; j < names.size(); ++j) EXPECT_NEAR(e["fixed_effects"][names[j]].get<double>(), fixed[j], tolerance) << names[j];
  expect_relative(e["random_effects_sd"]["(Intercept)"].get<double>(), sd, sd_tolerance, "herd SD");
}

TEST(Lme4Fidelity, CbppBinomialLaplace) {
  auto config = mixed_model("classification", "none");
  config.likelihood = "laplace";
  const auto e = fit_cbpp(config).effects();
  expect_cbpp(e, {-1.398343, -0.991925, -1.128216, -1.579745}, 0.64207, 1e-3, 0.01);
  EXPECT_EQ(e["linear_mixed_model"]["family"], "binomial");
  // glmer's logLik -92.02657 (tests/data/README.md); its optimum is a little less tight than ours.
  EXPECT_NEAR(e["linear_mixed_model"]["log_likelihood"].get<double>(), -92.02657, 1e-3);
}

TEST(Lme4Fidelity, CbppBinomialAdaptiveQuadrature) {
  // glmer(..., nAGQ = 25): ../shared/data/reference-fits-crossed.txt. lme4's logLik with nAGQ > 1
  // leaves out the binomial coefficients; the estimates are comparable.
  auto config = mixed_model("classification", "none");
  config.nagq = 25;
  const auto e = fit_cbpp(config).effects();
  expect_cbpp(e, {-1.39922373, -0.99140888, -1.12780959, -1.57948095}, 0.6475199, 1e-4, 1e-3);
  EXPECT_EQ(e["linear_mixed_model"]["nagq"], 25);
}

TEST(Lme4Fidelity, CbppVariationalFitStaysAvailable) {
  auto config = mixed_model("classification", "none");
  config.likelihood = "variational";
  const auto e = fit_cbpp(config).effects();
  EXPECT_FALSE(e.contains("linear_mixed_model"));
  expect_cbpp(e, {-1.398343, -0.991925, -1.128216, -1.579745}, 0.64207, 0.1, 0.2);
}

TEST(Lme4Fidelity, OptionsMustFitTheModel) {
  auto config = mixed_model("regression", "Days");
  config.validation_fraction = 0.2;
  EXPECT_THROW(config.validate(), Error);  // an exact fit has nothing to stop early
  config = mixed_model("classification", "Days");
  config.reml = true;
  EXPECT_THROW(config.validate(), Error);  // REML is for Gaussian linear mixed models
  config = mixed_model("regression", "Days");
  config.no_adversary = false;
  EXPECT_THROW(config.validate(), Error);  // no hidden layer (and no minibatches) for an adversary
  config = mixed_model("regression", "none");
  config.nagq = 5;
  EXPECT_THROW(config.validate(), Error);  // a Gaussian likelihood needs no quadrature
  config = mixed_model("classification", "none");
  config.nagq = 5;
  config.likelihood = "variational";
  EXPECT_THROW(config.validate(), Error);  // quadrature is for the exact likelihood
  config = mixed_model("classification", "none");
  config.fe = "mlp";
  config.re_prior = "fixed";
  config.likelihood = "laplace";
  EXPECT_THROW(config.validate(), Error);  // a network's exact stage estimates the variance components
}

TEST(Lme4Fidelity, FullBatchFitIsDeterministic) {
  const auto data = load_clustered_csv(std::string(ARMED_TEST_DATA) + "/sleepstudy.csv",
                                       {"Reaction", "Subject", {"Days"}, "regression"});
  auto config = mixed_model("regression", "Days");
  config.seed = 5;
  const auto a = MixedEffectsModel::fit(config, data).effects(), b = MixedEffectsModel::fit(config, data).effects();
  EXPECT_EQ(a["fixed_effects"], b["fixed_effects"]);
  EXPECT_EQ(a["random_effects_sd"], b["random_effects_sd"]);
}

TEST(Lme4Fidelity, VerbAggCrossedBinaryGlmm) {
  // 316 persons crossed with 24 items, binary response: glmer's Laplace fit (../shared/data/README.md),
  // by the exact likelihood a formula brings.
  const auto model = fit_formula("r2 ~ Anger + Gender + btype + situ + (1|id) + (1|item)", "classification", "verbagg.csv");
  EXPECT_EQ(model.factor_names(), (std::vector<std::string>{"id", "item"}));
  EXPECT_EQ(model.clusters(0).size(), 316);
  EXPECT_EQ(model.clusters(1).size(), 24);
  const auto e = model.effects();
  const std::map<std::string, double> fixed{{"(Intercept)", 0.199288}, {"Anger", 0.057408},     {"GenderM", 0.320603},
                                            {"btypescold", -1.058639}, {"btypeshout", -2.105051}, {"situself", -1.055287}};
  for (const auto& [name, value] : fixed) EXPECT_NEAR(e["fixed_effects"][name].get<double>(), value, 1e-3) << name;
  ASSERT_EQ(e["factors"].size(), 2u);
  expect_relative(e["factors"][0]["random_effects_sd"]["(Intercept)"].get<double>(), 1.3395363, 0.01, "SD id");
  expect_relative(e["factors"][1]["random_effects_sd"]["(Intercept)"].get<double>(), 0.4952491, 0.01, "SD item");
  EXPECT_NEAR(e["linear_mixed_model"]["log_likelihood"].get<double>(), -4075.700245, 1e-2);
  EXPECT_EQ(e["factors"][1]["name"], "item");
  EXPECT_EQ(e["factors"][1]["random_effects"][0]["clusters"].size(), 24u);
}

TEST(Lme4Fidelity, GrouseTicksPoissonCrossedLaplace) {
  // Counts with a log link; glmer's fits printed by tests/data/grouseticks.R (lme4 1.1-31).
  const auto e = fit_formula("TICKS ~ factor(YEAR) + cHEIGHT + (1|BROOD) + (1|LOCATION)", "count", "grouseticks.csv").effects();
  const std::map<std::string, double> fixed{{"(Intercept)", 0.4668807804}, {"YEAR96", 1.1655579339}, {"YEAR97", -0.9779345273}, {"cHEIGHT", -0.8466360749}};
  for (const auto& [name, value] : fixed) EXPECT_NEAR(e["fixed_effects"][name].get<double>(), value, 1e-3) << name;
  expect_relative(e["factors"][0]["random_effects_sd"]["(Intercept)"].get<double>(), 0.7696626895, 0.01, "SD BROOD");
  expect_relative(e["factors"][1]["random_effects_sd"]["(Intercept)"].get<double>(), 0.5741177078, 0.01, "SD LOCATION");
  EXPECT_NEAR(e["linear_mixed_model"]["log_likelihood"].get<double>(), -987.9381558, 1e-3);
  EXPECT_EQ(e["scale"], "log");
}

TEST(Lme4Fidelity, GrouseTicksPoissonAdaptiveQuadrature) {
  ModelConfig config;
  DataSpec spec;
  config.task = spec.task = "count";
  config.nagq = 25;
  apply_formula(parse_formula("TICKS ~ factor(YEAR) + cHEIGHT + (1|BROOD)"), /*network=*/false, config, spec);
  const auto e = MixedEffectsModel::fit(config, load_clustered_csv(std::string(ARMED_TEST_DATA) + "/grouseticks.csv", spec)).effects();
  const std::map<std::string, double> fixed{{"(Intercept)", 0.5098944593}, {"YEAR96", 1.1349804898}, {"YEAR97", -1.0006275850}, {"cHEIGHT", -0.8573573460}};
  for (const auto& [name, value] : fixed) EXPECT_NEAR(e["fixed_effects"][name].get<double>(), value, 1e-3) << name;
  expect_relative(e["random_effects_sd"]["(Intercept)"].get<double>(), 0.9540699467, 0.01, "SD BROOD");
}

// Counts over exposures: glmer(y ~ x + offset(log(exposure)) + (1 | g), family = poisson), the data
// and fit from tests/data/exposure.R (lme4 1.1-31). The expected count is proportional to the
// row's exposure.
TEST(Lme4Fidelity, PoissonWithAnExposureOffset) {
  ModelConfig config;
  DataSpec spec;
  config.task = spec.task = "count";
  apply_formula(parse_formula("y ~ x + offset(log(exposure)) + (1 | g)"), /*network=*/false, config, spec);
  EXPECT_EQ(spec.exposure, "exposure");
  ClusteredData data = load_clustered_csv(std::string(ARMED_TEST_DATA) + "/exposure.csv", spec);
  const auto model = MixedEffectsModel::fit(config, data);
  const auto e = model.effects();
  EXPECT_NEAR(e["fixed_effects"]["(Intercept)"].get<double>(), 0.259756482, 1e-3);
  EXPECT_NEAR(e["fixed_effects"]["x"].get<double>(), 0.480152141, 1e-3);
  expect_relative(e["random_effects_sd"]["(Intercept)"].get<double>(), 0.626395328, 0.01, "SD g");
  EXPECT_NEAR(e["linear_mixed_model"]["log_likelihood"].get<double>(), -1005.73744428, 1e-3);
  const double first = model.predict(data).value[0];
  data.offset = data.offset + std::log(2.0);
  EXPECT_NEAR(model.predict(data).value[0], 2 * first, 1e-5 * first);
}

}  // namespace armed
