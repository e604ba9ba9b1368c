#include "lmm/laplace_deviance.h"

#include <gtest/gtest.h>

#include <cmath>

#include "armed/error.h"
#include "likelihood/likelihood.h"

namespace armed {
namespace {

// Binomial counts out of 5 trials: 6 levels of g with 4 rows each, a fixed intercept and slope.
GlmmInput binomial_data(const std::string& task = "classification") {
  torch::manual_seed(5);
  const int64_t n = 24;
  GlmmInput d;
  auto x = torch::randn({n}, torch::kFloat64);
  d.design.fixed_names = {"(Intercept)", "x"};
  d.design.x = torch::stack({torch::ones({n}, torch::kFloat64), x}, 1);
  LmmTerm g{"g", {"(Intercept)"}, {"a", "b", "c", "d", "e", "f"}, torch::arange(n, torch::kInt64) % 6, torch::ones({n, 1}, torch::kFloat64), true};
  const auto eta = -0.3 + 0.8 * x + 1.5 * torch::randn({6}, torch::kFloat64).index_select(0, g.level);
  d.trials = torch::full({n}, 5.0, torch::kFloat64);
  d.design.y = task == "count" ? torch::poisson(eta.exp()) : torch::binomial(d.trials, torch::sigmoid(eta));
  d.design.terms = {g};
  d.family = &likelihood(task);
  return d;
}

// -2 log of the marginal likelihood, prod over levels of the integral of p(y_l | u) N(u; 0, 1) du
// with b = theta u, by the trapezoid rule on a fine grid.
double brute_force_deviance(const GlmmInput& d, double theta, const torch::Tensor& beta) {
  const LmmTerm& term = d.design.terms[0];
  const auto u = torch::linspace(-12, 12, 24001, torch::kFloat64);
  const double du = 24.0 / 24000;
  double total = 0;
  for (int64_t level = 0; level < static_cast<int64_t>(term.levels.size()); ++level) {
    const auto rows = (term.level == level).nonzero().flatten();
    const auto eta = d.design.x.index_select(0, rows).mv(beta).unsqueeze(1) + theta * u.unsqueeze(0);  // [rows, grid]
    const auto y = d.design.y.index_select(0, rows).unsqueeze(1).expand_as(eta), t = d.trials.index_select(0, rows).unsqueeze(1).expand_as(eta);
    const auto log_p = (d.family->log_density(eta.reshape(-1), y.reshape(-1), t.reshape(-1)).value +
                        d.family->log_density_constant(y.reshape(-1), t.reshape(-1)))
                           .view(eta.sizes())
                           .sum(0);
    const auto integrand = (log_p - u.square() / 2).exp() / std::sqrt(6.283185307179586);
    total += -2 * std::log((integrand.sum() - (integrand[0] + integrand[-1]) / 2).item<double>() * du);
  }
  return total;
}

}  // namespace

TEST(LaplaceDeviance, QuadratureConvergesToTheExactMarginalLikelihood) {
  for (const char* task : {"classification", "count"}) {
    const GlmmInput d = binomial_data(task);
    const auto beta = torch::tensor({-0.2, 0.7}, torch::kFloat64);
    const double exact = brute_force_deviance(d, 1.3, beta);
    LaplaceDeviance laplace(d, 1), quadrature(d, 25);
    const double l = laplace({1.3}, beta), q = quadrature({1.3}, beta);
    EXPECT_NEAR(q, exact, 1e-6) << task;
    // Laplace's approximation is close but not exact with 4 rows per level.
    EXPECT_GT(std::abs(l - exact), 1e-4) << task;
    EXPECT_LT(std::abs(l - exact), 1.0) << task;
  }
}

TEST(LaplaceDeviance, QuadratureCentresOnLaplacesModesAndImprovesWithNodes) {
  const GlmmInput d = binomial_data();
  const auto beta = torch::tensor({0.1, 0.4}, torch::kFloat64);
  const double exact = brute_force_deviance(d, 0.8, beta);
  LaplaceDeviance laplace(d, 1), three(d, 3), nine(d, 9);
  const double l = laplace({0.8}, beta), q3 = three({0.8}, beta), q9 = nine({0.8}, beta);
  EXPECT_TRUE(torch::allclose(laplace.u(), three.u(), 1e-9, 1e-12));
  EXPECT_LT(std::abs(q3 - exact), std::abs(l - exact));
  EXPECT_LT(std::abs(q9 - exact), std::abs(q3 - exact));
}

TEST(LaplaceDeviance, ModesMaximizeThePenalizedLikelihood) {
  // At the modes the gradient of sum log p(y | eta) - |u|^2 / 2 in u vanishes; with beta in PIRLS
  // also its gradient in beta.
  const GlmmInput d = binomial_data();
  LaplaceDeviance deviance(d, 1);
  deviance.with_beta_modes({1.1});
  auto u = deviance.u().clone().requires_grad_(true);
  auto beta = deviance.beta().clone().requires_grad_(true);
  const LmmTerm& term = d.design.terms[0];
  const auto eta = d.design.x.mv(beta) + 1.1 * u.index_select(0, term.level);
  const auto objective = d.family->log_density(eta, d.design.y, d.trials).value.sum() - u.square().sum() / 2;
  const auto grads = torch::autograd::grad({objective}, {u, beta});
  EXPECT_LT(grads[0].abs().max().item<double>(), 1e-6);
  EXPECT_LT(grads[1].abs().max().item<double>(), 1e-6);
}

TEST(LaplaceDeviance, QuadratureNeedsOneScalarTerm) {
  GlmmInput d = binomial_data();
  d.design.terms[0].names = {"(Intercept)", "x"};
  d.design.terms[0].covariates = d.design.x.clone();
  try {
    LaplaceDeviance deviance(d, 5);
    FAIL() << "accepted quadrature over a vector random effect";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--nagq 5"), std::string::npos) << e.what();
  }
}

}  // namespace armed
