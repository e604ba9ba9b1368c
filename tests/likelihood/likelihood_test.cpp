#include "likelihood/likelihood.h"

#include <gtest/gtest.h>

#include "armed/error.h"
#include "random.h"

namespace armed {

TEST(Likelihood, TasksNameTheFamilies) {
  EXPECT_STREQ(likelihood("classification").task(), "classification");
  EXPECT_STREQ(likelihood("regression").task(), "regression");
  EXPECT_STREQ(likelihood("count").family(), "poisson");
  EXPECT_STREQ(likelihood("multiclass").family(), "multinomial");
  EXPECT_EQ(likelihood_tasks(), "classification, regression, count, multiclass");
  EXPECT_THROW(likelihood("poisson"), Error);
}

// With no posterior variance the expected loss is the loss itself.
TEST(Likelihood, ExpectedLossAtZeroVarianceIsTheLoss) {
  const auto eta = torch::tensor({-1.5, 0.2, 2.0}, torch::kFloat64), zero = torch::zeros({3}, torch::kFloat64);
  const auto log_sd = torch::tensor(0.3, torch::kFloat64);
  for (const char* task : {"classification", "regression", "count"}) {
    const Likelihood& l = likelihood(task);
    const auto y = torch::tensor({0.0, 1.0, 1.0}, torch::kFloat64);
    EXPECT_NEAR(l.expected_nll(eta, zero, y, {}, log_sd).item<double>(), l.nll(eta, y, {}, log_sd).item<double>(), 1e-10) << task;
    // Posterior spread costs: the expected loss exceeds the loss at the mean (Jensen).
    EXPECT_GT(l.expected_nll(eta, zero + 0.5, y, {}, log_sd).item<double>(), l.nll(eta, y, {}, log_sd).item<double>()) << task;
  }
}

// The exact likelihood's log-density: its derivatives are autograd's, and with its constant it is a
// normalized density (binomial: sums to 1 over 0..t; Poisson: to 1 over the counts).
TEST(Likelihood, LogDensityIsNormalizedAndItsDerivativesAreAutograds) {
  const auto eta = torch::tensor({-1.2, 0.3, 1.7}, torch::kFloat64);
  const std::vector<std::pair<const char*, torch::Tensor>> cases{{"classification", torch::tensor({2.0, 0.0, 5.0}, torch::kFloat64)},
                                                                 {"count", torch::tensor({0.0, 3.0, 7.0}, torch::kFloat64)}};
  const auto trials = torch::tensor({4.0, 1.0, 6.0}, torch::kFloat64);
  for (const auto& [task, y] : cases) {
    const Likelihood& l = likelihood(task);
    auto e = eta.clone().requires_grad_(true);
    const LogDensity d = l.log_density(e, y, trials);
    const auto gradient = torch::autograd::grad({d.value.sum()}, {e}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
    EXPECT_TRUE(torch::allclose(gradient, d.gradient, 1e-10, 1e-12)) << task;
    for (int64_t i = 0; i < 3; ++i) {
      const auto second = torch::autograd::grad({gradient[i]}, {e}, {}, /*retain_graph=*/true)[0];
      EXPECT_NEAR(-second[i].item<double>(), d.weight[i].item<double>(), 1e-10) << task;
    }
  }
  const auto outcomes = torch::arange(0, 60, torch::kFloat64);
  for (int64_t i = 0; i < 3; ++i) {
    const auto e = eta[i].expand({60});
    const Likelihood& poisson = likelihood("count");
    EXPECT_NEAR((poisson.log_density(e, outcomes, {}).value + poisson.log_density_constant(outcomes, {})).exp().sum().item<double>(), 1.0, 1e-12);
    const auto k = torch::arange(0, 7, torch::kFloat64), six = torch::full({7}, 6.0, torch::kFloat64);
    const Likelihood& binomial = likelihood("classification");
    EXPECT_NEAR((binomial.log_density(eta[i].expand({7}), k, six).value + binomial.log_density_constant(k, six)).exp().sum().item<double>(), 1.0,
                1e-12);
  }
}

TEST(Likelihood, PoissonChecksCounts) {
  const Likelihood& l = likelihood("count");
  EXPECT_EQ(l.invalid_target(3.0, 0, ""), "");
  EXPECT_NE(l.invalid_target(-1.0, 0, ""), "");
  EXPECT_NE(l.invalid_target(2.5, 0, ""), "");
  EXPECT_NE(l.untrainable(torch::zeros({4}), {}), "");
  EXPECT_EQ(l.untrainable(torch::tensor({0.0, 2.0}), {}), "");
  // Mean deviance is 0 at a perfect fit and grows with the miss.
  const auto m = l.metrics({1.0, 2.0, 4.0}, {1.0, 2.0, 4.0});
  EXPECT_NEAR(m["deviance"].get<double>(), 0.0, 1e-12);
  EXPECT_GT(l.metrics({2.0, 2.0, 2.0}, {1.0, 2.0, 4.0})["deviance"].get<double>(), 0.1);
}

TEST(Likelihood, BinomialChecksTargetsAndClasses) {
  const Likelihood& l = likelihood("classification");
  EXPECT_EQ(l.invalid_target(1, 0, ""), "");
  EXPECT_EQ(l.invalid_target(2, 0, ""), "is not 0 or 1 (classification needs a 0/1 target)");
  EXPECT_EQ(l.invalid_target(3, 5, "n (5)"), "");
  EXPECT_EQ(l.invalid_target(6, 5, "n (5)"), "is not a count of successes between 0 and n (5)");
  EXPECT_EQ(l.invalid_target(2.5, 5, "n (5)"), "is not a count of successes between 0 and n (5)");
  EXPECT_NE(l.untrainable(torch::zeros({4}), {}), "");
  EXPECT_EQ(l.untrainable(torch::tensor({0.f, 1.f}), {}), "");
  EXPECT_NE(l.untrainable(torch::tensor({2.f, 3.f}), torch::tensor({2.f, 3.f})), "");  // every trial a success
  EXPECT_NEAR(l.mean(torch::zeros({1})).item<double>(), 0.5, 1e-7);
  EXPECT_FLOAT_EQ(l.score({{"auroc", 0.8}, {"rmse", 0.1}}), 0.8);
}

TEST(Likelihood, GaussianTakesAnyTargetAndScoresByRmse) {
  const Likelihood& l = likelihood("regression");
  EXPECT_EQ(l.invalid_target(-3.7, 0, ""), "");
  EXPECT_EQ(l.untrainable(torch::zeros({4}), {}), "");
  EXPECT_TRUE(l.has_residual_sd());
  EXPECT_FALSE(l.takes_trials());
  EXPECT_FLOAT_EQ(l.score({{"auroc", 0.8}, {"rmse", 0.1}}), -0.1);
  // RMSE on the target's units: standardized errors of 0.5 at scale 10.
  EXPECT_NEAR(l.metric(torch::tensor({1.0, 2.0}), torch::tensor({1.5, 1.5}), {}, 10.0), 5.0, 1e-9);
}

// What the simulators draw follows each family: draws average to the family's mean(eta), and the
// multinomial's class shares to the softmax.
TEST(Likelihood, DrawsFollowTheFamilysMean) {
  Rng rng(5);
  const int n = 20000;
  for (const char* task : {"classification", "regression", "count"}) {
    for (const double eta : {-0.7, 1.2, 4.0}) {  // a count's mean of e^4 = 54.6 takes the large-mean draw
      double sum = 0;
      for (int i = 0; i < n; ++i) sum += likelihood(task).draw({eta}, 0.5, rng);
      const double mean = likelihood(task).mean(torch::tensor({eta}, torch::kFloat64)).item<double>();
      EXPECT_NEAR(sum / n, mean, 0.03 * std::max(1.0, std::sqrt(mean))) << task << " at eta " << eta;
    }
  }
  const std::vector<double> eta{0.0, 1.0, -1.0};
  std::vector<double> share(3, 0.0);
  for (int i = 0; i < n; ++i) share[static_cast<size_t>(likelihood("multiclass").draw(eta, 0, rng))] += 1.0 / n;
  const double total = 1 + std::exp(1.0) + std::exp(-1.0);
  EXPECT_NEAR(share[0], 1 / total, 0.01);
  EXPECT_NEAR(share[1], std::exp(1.0) / total, 0.01);
  EXPECT_NEAR(share[2], std::exp(-1.0) / total, 0.01);
}

}  // namespace armed
