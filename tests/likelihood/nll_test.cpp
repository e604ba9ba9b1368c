#include "likelihood/nll.h"

#include <gtest/gtest.h>

#include <cmath>

namespace armed {
namespace {

void expect_close(const torch::Tensor& a, const torch::Tensor& b) { EXPECT_TRUE(torch::allclose(a, b, 1e-10, 1e-12)) << a << b; }

}  // namespace

TEST(Nll, BinomialIsTheComposedFormulaWithAndWithoutTrials) {
  torch::manual_seed(5);
  const auto eta = (5 * torch::randn({11}, torch::kFloat64)).requires_grad_();
  eta.data()[0] = 30.0;  // beyond softplus' linear threshold
  const auto trials = torch::randint(1, 6, {11}, torch::kFloat64);
  const auto y = torch::floor(torch::rand({11}, torch::kFloat64) * (trials + 1));
  for (bool binomial : {false, true}) {
    const auto t = binomial ? trials : torch::Tensor();
    const auto yy = binomial ? y : (y > 1).to(torch::kFloat64);
    const auto fused = binomial_nll(eta, yy, t);
    const auto sp = torch::nn::functional::softplus(eta);
    const auto expected = ((binomial ? trials * sp : sp) - yy * eta).mean();
    expect_close(fused, expected);
    expect_close(torch::autograd::grad({fused}, {eta})[0], torch::autograd::grad({expected}, {eta})[0]);
  }
}

TEST(Nll, GaussianIsTheComposedFormula) {
  torch::manual_seed(6);
  const auto eta = torch::randn({13}, torch::kFloat64).requires_grad_();
  const auto y = torch::randn({13}, torch::kFloat64);
  const auto log_sd = torch::tensor(-0.3, torch::kFloat64).requires_grad_();
  const auto fused = gaussian_nll(eta, y, log_sd);
  const auto expected = (log_sd + 0.5 * std::log(2 * M_PI) + (y - eta).square() / (2 * torch::exp(2 * log_sd))).mean();
  expect_close(fused, expected);
  const auto a = torch::autograd::grad({fused}, {eta, log_sd}), b = torch::autograd::grad({expected}, {eta, log_sd});
  expect_close(a[0], b[0]);
  expect_close(a[1], b[1]);
}

}  // namespace armed
