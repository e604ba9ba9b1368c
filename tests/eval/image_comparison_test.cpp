#include "eval/image_comparison.h"

#include <gtest/gtest.h>

namespace armed {
namespace {

nlohmann::json metric(const std::vector<double>& runs) { return {{"mean", 0}, {"ci", {nullptr, nullptr}}, {"runs", runs}}; }

}  // namespace

TEST(PoolImageResults, PoolsEveryMetricsRunsDrawAfterDraw) {
  const nlohmann::json a = {{"cnn", {{"seen", {{"auroc", metric({0.8, 0.9})}}}}}};
  const nlohmann::json b = {{"cnn", {{"seen", {{"auroc", metric({0.7, 0.6})}}}}}};
  const auto pooled = pool_image_results({a, b});
  const auto& auroc = pooled["cnn"]["seen"]["auroc"];
  EXPECT_EQ(auroc["runs"].get<std::vector<double>>(), (std::vector<double>{0.8, 0.9, 0.7, 0.6}));
  EXPECT_NEAR(auroc["mean"].get<double>(), 0.75, 1e-12);
  EXPECT_LT(auroc["ci"][0].get<double>(), 0.75);
  EXPECT_EQ(pool_image_results({a}), a);
}

TEST(PairedDifferences, SubtractTheBackbonesConventionalModelRunByRun) {
  nlohmann::json models = {{"cnn", {{"seen", {{"auroc", metric({0.80, 0.70, 0.90})}}}}},
                           {"cnn-armed", {{"seen", {{"auroc", metric({0.82, 0.71, 0.92})}}}}},
                           {"cnn-armed-fixed", {{"seen", {{"auroc", metric({0.80, 0.69, 0.90})}}}}},
                           {"aec-armed", {{"seen", {{"auroc", metric({0.5, 0.5, 0.5})}}}}}};
  add_paired_differences(models);
  const auto& paired = models["cnn-armed"]["paired"];
  EXPECT_EQ(paired["against"], "cnn");
  const auto differences = paired["seen"]["auroc"]["runs"].get<std::vector<double>>();
  ASSERT_EQ(differences.size(), 3u);
  EXPECT_NEAR(differences[0], 0.02, 1e-12);
  EXPECT_NEAR(differences[1], 0.01, 1e-12);
  EXPECT_NEAR(paired["seen"]["auroc"]["mean"].get<double>(), 0.05 / 3, 1e-12);
  // All three runs above: the interval on the differences excludes zero though the runs' own spread is wide.
  EXPECT_GT(paired["seen"]["auroc"]["ci"][0].get<double>(), 0);
  EXPECT_EQ(models["cnn-armed-fixed"]["paired"]["against"], "cnn");
  EXPECT_FALSE(models["cnn"].contains("paired"));
  EXPECT_FALSE(models["aec-armed"].contains("paired")) << "its conventional model, aec, was not compared";
}

}  // namespace armed
