#include "armed/eval/spiral_benchmark.h"

#include <gtest/gtest.h>

namespace armed {

SpiralBenchmarkOptions small_benchmark() {
  SpiralBenchmarkOptions o;
  o.spiral.clusters = 6;
  o.spiral.points_per_cluster = 500;
  o.spiral.radius_sd = 0.4;
  o.config.seed = 12;
  o.config.epochs = 60;
  o.repeats = 1;
  o.models = {"conventional", "armed"};
  return o;
}

TEST(SpiralBenchmark, ArmedBeatsConventionalOnSeenClusters) {
  const auto r = run_spiral_benchmark(small_benchmark(), nullptr);
  const double conventional = r["models"]["conventional"]["seen"]["auroc"].get<double>();
  const double armed = r["models"]["armed"]["seen"]["auroc"].get<double>();
  EXPECT_GT(armed, conventional + 0.02) << "armed " << armed << " conventional " << conventional;
  EXPECT_EQ(r["test_rows"].get<int64_t>(), 600);
  EXPECT_NE(benchmark_table(r).find("armed"), std::string::npos);
}

TEST(SpiralBenchmark, RepeatsAverageRunsWithConsecutiveSeeds) {
  auto o = small_benchmark();
  o.config.epochs = 2;
  o.repeats = 2;
  o.models = {"conventional"};
  const auto r = run_spiral_benchmark(o, nullptr);
  EXPECT_EQ(r["seeds"], nlohmann::json({12, 13}));
  const auto& seen = r["models"]["conventional"]["seen"];
  const auto runs = seen["runs"]["accuracy"].get<std::vector<double>>();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_NE(runs[0], runs[1]);
  EXPECT_DOUBLE_EQ(seen["accuracy"].get<double>(), (runs[0] + runs[1]) / 2);
}

TEST(SpiralBenchmark, ReportsFixedEffectGradientsWithConfounders) {
  auto o = small_benchmark();
  o.spiral.confounders = 2;
  o.spiral.confound_sd = 0.25;
  o.config.epochs = 2;
  o.models = {"conventional"};
  const auto r = run_spiral_benchmark(o, nullptr);
  const auto& g = r["models"]["conventional"]["gradients"];
  ASSERT_EQ(g.size(), 4u);
  for (const char* f : {"x1", "x2", "conf1", "conf2"}) EXPECT_GE(g[f].get<double>(), 0.0) << f;
  EXPECT_TRUE(r["models"]["conventional"]["confounder_ratio"].is_number());
}

}  // namespace armed
