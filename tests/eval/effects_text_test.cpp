#include "eval/effects_text.h"

#include <gtest/gtest.h>

namespace armed {
namespace {

TEST(EffectsText, AVariationalFitShowsItsSdsAndSaysWhichAreThePriors) {
  const auto effects = nlohmann::json::parse(R"json({
    "model": "armed", "scale": "logit", "fixed_effects": {"(Intercept)": -1.5, "x": 0.25},
    "factors": [
      {"name": "site", "clusters": ["a", "b", "c"], "random_effects_sd": {"(Intercept)": 0.5},
       "random_effects": [{"name": "(Intercept)", "prior": "learned", "prior_sd": 0.4}]},
      {"name": "rater", "clusters": ["p", "q"],
       "random_effects": [{"name": "(Intercept)", "prior": "fixed", "prior_sd": 0.1}, {"name": "h1", "prior": "fixed", "prior_sd": 0.3}]}]})json");
  const std::string text = effects_text(effects);
  for (const std::string line : {"Model 'armed' (variational fit; link logit)", " site   (Intercept)     0.25      0.5",
                                 " rater  (Intercept)     0.01      0.1", "        h1              0.09      0.3",
                                 "the fixed prior's", "Groups: site, 3; rater, 2", " x               0.25"})
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  EXPECT_EQ(text.find("Std. Error"), std::string::npos);  // no standard errors without an exact fit
}

TEST(EffectsText, AGeneralizedMixedModelReadsLikeGlmers) {
  const auto effects = nlohmann::json::parse(R"json({
    "model": "armed", "scale": "logit", "likelihood": "Laplace", "fixed_effects": {"(Intercept)": -1.4},
    "factors": [{"name": "herd", "clusters": ["1", "2"], "random_effects_sd": {"(Intercept)": 0.64},
                 "random_effects": [{"name": "(Intercept)"}]}],
    "linear_mixed_model": {"method": "ML", "family": "binomial", "nagq": 25, "criterion": 100.0, "aic": 104.0, "bic": 108.0,
                           "log_likelihood": -50.0, "observations": 56,
                           "fixed_effects": [{"name": "(Intercept)", "estimate": -1.4, "se": 0.7, "t": -2.0}]}})json");
  const std::string text = effects_text(effects);
  for (const std::string line : {"Generalized linear mixed model fit by maximum likelihood (Adaptive Gauss-Hermite Quadrature, nAGQ = 25)",
                                 " Family: binomial  ( logit )", "z value", "Pr(>|z|)", "0.0455"})
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  EXPECT_EQ(text.find("Residual"), std::string::npos);
}

TEST(EffectsText, ANetworksExactStageSaysSo) {
  const auto effects = nlohmann::json::parse(R"json({"model": "armed", "scale": "logit", "likelihood": "Laplace",
    "factors": [{"name": "site", "clusters": ["a"], "random_effects_sd": {"(Intercept)": 1.0}, "random_effects": [{"name": "(Intercept)"}]}]})json");
  EXPECT_NE(effects_text(effects).find("random effects by the exact likelihood after training, Laplace"), std::string::npos);
}

}  // namespace
}  // namespace armed
