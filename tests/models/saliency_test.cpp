// MixedEffectsModel::saliency on small pictures whose class is a bright patch in one corner.
#include <gtest/gtest.h>

#include "armed/error.h"
#include "armed/model.h"
#include "models/model_fixtures.h"

namespace armed {
namespace {

using torch::indexing::Slice;

// 12 x 12 noise; class 1 adds a bright 4 x 4 patch at the top left. Each cluster its brightness.
ClusteredData corner_patch(int64_t clusters, int64_t per_cluster, uint64_t seed) {
  torch::manual_seed(seed);
  const int64_t n = clusters * per_cluster;
  ClusteredData d;
  d.source = "corner";
  d.y = (torch::rand({n}) < 0.5).to(torch::kFloat32);
  auto patch = torch::zeros({1, 1, 12, 12});
  patch.index_put_({0, 0, Slice(0, 4), Slice(0, 4)}, 0.8);
  d.x = 0.3 + 0.1 * torch::randn({n, 1, 12, 12}) + d.y.view({n, 1, 1, 1}) * patch;
  d.factors = {{"site", {}}};
  for (int64_t i = 0; i < n; ++i) d.factors[0].labels.push_back("s" + std::to_string(i / per_cluster));
  d.x = d.x + (0.2 * torch::randn({clusters})).repeat_interleave(per_cluster).view({n, 1, 1, 1});
  return d;
}

ModelConfig small_cnn(const std::string& model) { return test::small_image_model(model, 10); }

}  // namespace

TEST(Saliency, SitsWhereTheClassIs) {
  const auto data = corner_patch(3, 80, 1);
  const auto model = MixedEffectsModel::fit(small_cnn("cnn"), data);
  const auto maps = model.saliency(data);
  ASSERT_EQ(maps.sizes(), (std::vector<int64_t>{data.rows(), 12, 12}));
  EXPECT_TRUE((maps >= 0).all().item<bool>());
  const auto mean = maps.mean(0);
  const double patch = mean.index({Slice(0, 4), Slice(0, 4)}).mean().item<double>();
  const double far = mean.index({Slice(6, 12), Slice(6, 12)}).mean().item<double>();
  EXPECT_GT(patch, 3 * far) << "patch " << patch << ", far corner " << far;
}

TEST(Saliency, FollowsTheMixedPrediction) {
  const auto data = corner_patch(3, 20, 2);
  auto config = small_cnn("cnn-armed");
  config.epochs = 3;
  config.block_effects = "all";
  const auto model = MixedEffectsModel::fit(config, data);
  const auto fixed = model.saliency(data, PredictMode::fixed);
  EXPECT_TRUE(fixed.equal(model.saliency(data, PredictMode::fixed)));
  // The sites' styles in the blocks move the mixed prediction's logit differently.
  EXPECT_FALSE(fixed.allclose(model.saliency(data, PredictMode::mixed)));
  // A square of the whole picture: every pixel moves by the same amount.
  const auto whole = model.saliency(data, PredictMode::fixed, 12);
  EXPECT_TRUE(whole.allclose(whole.select(1, 0).select(1, 0).view({-1, 1, 1}).expand_as(whole)));

  ClusteredData unseen = data;
  unseen.factors[0].labels[0] = "new site";
  EXPECT_THROW(model.saliency(unseen, PredictMode::mixed), Error);
  EXPECT_NO_THROW(model.saliency(unseen, PredictMode::fixed));
  EXPECT_THROW(model.saliency(data, PredictMode::inferred), Error);
  EXPECT_THROW(model.saliency(data, PredictMode::fixed, 13), Error);
  EXPECT_THROW(model.saliency(subset(data, {})), Error);
}

TEST(Saliency, IsForImageModels) {
  const auto model = MixedEffectsModel::fit(test::quick("conventional"), test::small_spiral());
  EXPECT_THROW(model.saliency(test::small_spiral()), Error);
}

}  // namespace armed
