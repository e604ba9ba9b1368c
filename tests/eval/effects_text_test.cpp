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

}  // namespace
}  // namespace armed
