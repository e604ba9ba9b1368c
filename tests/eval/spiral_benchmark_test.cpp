#include "armed/eval/spiral_benchmark.h"

#include <gtest/gtest.h>

#include "armed/data/split.h"
#include "armed/model.h"

namespace armed {

// On a small spiral (fewer clusters or points) single draws rank the two models either way, so
// this uses the paper's size and the mean over three seeds (measured margins 0.015 to 0.026).
TEST(SpiralBenchmark, ArmedBeatsConventionalOnSeenClusters) {
  double conventional = 0.0, armed = 0.0;
  for (uint64_t seed : {1, 2, 3}) {
    SpiralOptions spiral;
    spiral.seed = seed;
    const auto data = simulate_spiral(spiral).data;
    const Split split = split_within_clusters(data.clusters(), target_labels(data), 0.2, seed);
    const auto train = subset(data, split.train), test = subset(data, split.test);
    auto auroc = [&](const std::string& kind) {
      ModelConfig config;
      config.model = kind;
      config.seed = seed;
      config.epochs = 40;
      return MixedEffectsModel::fit(config, train).evaluate(test)["overall"]["auroc"].get<double>() / 3.0;
    };
    conventional += auroc("conventional");
    armed += auroc("armed");
  }
  EXPECT_GT(armed, conventional + 0.01) << "armed " << armed << " conventional " << conventional;
}

SpiralBenchmarkOptions tiny_benchmark() {
  SpiralBenchmarkOptions o;
  o.spiral.clusters = 6;
  o.spiral.points_per_cluster = 100;
  o.spiral.confounders = 2;
  o.spiral.confound_sd = 0.25;
  o.config.epochs = 2;
  o.folds = 3;
  o.models = {"conventional", "armed"};
  return o;
}

TEST(SpiralBenchmark, ReportsSeenAndUnseenWithIntervalsForEveryVariant) {
  const auto r = run_spiral_benchmark(tiny_benchmark(), nullptr);
  const auto& models = r["models"];
  for (const char* name : {"conventional", "armed", "armed-fixed", "armed-inferred"}) {
    ASSERT_TRUE(models.contains(name)) << name;
    for (const char* part : {"seen", "unseen"}) {
      const auto& m = models[name][part];
      EXPECT_EQ(m["runs"]["accuracy"].size(), 3u) << name << " " << part;
      const double mean = m["accuracy"].get<double>();
      EXPECT_LE(m["accuracy_ci"][0].get<double>(), mean);
      EXPECT_GE(m["accuracy_ci"][1].get<double>(), mean);
    }
  }
  // Fixed and inferred predictions come from the same armed model, so they differ only by Z.
  EXPECT_NE(models["armed-fixed"]["unseen"]["runs"]["auroc"], models["armed-inferred"]["unseen"]["runs"]["auroc"]);
  // armed serves unseen clusters with inferred membership or the fixed effects, as each fold's
  // membership predictor earned.
  for (size_t run = 0; run < 3; ++run) {
    const auto& unseen = models["armed"]["unseen"]["runs"]["auroc"][run];
    EXPECT_TRUE(unseen == models["armed-inferred"]["unseen"]["runs"]["auroc"][run] ||
                unseen == models["armed-fixed"]["unseen"]["runs"]["auroc"][run])
        << "run " << run;
  }
  const auto& g = models["conventional"]["gradients"];
  ASSERT_EQ(g.size(), 4u);
  for (const char* f : {"x1", "x2", "conf1", "conf2"}) EXPECT_GE(g[f].get<double>(), 0.0) << f;
  EXPECT_TRUE(models["armed"]["confounder_ratio"].is_number());
  EXPECT_NE(benchmark_table(r).find("armed-inferred"), std::string::npos);
}

TEST(SpiralBenchmark, RepeatsUseConsecutiveSeeds) {
  auto o = tiny_benchmark();
  o.repeats = 2;
  o.folds = 2;
  o.models = {"conventional"};
  const auto r = run_spiral_benchmark(o, nullptr);
  EXPECT_EQ(r["seeds"], nlohmann::json({48, 49}));
  EXPECT_EQ(r["models"]["conventional"]["seen"]["runs"]["accuracy"].size(), 4u);
}

}  // namespace armed
