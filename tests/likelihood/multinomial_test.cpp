#include "likelihood/multinomial.h"

#include <gtest/gtest.h>

#include <cmath>

#include "armed/error.h"

namespace armed {
namespace {

const Likelihood& multinomial() { return likelihood("multiclass"); }

// [3 rows, 3 classes] logits and their classes.
torch::Tensor logits() { return torch::tensor({{0.5, -1.0, 2.0}, {1.5, 0.0, -0.5}, {-2.0, 1.0, 0.3}}, torch::kFloat64); }
torch::Tensor classes() { return torch::tensor({2.0, 0.0, 1.0}, torch::kFloat64); }

}  // namespace

TEST(MultinomialLikelihood, LossIsMinusTheLogSoftmaxOfTheRowsClass) {
  double expected = 0;
  const auto eta = logits();
  const auto y = classes();
  for (int64_t i = 0; i < 3; ++i) {
    double total = 0;
    for (int64_t k = 0; k < 3; ++k) total += std::exp(eta[i][k].item<double>());
    expected -= eta[i][y[i].item<int64_t>()].item<double>() - std::log(total);
  }
  EXPECT_NEAR(multinomial().nll(eta, y, {}, {}).item<double>(), expected / 3, 1e-12);
  EXPECT_TRUE(torch::allclose(multinomial().mean(eta).sum(1), torch::ones({3}, torch::kFloat64)));
}

// The expected loss is Jensen's bound: the loss itself at zero variance, above a Monte Carlo
// estimate of the expectation with variance, and growing with it.
TEST(MultinomialLikelihood, ExpectedLossBoundsTheMonteCarloExpectation) {
  const auto eta = logits(), y = classes();
  const auto zero = torch::zeros_like(eta), var = torch::full_like(eta, 0.8);
  EXPECT_NEAR(multinomial().expected_nll(eta, zero, y, {}, {}).item<double>(), multinomial().nll(eta, y, {}, {}).item<double>(), 1e-12);
  torch::manual_seed(3);
  const int64_t draws = 20000;
  const auto samples = eta.unsqueeze(0) + var.sqrt().unsqueeze(0) * torch::randn({draws, 3, 3}, torch::kFloat64);
  const auto flat_y = y.repeat({draws});
  const double monte_carlo = multinomial().nll(samples.reshape({-1, 3}), flat_y, {}, {}).item<double>();
  const double bound = multinomial().expected_nll(eta, var, y, {}, {}).item<double>();
  EXPECT_GT(bound, monte_carlo);
  EXPECT_GT(monte_carlo, multinomial().nll(eta, y, {}, {}).item<double>());
  EXPECT_GT(multinomial().expected_nll(eta, var * 2, y, {}, {}).item<double>(), bound);
}

TEST(MultinomialLikelihood, MetricsAndChecks) {
  EXPECT_TRUE(multinomial().one_column_per_class());
  EXPECT_THROW(multinomial().log_density(logits(), classes(), {}), Error);
  EXPECT_NE(multinomial().untrainable(torch::tensor({1.0, 1.0}), {}).find("single class"), std::string::npos);
  EXPECT_TRUE(multinomial().untrainable(classes(), {}).empty());
  // Each row's class has its highest logit: every one-vs-rest AUROC is 1.
  EXPECT_DOUBLE_EQ(multinomial().metric(logits(), classes(), {}, 1.0), 1.0);
  const auto m = multinomial().metrics({0.2, 0.3, 0.5, 0.6, 0.3, 0.1}, {2.0, 1.0});
  EXPECT_DOUBLE_EQ(m.at("accuracy").get<double>(), 0.5);
  EXPECT_NEAR(m.at("log_loss").get<double>(), -(std::log(0.5) + std::log(0.3)) / 2, 1e-12);
}

}  // namespace armed
