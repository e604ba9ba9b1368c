#include <gtest/gtest.h>

#include "models/formula_model.h"

#include "armed/config.h"
#include "armed/data/clustered_data.h"
#include "armed/error.h"
#include "armed/formula.h"
#include "armed/model.h"

namespace armed {
namespace {

std::string apply_error(const std::string& formula, bool network = false) {
  ModelConfig config;
  DataSpec spec;
  try {
    apply_formula(parse_formula(formula), network, config, spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// The model the flags of docs/formulas-and-lme4.md ("Formula syntax") describe, fitted from the same data.
nlohmann::json fit_effects(ModelConfig config, const DataSpec& spec) {
  const auto data = load_clustered_csv(std::string(ARMED_TEST_DATA) + "/" + (spec.target == "Reaction" ? "sleepstudy.csv" : "cbpp.csv"), spec);
  auto effects = MixedEffectsModel::fit(config, data).effects();
  effects.erase("formula");
  return effects;
}

}  // namespace

TEST(FormulaModel, WithoutANetworkTheFormulaIsTheLinearMixedModel) {
  ModelConfig config;
  config.task = "regression";
  DataSpec spec;
  apply_formula(parse_formula("Reaction ~ Days + (Days | Subject)"), /*network=*/false, config, spec);
  EXPECT_EQ(spec.target, "Reaction");
  EXPECT_EQ(spec.cluster, "Subject");
  EXPECT_EQ(spec.features, (std::vector<std::string>{"Days"}));
  EXPECT_EQ(config.model, "armed");
  EXPECT_EQ(config.fe, "linear");
  EXPECT_EQ(config.random_slopes, "Days");
  EXPECT_EQ(config.re_covariance, "full");
  EXPECT_EQ(config.optimizer, "lbfgs");
  EXPECT_EQ(config.formula, "Reaction ~ Days + (Days | Subject)");
  spec.task = config.task;

  // The same fit as the flags: --model armed --fe linear --no-adversary --random-slopes Days
  // --re-prior learned --re-covariance full --elbo --optimizer lbfgs --weight-fixed 0.
  ModelConfig flags;
  flags.task = "regression";
  flags.model = "armed";
  flags.fe = "linear";
  flags.no_adversary = true;
  flags.random_slopes = "Days";
  flags.re_prior = "learned";
  flags.re_covariance = "full";
  flags.elbo = true;
  flags.optimizer = "lbfgs";
  flags.weight_fixed = 0;
  EXPECT_EQ(fit_effects(config, spec), fit_effects(flags, {"Reaction", "Subject", {"Days"}, "regression"}));
}

TEST(FormulaModel, BinomialCountsAndFactors) {
  ModelConfig config;
  DataSpec spec;
  apply_formula(parse_formula("cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)"), false, config, spec);
  EXPECT_EQ(spec.target, "incidence");
  EXPECT_EQ(spec.trials, "size");
  EXPECT_EQ(spec.categorical, (std::vector<std::string>{"period"}));
  EXPECT_EQ(config.random_slopes, "none");
  EXPECT_EQ(config.re_covariance, "diagonal");
  spec.task = config.task;
  const auto effects = fit_effects(config, spec);
  EXPECT_NEAR(effects["random_effects_sd"]["(Intercept)"].get<double>(), 0.642, 0.01);  // glmer: 0.64207
}

TEST(FormulaModel, WithANetworkTheFixedPartNamesItsInputs) {
  ModelConfig config;
  config.model = "armed";
  DataSpec spec;
  apply_formula(parse_formula("y ~ . + (1 + hidden | cluster)"), /*network=*/true, config, spec);
  EXPECT_TRUE(spec.features.empty());  // every other column
  EXPECT_EQ(config.random_slopes, "hidden");
  EXPECT_EQ(config.fe, "mlp");
  EXPECT_FALSE(config.no_adversary);
}

// Crossed and nested factors, each with its own terms; the flags' shorthand takes the first's.
TEST(FormulaModel, SeveralGroupingFactorsEachKeepTheirOwnTerms) {
  ModelConfig config;
  DataSpec spec;
  apply_formula(parse_formula("y ~ x + z + (1 + x | site) + (1 | rater) + (1 | school/class)"), /*network=*/false, config, spec);
  EXPECT_EQ(spec.cluster, "site,rater,school,school:class");
  EXPECT_EQ(config.random_slopes, "x");
  EXPECT_EQ(config.re_covariance, "full");
  const auto terms = factor_random_effects(config, {"site", "rater", "school", "school:class"});
  ASSERT_EQ(terms.size(), 4u);
  EXPECT_EQ(terms[0].slopes, "x");
  EXPECT_EQ(terms[0].covariance, "full");
  for (size_t f = 1; f < 4; ++f) {
    EXPECT_EQ(terms[f].slopes, "none");
    EXPECT_EQ(terms[f].covariance, "diagonal");
  }
  EXPECT_THROW(factor_random_effects(config, {"site", "rater"}), Error);
  EXPECT_THROW(factor_random_effects(config, {"rater", "site", "school", "school:class"}), Error);
  // Without a formula the flags describe every factor.
  ModelConfig flags;
  flags.random_slopes = "none";
  const auto same = factor_random_effects(flags, {"a", "b"});
  ASSERT_EQ(same.size(), 2u);
  EXPECT_EQ(same[1].slopes, "none");
}

TEST(FormulaModel, AnInterceptOnlyFixedPartHasNoFeatures) {
  ModelConfig config;
  DataSpec spec;
  apply_formula(parse_formula("y ~ 1 + (1 | a/b)"), /*network=*/false, config, spec);
  EXPECT_TRUE(spec.no_features);
  EXPECT_TRUE(spec.features.empty());
  EXPECT_EQ(spec.cluster, "a,a:b");
  apply_formula(parse_formula("y ~ x + (1 | a)"), /*network=*/false, config, spec);
  EXPECT_FALSE(spec.no_features);
}

// y ~ 0 + x: the fixed part passes through the origin on the original scale, which centring the
// feature or the target would break; with the intercept the same data puts it near 5.
TEST(FormulaModel, ZeroPlusFitsWithoutAnIntercept) {
  torch::manual_seed(3);
  ClusteredData data;
  const int64_t n = 200;
  data.feature_names = data.feature_columns = {"x"};
  data.x = 1 + torch::rand({n, 1});
  data.y = 5 + 3 * data.x.squeeze(1) + 0.1 * torch::randn({n});
  data.factors = {{"g", {}}};
  for (int64_t i = 0; i < n; ++i) data.factors[0].labels.push_back(i % 2 ? "a" : "b");
  ClusteredData origin = data;
  origin.x = torch::zeros({n, 1});
  for (const bool intercept : {false, true}) {
    ModelConfig config;
    DataSpec spec;
    config.task = "regression";
    apply_formula(parse_formula(intercept ? "y ~ x + (1 | g)" : "y ~ 0 + x + (1 | g)"), /*network=*/false, config, spec);
    EXPECT_EQ(config.no_intercept, !intercept);
    const auto model = MixedEffectsModel::fit(config, data);
    EXPECT_EQ(model.effects()["fixed_effects"].contains("(Intercept)"), intercept);
    const double at_origin = model.predict(origin, PredictMode::fixed).value[0];
    if (intercept) EXPECT_NEAR(at_origin, 5.0, 0.5);
    else EXPECT_NEAR(at_origin, 0.0, 1e-5);
  }
}

TEST(FormulaModel, WhatArmedDoesNotFitYetIsAnError) {
  EXPECT_NE(apply_error("y ~ x + (1 | a) + (0 + x | a)").find("'a' has two random-effect terms"), std::string::npos);
  EXPECT_NE(apply_error("y ~ x").find("no random-effect term"), std::string::npos);
  EXPECT_NE(apply_error("y ~ 0 + x + (1 | g)", /*network=*/true).find("a network has its own biases"), std::string::npos);
  EXPECT_NE(apply_error("y ~ 0 + (1 | g)").find("no fixed part at all"), std::string::npos);
  EXPECT_NE(apply_error("y ~ x + (0 + x | g)").find("always have an intercept"), std::string::npos);
  EXPECT_NE(apply_error("y ~ x + (1 + hidden | g)").find("need a network"), std::string::npos);
  EXPECT_NE(apply_error("y ~ x + (1 + x | g)", /*network=*/true).find("has no random slopes"), std::string::npos);
  EXPECT_NE(apply_error("y ~ 1 + (1 | g)", /*network=*/true).find("a network needs inputs"), std::string::npos);
  EXPECT_EQ(apply_error("y ~ x + (1 + x | g)").find('\n'), std::string::npos);
}

}  // namespace armed
