// Models with several grouping factors: each factor's random effects, adversary and membership
// predictor, per-factor unseen levels, and the model file.
#include <gtest/gtest.h>

#include "armed/error.h"
#include "armed/model.h"
#include "armed/sim/glmm.h"
#include "model_fixtures.h"
#include "test_util.h"

namespace armed {
namespace {

using test::quick;

// Two crossed factors of 8 and 5 levels with strong random intercepts.
ClusteredData crossed(int64_t rows = 1200) {
  GlmmOptions o;
  o.rows = rows;
  o.features = 3;
  o.clusters = {8, 5};
  o.variances = {4.0, 4.0};
  return simulate_glmm(o).data;
}

// The rows of `data` with factor f's label replaced by one never seen in training.
ClusteredData with_unseen(ClusteredData data, size_t f) {
  data.factors[f].labels.assign(data.factors[f].labels.size(), "never-seen");
  return data;
}

// Armed with random intercepts per factor, 10 epochs.
MixedEffectsModel fit_intercepts(const ClusteredData& data) {
  auto config = quick("armed");
  config.random_slopes = "none";
  config.epochs = 10;
  return MixedEffectsModel::fit(config, data);
}

}  // namespace

TEST(GroupingFactors, EveryTabularModelKindTrainsOnCrossedFactors) {
  const auto data = crossed();
  for (const std::string kind : {"conventional", "cluster-input", "adversarial", "armed"}) {
    const auto model = MixedEffectsModel::fit(quick(kind), data);
    EXPECT_EQ(model.factor_names(), (std::vector<std::string>{"cluster1", "cluster2"})) << kind;
    EXPECT_EQ(model.clusters(1).size(), 5) << kind;
    const Predictions p = model.predict(data);
    ASSERT_EQ(p.mode.size(), 2u) << kind;
    const std::string served = kind == "conventional" || kind == "adversarial" ? "fixed" : "mixed";
    EXPECT_EQ(p.mode[0][0], served) << kind;
    EXPECT_EQ(p.mode[1][0], served) << kind;
    if (kind == "adversarial" || kind == "armed") {
      EXPECT_TRUE(model.history().epochs.back().terms.count("adversary_accuracy")) << kind;
    }
  }
}

TEST(GroupingFactors, EachFactorHasItsOwnRandomEffectsAndMembershipRecord) {
  const auto data = crossed();
  const auto model = fit_intercepts(data);
  ASSERT_EQ(model.history().membership.size(), 2u);
  const auto e = model.effects();
  ASSERT_EQ(e["factors"].size(), 2u);
  EXPECT_EQ(e["factors"][0]["name"], "cluster1");
  EXPECT_EQ(e["factors"][1]["random_effects"][0]["clusters"].size(), 5u);
  EXPECT_EQ(e["random_effects"], e["factors"][0]["random_effects"]);  // the first factor at the top level
  EXPECT_TRUE(e["factors"][1].contains("membership_predictor"));
}

// A row with a seen level of one factor and an unseen level of the other keeps the seen factor's
// random effects: its prediction differs from the fixed effects and from the row with both seen.
TEST(GroupingFactors, UnseenLevelsAreHandledPerFactor) {
  const auto data = crossed();
  const auto model = fit_intercepts(data);
  const auto both = model.predict(data);
  const auto fixed = model.predict(data, PredictMode::fixed);
  const auto second_unseen = model.predict(with_unseen(data, 1), PredictMode::automatic, UnseenMode::fixed);
  EXPECT_EQ(second_unseen.mode[0][0], "mixed");
  EXPECT_EQ(second_unseen.mode[1][0], "fixed");
  EXPECT_NE(second_unseen.value, both.value);
  EXPECT_NE(second_unseen.value, fixed.value);
  const auto inferred = model.predict(with_unseen(data, 0), PredictMode::automatic, UnseenMode::inferred);
  EXPECT_EQ(inferred.mode[0][0], "inferred");
  EXPECT_EQ(inferred.mode[1][0], "mixed");
  EXPECT_THROW(model.predict(with_unseen(data, 1), PredictMode::mixed), Error);
  // A factor missing from the data: its clusters are unknown.
  ClusteredData without = data;
  without.factors.pop_back();
  EXPECT_EQ(model.predict(without, PredictMode::automatic, UnseenMode::fixed).value, second_unseen.value);
  const auto j = model.evaluate(with_unseen(data, 1), PredictMode::automatic, UnseenMode::fixed);
  EXPECT_EQ(j["modes"]["mixed+fixed"], data.rows());
}

// Images in crossed batches and plates, each shifting the brightness.
TEST(GroupingFactors, ImageModelsTakeSeveralFactorsToo) {
  torch::manual_seed(5);
  const int64_t n = 96;
  ClusteredData d;
  d.source = "toy images";
  d.y = (torch::rand({n}) < 0.5).to(torch::kFloat32);
  auto batch = torch::arange(n, torch::kInt64).remainder(4), plate = torch::arange(n, torch::kInt64).div(24, "floor");
  d.x = 0.1 * torch::randn({n, 1, 8, 8}) + d.y.view({n, 1, 1, 1}) + 0.3 * (batch - plate).to(torch::kFloat32).view({n, 1, 1, 1});
  d.factors = {{"batch", {}}, {"plate", {}}};
  for (int64_t i = 0; i < n; ++i) {
    d.factors[0].labels.push_back("b" + std::to_string(batch[i].item<int64_t>()));
    d.factors[1].labels.push_back("p" + std::to_string(plate[i].item<int64_t>()));
  }
  for (const std::string kind : {"cnn-armed", "aec-armed"}) {
    ModelConfig c = quick(kind);
    c.filters = {4, 8};
    c.head_hidden = {8};
    c.latent = 6;
    c.membership_hidden = {8};
    const auto model = MixedEffectsModel::fit(c, d);
    EXPECT_EQ(model.effects()["factors"].size(), 2u) << kind;
    const auto p = model.predict(with_unseen(d, 1), PredictMode::automatic, UnseenMode::fixed);
    EXPECT_EQ(p.mode[0][0], "mixed") << kind;
    EXPECT_EQ(p.mode[1][0], "fixed") << kind;
  }
}

TEST(GroupingFactors, TheModelFileKeepsEveryFactor) {
  test::TempDir dir;
  const auto data = crossed(600);
  const auto model = MixedEffectsModel::fit(quick("armed"), data);
  model.save(dir.file("m"));
  const auto loaded = MixedEffectsModel::load(dir.file("m"));
  EXPECT_EQ(loaded.factor_names(), model.factor_names());
  EXPECT_EQ(loaded.clusters(1).vocabulary(), model.clusters(1).vocabulary());
  EXPECT_EQ(loaded.predict(data).value, model.predict(data).value);
  EXPECT_EQ(loaded.history().membership.size(), 2u);
}

TEST(GroupingFactors, TrainingNeedsEveryFactorWithTwoLevels) {
  auto data = crossed(300);
  data.factors[1].labels.assign(data.factors[1].labels.size(), "only");
  EXPECT_THROW(MixedEffectsModel::fit(quick("armed"), data), Error);
  data.factors[1].labels.clear();
  EXPECT_THROW(MixedEffectsModel::fit(quick("armed"), data), Error);
}

}  // namespace armed
