#include "armed/sim/spiral.h"

#include <gtest/gtest.h>

#include "armed/error.h"

namespace armed {

TEST(Spiral, RecoversPerClusterRadiiFromThePoints) {
  SpiralOptions o;
  o.points_per_cluster = 4000;
  o.noise = 0.0;
  const SpiralData s = simulate_spiral(o);
  ASSERT_EQ(s.data.rows(), 40000);
  ASSERT_EQ(s.truth.size(), 10u);
  // Without noise a point lies at distance r * t / t_max with t uniform, so 2 * mean distance = r.
  auto dist = s.data.x.norm(2, 1);
  double spread = 0.0;
  for (int64_t c = 0; c < 10; ++c) {
    const double estimate = 2.0 * dist.narrow(0, c * 4000, 4000).mean().item<double>();
    EXPECT_NEAR(estimate, s.truth[c].radius, 0.03 * s.truth[c].radius) << "cluster " << c;
    spread += std::abs(s.truth[c].radius - 1.0);
  }
  EXPECT_GT(spread / 10, 0.05);  // radii do vary between clusters (SD 0.3)
}

TEST(Spiral, BalancedClassesAndTwoArms) {
  const SpiralData s = simulate_spiral(SpiralOptions{});
  EXPECT_DOUBLE_EQ(s.data.y.mean().item<double>(), 0.5);
  EXPECT_EQ(s.data.feature_names, (std::vector<std::string>{"x1", "x2"}));
  EXPECT_EQ(s.data.clusters().front(), "0");
  EXPECT_EQ(s.data.clusters().back(), "9");
}

TEST(Spiral, SlopeVariantScalesSecondFeature) {
  SpiralOptions o;
  o.variant = "slope";
  o.noise = 0.0;
  o.points_per_cluster = 4000;
  const SpiralData s = simulate_spiral(o);
  for (int64_t c = 0; c < 10; ++c) {
    auto x = s.data.x.narrow(0, c * 4000, 4000);
    // x1 and x2 have the same spread before x2 is divided by (1 + slope).
    const double ratio = x.select(1, 0).abs().mean().item<double>() / x.select(1, 1).abs().mean().item<double>();
    EXPECT_NEAR(ratio, 1.0 + s.truth[c].slope, 0.06) << "cluster " << c;
    EXPECT_DOUBLE_EQ(s.truth[c].radius, 1.0);
  }
}

TEST(Spiral, ConfoundingSetsClassRatiosAndConfounders) {
  SpiralOptions o;
  o.confounders = 2;
  o.confound_sd = 0.25;
  const SpiralData s = simulate_spiral(o);
  EXPECT_EQ(s.data.feature_names, (std::vector<std::string>{"x1", "x2", "conf1", "conf2"}));
  double ratio_spread = 0.0;
  for (int64_t c = 0; c < 10; ++c) {
    const double ratio = s.truth[c].class_ratio;
    EXPECT_GE(ratio, 0.1);
    EXPECT_LE(ratio, 0.9);
    auto rows = torch::arange(c * 1000, (c + 1) * 1000);
    const double class0 = 1000.0 - s.data.y.index_select(0, rows).sum().item<double>();
    EXPECT_EQ(class0, std::floor(1000 * ratio));
    EXPECT_NEAR(s.data.x.index_select(0, rows).select(1, 2).mean().item<double>(), ratio, 0.02);
    ratio_spread += std::abs(ratio - 0.5);
  }
  EXPECT_GT(ratio_spread / 10, 0.05);
}

TEST(Spiral, SeedDeterminesData) {
  SpiralOptions a, b;
  b.seed = 49;
  EXPECT_TRUE(torch::equal(simulate_spiral(a).data.x, simulate_spiral(a).data.x));
  EXPECT_FALSE(torch::equal(simulate_spiral(a).data.x, simulate_spiral(b).data.x));
}

TEST(Spiral, RejectsBadOptions) {
  SpiralOptions o;
  o.variant = "banana";
  EXPECT_THROW(simulate_spiral(o), Error);
  o = SpiralOptions{};
  o.clusters = 1;
  EXPECT_THROW(simulate_spiral(o), Error);
}

}  // namespace armed
