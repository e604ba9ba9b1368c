#include "lmm/multinomial_intercepts.h"

#include <gtest/gtest.h>

#include <cmath>

#include "armed/data/csv.h"

namespace armed {

// Two classes are a binomial model of their logit difference, whose random intercept has variance
// sigma_0^2 + sigma_1^2 (the common part integrates out exactly). On cbpp, one Bernoulli row per
// animal and glmer's Laplace fixed part as the logits, the fit is glmer's (lme4 1.1-31: SD herd
// 0.6420699, logLik -92.02657 with the binomial coefficients), at shift 0 and scale 1.
TEST(MultinomialIntercepts, TwoClassesAreGlmersBinomialFit) {
  const CsvTable t = read_csv(std::string(ARMED_TEST_DATA) + "/cbpp.csv");
  const size_t herd = t.column("herd"), incidence = t.column("incidence"), size = t.column("size"), period = t.column("period");
  const double beta[] = {-1.398343, -0.991925, -1.128216, -1.579745};  // (Intercept), period2..4
  std::vector<double> logit;
  std::vector<int64_t> y, level;
  double coefficients = 0;  // sum of log C(size, incidence): Bernoulli rows leave them out
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto n = static_cast<int64_t>(t.number(r, size)), k = static_cast<int64_t>(t.number(r, incidence));
    const auto p = static_cast<int64_t>(t.number(r, period));
    coefficients += std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0);
    for (int64_t i = 0; i < n; ++i) {
      logit.push_back(beta[0] + (p > 1 ? beta[p - 1] : 0.0));
      y.push_back(i < k ? 1 : 0);
      level.push_back(std::stoi(t.rows[r][herd]) - 1);
    }
  }
  const auto n = static_cast<int64_t>(logit.size());
  const auto eta = torch::stack({torch::zeros({n}, torch::kFloat64), torch::tensor(logit, torch::kFloat64)}, 1);
  const auto fit = fit_multinomial_intercepts(eta, torch::tensor(y), torch::tensor(level), 15, 0.5);
  EXPECT_TRUE(fit.converged);
  EXPECT_NEAR(std::sqrt(fit.variance.sum().item<double>()), 0.6420699, 0.01 * 0.6420699);
  EXPECT_NEAR(fit.shift[1].item<double>(), 0.0, 2e-3);
  EXPECT_NEAR(fit.scale, 1.0, 2e-3);
  EXPECT_NEAR(-fit.deviance / 2 + coefficients, -92.02657, 1e-2);
  // Each herd's mode of the difference is glmer's conditional mode of its intercept (ranef: herds
  // 1, 5 and 15 below).
  ASSERT_EQ(fit.modes.sizes(), (std::vector<int64_t>{15, 2}));
  const auto difference = fit.modes.select(1, 1) - fit.modes.select(1, 0);
  const std::pair<int64_t, double> ranef[] = {{0, 0.589629436}, {4, -0.190285288}, {14, -0.530602999}};
  for (const auto& [h, mode] : ranef) EXPECT_NEAR(difference[h].item<double>(), mode, 5e-3) << "herd " << h + 1;
  EXPECT_EQ(fit.conditional_covariance.sizes(), (std::vector<int64_t>{15, 2, 2}));
}

}  // namespace armed
