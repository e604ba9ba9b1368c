#include <gtest/gtest.h>

#include <filesystem>

#include "armed/error.h"
#include "armed/model.h"
#include "models/model_fixtures.h"
#include "test_util.h"

namespace armed {

using test::quick;
using test::small_spiral;
using test::TempDir;

TEST(Effects, EffectsListEveryClusterAndSaveLoadKeepsThem) {
  TempDir dir;
  const auto data = small_spiral();
  const auto model = MixedEffectsModel::fit(quick("armed"), data);
  const auto effects = model.effects();
  ASSERT_EQ(effects["random_effects"].size(), 5u);  // intercept + 4 slopes on the last hidden layer
  const auto& intercept = effects["random_effects"][0];
  EXPECT_EQ(intercept["name"], "(Intercept)");
  EXPECT_EQ(intercept["clusters"].size(), 4u);
  EXPECT_GT(intercept["clusters"]["0"]["sd"].get<double>(), 0.0);
  EXPECT_NEAR(intercept["prior_sd"].get<double>(), 0.1, 1e-6);
  model.save(dir.file("m"));
  EXPECT_EQ(MixedEffectsModel::load(dir.file("m")).effects(), effects);
  EXPECT_THROW(MixedEffectsModel::fit(quick("conventional"), data).effects(), Error);
}

TEST(Effects, ReportTheMembershipPredictorsRecord) {
  const auto model = MixedEffectsModel::fit(quick("armed"), small_spiral());
  const auto m = model.effects()["membership_predictor"];
  const MembershipRecord& record = model.history().membership.at(0);
  EXPECT_EQ(m["epochs"], record.epochs);
  EXPECT_EQ(m["held_out_rows"], record.held_out_rows);
  EXPECT_EQ(m["beats_chance"], record.beats_chance);
  EXPECT_EQ(m["held_out_clusters"], 4);  // four groups of one cluster, each held out of a second predictor
  EXPECT_EQ(m["held_out_clusters"], record.held_out_clusters);
  EXPECT_EQ(m["unseen_loss_fixed"], record.unseen_loss_fixed);
  EXPECT_EQ(m["unseen_loss_inferred"], record.unseen_loss_inferred);
  EXPECT_EQ(m["unseen_clusters_by_default"], record.infer_unseen ? "inferred" : "fixed");
  EXPECT_EQ(record.infer_unseen, record.unseen_loss_inferred < record.unseen_loss_fixed);
  EXPECT_EQ(model.effects()["scale"], "logit");
}

}  // namespace armed
