// armed's random-effects machinery with a linear fixed-effects part must reproduce lme4 on real
// data (reference fits from ../shared/data/README.md, lme4 1.1-31).
#include <gtest/gtest.h>

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

TEST(Lme4Fidelity, SleepstudyRandomSlopesAndIntercepts) {
  // Reaction ~ Days + (Days | Subject), Gaussian.
  const auto data = load_clustered_csv(std::string(ARMED_TEST_DATA) + "/sleepstudy.csv",
                                       {"Reaction", "Subject", {"Days"}, "regression"});
  auto config = mixed_model("regression", "Days");
  config.re_covariance = "full";
  const auto e = MixedEffectsModel::fit(config, data).effects();
  expect_relative(e["fixed_effects"]["(Intercept)"].get<double>(), 251.40510, 0.01, "fixed intercept");
  expect_relative(e["fixed_effects"]["Days"].get<double>(), 10.46729, 0.01, "fixed Days");
  expect_relative(e["random_effects_sd"]["(Intercept)"].get<double>(), 24.7407, 0.15, "random SD intercept");
  expect_relative(e["random_effects_sd"]["Days"].get<double>(), 5.9221, 0.15, "random SD Days");
  expect_relative(e["residual_sd"].get<double>(), 25.5918, 0.05, "residual SD");
  const double corr = e["random_effects_corr"]["(Intercept):Days"].get<double>();
  EXPECT_GT(corr, -0.3);
  EXPECT_LT(corr, 0.4);
  EXPECT_EQ(e["random_effects"][0]["clusters"].size(), 18u);
}

TEST(Lme4Fidelity, SleepstudyDiagonalCovarianceIsCloseToo) {
  const auto data = load_clustered_csv(std::string(ARMED_TEST_DATA) + "/sleepstudy.csv",
                                       {"Reaction", "Subject", {"Days"}, "regression"});
  const auto e = MixedEffectsModel::fit(mixed_model("regression", "Days"), data).effects();
  expect_relative(e["fixed_effects"]["Days"].get<double>(), 10.46729, 0.01, "fixed Days");
  expect_relative(e["residual_sd"].get<double>(), 25.5918, 0.05, "residual SD");
  EXPECT_FALSE(e.contains("random_effects_corr"));
}

TEST(Lme4Fidelity, CbppBinomialWithCategoricalPeriod) {
  // cbind(incidence, size - incidence) ~ period + (1 | herd), binomial.
  DataSpec spec{"incidence", "herd", {"period"}, "classification"};
  spec.trials = "size";
  spec.categorical = {"period"};
  const auto data = load_clustered_csv(std::string(ARMED_TEST_DATA) + "/cbpp.csv", spec);
  ASSERT_EQ(data.feature_names, (std::vector<std::string>{"period2", "period3", "period4"}));
  const auto model = MixedEffectsModel::fit(mixed_model("classification", "none"), data);
  const auto e = model.effects();
  EXPECT_NEAR(e["fixed_effects"]["(Intercept)"].get<double>(), -1.398343, 0.1);
  EXPECT_NEAR(e["fixed_effects"]["period2"].get<double>(), -0.991925, 0.1);
  EXPECT_NEAR(e["fixed_effects"]["period3"].get<double>(), -1.128216, 0.1);
  EXPECT_NEAR(e["fixed_effects"]["period4"].get<double>(), -1.579745, 0.1);
  expect_relative(e["random_effects_sd"]["(Intercept)"].get<double>(), 0.64207, 0.20, "herd SD");
  // Scored per animal: 842 trials.
  EXPECT_EQ(model.evaluate(data)["overall"]["n"].get<int64_t>(), 842);
}

TEST(Lme4Fidelity, FullBatchOptionsMustFit) {
  auto config = mixed_model("regression", "Days");
  config.validation_fraction = 0.2;
  EXPECT_THROW(config.validate(), Error);
  config = mixed_model("regression", "Days");
  config.no_adversary = false;
  EXPECT_THROW(config.validate(), Error);  // no hidden layer (and no minibatches) for an adversary
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
  // 316 persons crossed with 24 items, binary response: glmer's Laplace fit (../shared/data/README.md).
  const auto model = fit_formula("r2 ~ Anger + Gender + btype + situ + (1|id) + (1|item)", "classification", "verbagg.csv");
  EXPECT_EQ(model.factor_names(), (std::vector<std::string>{"id", "item"}));
  EXPECT_EQ(model.clusters(0).size(), 316);
  EXPECT_EQ(model.clusters(1).size(), 24);
  const auto e = model.effects();
  const std::map<std::string, double> fixed{{"(Intercept)", 0.199288}, {"Anger", 0.057408},     {"GenderM", 0.320603},
                                            {"btypescold", -1.058639}, {"btypeshout", -2.105051}, {"situself", -1.055287}};
  for (const auto& [name, value] : fixed) EXPECT_NEAR(e["fixed_effects"][name].get<double>(), value, 0.02) << name;
  ASSERT_EQ(e["factors"].size(), 2u);
  expect_relative(e["factors"][0]["random_effects_sd"]["(Intercept)"].get<double>(), 1.3395363, 0.05, "SD id");
  expect_relative(e["factors"][1]["random_effects_sd"]["(Intercept)"].get<double>(), 0.4952491, 0.05, "SD item");
  EXPECT_EQ(e["factors"][1]["name"], "item");
  EXPECT_EQ(e["factors"][1]["random_effects"][0]["clusters"].size(), 24u);
}

TEST(Lme4Fidelity, PenicillinCrossedLinearMixedModelWithAnInterceptOnly) {
  // diameter ~ 1 + (1|plate) + (1|sample): 24 plates crossed with 6 samples; lmer, REML = FALSE
  // (../shared/data/reference-fits-crossed.txt).
  const auto model = fit_formula("diameter ~ 1 + (1|plate) + (1|sample)", "regression", "penicillin.csv");
  EXPECT_TRUE(model.feature_names().empty());
  const auto e = model.effects();
  EXPECT_EQ(e["fixed_effects"].size(), 1u);
  expect_relative(e["fixed_effects"]["(Intercept)"].get<double>(), 22.972222, 0.001, "fixed intercept");
  expect_relative(e["factors"][0]["random_effects_sd"]["(Intercept)"].get<double>(), 0.8455725, 0.05, "SD plate");
  expect_relative(e["factors"][1]["random_effects_sd"]["(Intercept)"].get<double>(), 1.7706474, 0.05, "SD sample");
  expect_relative(e["residual_sd"].get<double>(), 0.5499321, 0.05, "residual SD");
}

}  // namespace armed
