// Prediction intervals: a 95% interval must cover about 95% of held-out targets, for clusters seen
// in training (their posterior) and for new ones (the population's variance components).
#include <gtest/gtest.h>

#include "armed/data/split.h"
#include "armed/error.h"
#include "armed/model.h"
#include "armed/sim/glmm.h"
#include "model_fixtures.h"

namespace armed {
namespace {

struct Held {
  ClusteredData train, seen, unseen;
};

// LMMNN's simulation, 50 clusters: 10 held out whole, a fifth of the others' rows held out.
Held simulated(const std::string& task) {
  GlmmOptions o;
  o.rows = 10000;
  o.features = 4;
  o.clusters = {50};
  o.variances = {1.0};
  o.task = task;
  o.noise = 1.0;
  o.seed = 7;
  const ClusteredData data = simulate_glmm(o).data;
  const Split by_cluster = split_by_clusters(data.clusters(), 0.2, 7);
  const ClusteredData kept = subset(data, by_cluster.train);
  const Split within = split_within_clusters(kept.clusters(), {}, 0.2, 7);
  return {subset(kept, within.train), subset(kept, within.test), subset(data, by_cluster.test)};
}

MixedEffectsModel fit(const std::string& task, const ClusteredData& train) {
  return MixedEffectsModel::fit(test::exact_stage_armed(task, 15), train);
}

double coverage(const Predictions& p, const ClusteredData& data) {
  const auto y = data.y.to(torch::kFloat64);
  int64_t inside = 0;
  for (int64_t i = 0; i < data.rows(); ++i) {
    const double v = y[i].item<double>();
    inside += p.lower[i] <= v && v <= p.upper[i];
  }
  return static_cast<double>(inside) / static_cast<double>(data.rows());
}

}  // namespace

TEST(PredictionInterval, RegressionIntervalsCoverTheirShareOfHeldOutTargets) {
  const Held d = simulated("regression");
  const auto model = fit("regression", d.train);
  const Predictions seen = model.predict(d.seen, PredictMode::automatic, UnseenMode::fixed, 0.95);
  const Predictions unseen = model.predict(d.unseen, PredictMode::automatic, UnseenMode::fixed, 0.95);
  EXPECT_EQ(seen.mode[0][0], "mixed");
  EXPECT_EQ(unseen.mode[0][0], "fixed");
  const double c_seen = coverage(seen, d.seen), c_unseen = coverage(unseen, d.unseen);
  EXPECT_GE(c_seen, 0.93);
  EXPECT_LE(c_seen, 0.97);
  EXPECT_GE(c_unseen, 0.93);
  EXPECT_LE(c_unseen, 0.97);
  // A narrower interval covers less.
  EXPECT_LT(coverage(model.predict(d.seen, PredictMode::automatic, UnseenMode::fixed, 0.5), d.seen), 0.6);
}

TEST(PredictionInterval, ProbabilityIntervalsWidenForClustersNotSeen) {
  const Held d = simulated("classification");
  const auto model = fit("classification", d.train);
  const Predictions seen = model.predict(d.seen, PredictMode::automatic, UnseenMode::fixed, 0.95);
  const Predictions unseen = model.predict(d.unseen, PredictMode::automatic, UnseenMode::fixed, 0.95);
  double width_seen = 0, width_unseen = 0;
  for (size_t i = 0; i < seen.value.size(); ++i) {
    EXPECT_LE(seen.lower[i], seen.value[i]);
    EXPECT_GE(seen.upper[i], seen.value[i]);
    width_seen += (seen.upper[i] - seen.lower[i]) / static_cast<double>(seen.value.size());
  }
  for (size_t i = 0; i < unseen.value.size(); ++i) width_unseen += (unseen.upper[i] - unseen.lower[i]) / static_cast<double>(unseen.value.size());
  EXPECT_GT(width_unseen, 1.5 * width_seen);
  EXPECT_TRUE(model.predict(d.seen).lower.empty());
  EXPECT_THROW(model.predict(d.seen, PredictMode::automatic, UnseenMode::fixed, 1.5), Error);
}

}  // namespace armed
