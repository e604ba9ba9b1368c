#include "lmm/profiled_deviance.h"

#include <gtest/gtest.h>

#include <cmath>

namespace armed {
namespace {

constexpr double kTwoPi = 6.283185307179586;

// 60 rows, a fixed intercept and slope, a correlated intercept and slope per level of g (5 levels)
// crossed with an intercept per level of h (4 levels).
LmmData crossed_data() {
  torch::manual_seed(11);
  const int64_t n = 60;
  LmmData d;
  auto x = torch::randn({n}, torch::kFloat64);
  d.fixed_names = {"(Intercept)", "x"};
  d.x = torch::stack({torch::ones({n}, torch::kFloat64), x}, 1);
  LmmTerm g{"g", {"(Intercept)", "x"}, {"a", "b", "c", "d", "e"}, torch::arange(n, torch::kInt64) % 5,
            torch::stack({torch::ones({n}, torch::kFloat64), x}, 1), true};
  LmmTerm h{"h", {"(Intercept)"}, {"p", "q", "r", "s"}, torch::randint(0, 4, {n}, torch::kInt64), torch::ones({n, 1}, torch::kFloat64), true};
  d.y = 1 + 0.5 * x + torch::randn({5}, torch::kFloat64).index_select(0, g.level) + torch::randn({4}, torch::kFloat64).index_select(0, h.level) +
        0.3 * torch::randn({n}, torch::kFloat64);
  d.terms = {g, h};
  return d;
}

// Z Lambda, dense [n, q], for theta.
torch::Tensor dense_z_lambda(const LmmData& d, const std::vector<double>& theta) {
  std::vector<torch::Tensor> blocks;
  const double* next = theta.data();
  for (const auto& term : d.terms) {
    const int64_t k = term.units(), levels = static_cast<int64_t>(term.levels.size());
    auto z = torch::zeros({d.rows(), levels * k}, torch::kFloat64);
    for (int64_t r = 0; r < d.rows(); ++r) z[r].narrow(0, term.level[r].item<int64_t>() * k, k).copy_(term.covariates[r]);
    auto lambda = torch::kron(torch::eye(levels, torch::kFloat64), term.relative_factor(next));
    next += term.theta_size();
    blocks.push_back(z.mm(lambda));
  }
  return torch::cat(blocks, 1);
}

// The Gaussian -2 log-likelihood (or REML criterion) maximized over beta and sigma by generalized
// least squares with the dense marginal covariance sigma^2 (Z Lambda Lambda' Z' + I).
double dense_deviance(const LmmData& d, const std::vector<double>& theta, bool reml) {
  const auto zl = dense_z_lambda(d, theta);
  const auto v = zl.mm(zl.t()) + torch::eye(d.rows(), torch::kFloat64);
  const auto vinv_x = torch::linalg_solve(v, d.x), vinv_y = torch::linalg_solve(v, d.y);
  const auto xtvx = d.x.t().mm(vinv_x);
  const auto beta = torch::linalg_solve(xtvx, d.x.t().mv(vinv_y));
  const auto r = d.y - d.x.mv(beta);
  const double quad = r.dot(torch::linalg_solve(v, r)).item<double>();
  const auto n = static_cast<double>(d.rows()), p = static_cast<double>(d.x.size(1));
  const double logdet = torch::logdet(v).item<double>();
  if (!reml) return logdet + n * (1 + std::log(kTwoPi * quad / n));
  return logdet + torch::logdet(xtvx).item<double>() + (n - p) * (1 + std::log(kTwoPi * quad / (n - p)));
}

// The crossed data at one theta, and Z Lambda there.
class ProfiledDevianceTest : public ::testing::Test {
 protected:
  const LmmData d = crossed_data();
  const std::vector<double> theta{0.8, 0.3, 0.5, 1.4};
  const torch::Tensor zl = dense_z_lambda(d, theta);
};

TEST_F(ProfiledDevianceTest, EqualsTheDenseMarginalLikelihood) {
  for (bool reml : {false, true}) {
    ProfiledDeviance deviance(d, reml);
    EXPECT_NEAR(deviance(theta), dense_deviance(d, theta, reml), 1e-8) << (reml ? "REML" : "ML");
  }
}

TEST_F(ProfiledDevianceTest, BetaIsGeneralizedLeastSquaresAndModesAreTheConditionalMeans) {
  ProfiledDeviance deviance(d, false);
  deviance(theta);
  const auto v = zl.mm(zl.t()) + torch::eye(d.rows(), torch::kFloat64);
  const auto vinv_x = torch::linalg_solve(v, d.x);
  const auto beta = torch::linalg_solve(d.x.t().mm(vinv_x), vinv_x.t().mv(d.y));
  EXPECT_TRUE(torch::allclose(deviance.beta(), beta, 1e-9, 1e-9));
  // E[u | y] = Lambda' Z' V^-1 (y - X beta) for spherical u.
  EXPECT_TRUE(torch::allclose(deviance.u(), zl.t().mv(torch::linalg_solve(v, d.y - d.x.mv(beta))), 1e-9, 1e-9));
}

TEST_F(ProfiledDevianceTest, ConditionalCovariancesAreTheDenseBlocks) {
  ProfiledDeviance deviance(d, true);
  deviance(theta);
  const int64_t q = zl.size(1);
  // Var(b | y) = sigma^2 Lambda (Lambda' Z' Z Lambda + I)^-1 Lambda', Lambda block-diagonal.
  const auto inverse = torch::inverse(zl.t().mm(zl) + torch::eye(q, torch::kFloat64));
  const auto blocks = deviance.conditional_covariances();
  ASSERT_EQ(blocks.size(), 2u);
  const auto t_g = d.terms[0].relative_factor(theta.data());
  const double s2 = deviance.sigma() * deviance.sigma();
  for (int64_t level = 0; level < 5; ++level) {
    const auto block = s2 * t_g.mm(inverse.narrow(0, 2 * level, 2).narrow(1, 2 * level, 2)).mm(t_g.t());
    EXPECT_TRUE(torch::allclose(blocks[0][level], block, 1e-9, 1e-12)) << level;
  }
  for (int64_t level = 0; level < 4; ++level)
    EXPECT_NEAR(blocks[1][level][0][0].item<double>(), s2 * 1.4 * 1.4 * inverse[10 + level][10 + level].item<double>(), 1e-10);
}

TEST(ProfiledDeviance, RejectsARankDeficientFixedPart) {
  LmmData rank_deficient = crossed_data();
  rank_deficient.fixed_names.push_back("twice x");
  rank_deficient.x = torch::cat({rank_deficient.x, 2 * rank_deficient.x.narrow(1, 1, 1)}, 1);
  try {
    ProfiledDeviance deviance(rank_deficient, false);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("'twice x'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace armed
