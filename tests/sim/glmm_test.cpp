#include "armed/sim/glmm.h"

#include <gtest/gtest.h>

#include <set>

#include "armed/error.h"
#include "test_util.h"

namespace armed {

TEST(Glmm, FixedEffectRandomInterceptsAndCrossedFactors) {
  GlmmOptions o;
  o.rows = 20000;
  o.features = 3;
  o.clusters = {50, 20};
  o.variances = {4.0, 0.25};
  o.task = "regression";
  o.noise = 0.1;
  const GlmmData sim = simulate_glmm(o);
  ASSERT_EQ(sim.data.rows(), 20000);
  ASSERT_EQ(sim.data.factors.size(), 2u);
  EXPECT_EQ(sim.data.factors[0].name, "cluster1");
  EXPECT_EQ(sim.data.factors[1].name, "cluster2");
  // y - f - b1 - b2 is the noise alone.
  const auto x = sim.data.x.accessor<float, 2>();
  double sum_sq = 0, max_eta_error = 0;
  std::set<std::string> seen;
  for (int64_t i = 0; i < sim.data.rows(); ++i) {
    const double e = 1 + x[i][0] + x[i][1] + x[i][2];
    const double f = e * std::cos(e) + 2 * x[i][0] * x[i][1];
    const double b = sim.effects[0][std::stoi(sim.data.factors[0].labels[i])] + sim.effects[1][std::stoi(sim.data.factors[1].labels[i])];
    const double r = sim.data.y[i].item<double>() - f - b;
    max_eta_error = std::max(max_eta_error, std::abs(sim.eta[i].item<double>() - f - b));
    sum_sq += r * r;
    seen.insert(sim.data.factors[0].labels[i] + "/" + sim.data.factors[1].labels[i]);
  }
  EXPECT_NEAR(std::sqrt(sum_sq / 20000), 0.1, 0.01);
  EXPECT_LT(max_eta_error, 1e-5);  // the features are stored as float
  EXPECT_GT(seen.size(), 500u);  // crossed: most of the 1000 combinations occur
  auto variance = [](const std::vector<double>& v) {
    double m = 0, s = 0;
    for (double b : v) m += b / v.size();
    for (double b : v) s += (b - m) * (b - m) / (v.size() - 1);
    return s;
  };
  EXPECT_NEAR(variance(sim.effects[0]), 4.0, 1.6);
  EXPECT_NEAR(variance(sim.effects[1]), 0.25, 0.15);
  EXPECT_EQ(truth_to_json(o, sim)["factors"][1]["variance"], 0.25);
}

TEST(Glmm, BinaryTargetsSameSeedSameDataAndBadOptions) {
  GlmmOptions o;
  o.rows = 500;
  const auto a = simulate_glmm(o), b = simulate_glmm(o);
  EXPECT_TRUE(torch::equal(a.data.x, b.data.x));
  EXPECT_TRUE(torch::equal(a.data.y, b.data.y));
  EXPECT_TRUE(((a.data.y == 0) | (a.data.y == 1)).all().item<bool>());
  ASSERT_EQ(a.data.factors.size(), 1u);
  EXPECT_EQ(a.data.factors[0].name, "cluster");
  o.task = "count";
  const auto counts = simulate_glmm(o);
  EXPECT_TRUE((counts.data.y >= 0).all().item<bool>() && torch::equal(counts.data.y, counts.data.y.round()));
  EXPECT_GT(counts.data.y.max().item<float>(), 1);
  o.task = "poisson";
  EXPECT_THROW(simulate_glmm(o), Error);
  o.task = "classification";
  o.clusters = {10, 1};
  EXPECT_THROW(simulate_glmm(o), Error);
  o.clusters = {10, 10};
  o.variances = {1, 2, 3};
  EXPECT_THROW(simulate_glmm(o), Error);
}

}  // namespace armed
