#include "lmm/linear_mixed_model.h"

#include <gtest/gtest.h>

#include "armed/error.h"

namespace armed {
namespace {

// 40 rows, an intercept and x, a random intercept per level of g (8 levels).
LmmData one_factor() {
  torch::manual_seed(5);
  const int64_t n = 40;
  LmmData d;
  const auto x = torch::randn({n}, torch::kFloat64);
  const auto level = torch::arange(n, torch::kInt64) % 8;
  d.fixed_names = {"(Intercept)", "x"};
  d.x = torch::stack({torch::ones({n}, torch::kFloat64), x}, 1);
  d.terms = {{"g", {"(Intercept)"}, {"a", "b", "c", "d", "e", "f", "g", "h"}, level, torch::ones({n, 1}, torch::kFloat64), true}};
  d.y = 2 + x + torch::randn({8}, torch::kFloat64).index_select(0, level) + 0.5 * torch::randn({n}, torch::kFloat64);
  return d;
}

TEST(LinearMixedModelFit, RemlWidensTheVarianceEstimates) {
  const LmmData d = one_factor();
  const LmmFit ml = fit_linear_mixed_model(d, false), reml = fit_linear_mixed_model(d, true);
  EXPECT_TRUE(ml.converged);
  EXPECT_GT(reml.terms[0].covariance.item<double>(), ml.terms[0].covariance.item<double>());
  EXPECT_GT(reml.sigma, ml.sigma);
  EXPECT_EQ(ml.parameters(), 4);  // two fixed effects, theta, sigma
  EXPECT_NEAR(ml.aic(), -2 * ml.log_likelihood() + 8, 1e-9);
}

TEST(LinearMixedModelFit, JsonRoundTripKeepsEverything) {
  const LmmFit fit = fit_linear_mixed_model(one_factor(), true);
  const LmmFit back = LmmFit::from_json(fit.to_json());
  EXPECT_EQ(back.to_json(), fit.to_json());
  EXPECT_TRUE(torch::allclose(back.terms[0].conditional_covariance, fit.terms[0].conditional_covariance));
  auto broken = fit.to_json();
  broken["random_effects"][0]["levels"].erase(0);
  EXPECT_THROW(LmmFit::from_json(broken), Error);
}

}  // namespace
}  // namespace armed
