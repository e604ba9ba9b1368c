// Image models through MixedEffectsModel, on small images built here: class 1 is bright in the top
// half, class 0 in the bottom half; each cluster adds its own brightness.
#include <gtest/gtest.h>

#include "armed/error.h"
#include "armed/model.h"
#include "eval/effects_text.h"
#include "models/model_fixtures.h"
#include "test_util.h"

namespace armed {
namespace {

ClusteredData toy_images(int64_t clusters, int64_t per_cluster, uint64_t seed) {
  torch::manual_seed(seed);
  const int64_t n = clusters * per_cluster;
  ClusteredData d;
  d.source = "toy";
  d.y = (torch::rand({n}) < 0.5).to(torch::kFloat32);
  auto x = 0.1 * torch::randn({n, 1, 8, 8});
  auto top = torch::zeros({1, 1, 8, 8});
  top.index_put_({0, 0, torch::indexing::Slice(0, 4)}, 1.0);
  auto half = d.y.view({n, 1, 1, 1});
  x = x + 0.5 * (half * top + (1 - half) * (1 - top));
  auto offset = 0.5 * torch::randn({clusters});
  d.factors = {{"cluster", {}}};
  for (int64_t i = 0; i < n; ++i) d.factors[0].labels.push_back("c" + std::to_string(i / per_cluster));
  d.x = x + offset.repeat_interleave(per_cluster).view({n, 1, 1, 1});
  return d;
}

ModelConfig image_config(const std::string& model) { return test::small_image_model(model, 8); }

double accuracy(const Predictions& p, const ClusteredData& d) {
  double correct = 0;
  for (int64_t i = 0; i < d.rows(); ++i) correct += (p.value[i] > 0.5) == (d.y[i].item<float>() > 0.5f);
  return correct / static_cast<double>(d.rows());
}

}  // namespace

// Three classes: the toy's two, and every third image transposed as a third class (a bright left or
// right half). The CNN's and the autoencoder's heads give one logit per class.
TEST(ImageModels, MulticlassHeadsLearnThreeClasses) {
  const auto three_classes = [](uint64_t seed) {
    ClusteredData d = toy_images(4, 60, seed);
    const auto third = torch::arange(d.rows()) % 3 == 0;
    d.y = torch::where(third, torch::full_like(d.y, 2.0f), d.y);
    d.x = torch::where(third.view({-1, 1, 1, 1}), d.x.transpose(2, 3), d.x);
    d.target_levels = {"bottom", "top", "side"};
    return d;
  };
  const auto train = three_classes(1), test = three_classes(2);
  for (const char* model : {"cnn-armed", "aec-armed"}) {
    ModelConfig c = image_config(model);
    c.task = "multiclass";
    c.random_slopes = "none";
    c.epochs = 15;
    c.weight_classification = 1.0;  // as for the two classes: the classifier's loss counts as much as the pictures
    const auto m = MixedEffectsModel::fit(c, train);
    EXPECT_EQ(m.predict(test).probabilities.at(0).size(), 3u) << model;
    EXPECT_GT(m.evaluate(test)["overall"]["macro_auroc"].get<double>(), 0.8) << model;
  }
}

TEST(ImageModels, EveryKindLearnsTheToyImages) {
  const auto train = toy_images(4, 60, 1), test = toy_images(4, 30, 2);
  for (const std::string kind : {"cnn", "cnn-adversarial", "cnn-armed"}) {
    const auto model = MixedEffectsModel::fit(image_config(kind), train);
    EXPECT_GT(accuracy(model.predict(test, PredictMode::fixed), test), 0.9) << kind;
  }
  auto aec = image_config("aec-armed");
  aec.weight_classification = 1.0;  // the toy task needs the classifier's loss to count as much as the pictures
  const auto model = MixedEffectsModel::fit(aec, train);
  EXPECT_GT(accuracy(model.predict(test, PredictMode::fixed), test), 0.8);
  EXPECT_DOUBLE_EQ(model.config().weight_adversary, 0.05);  // the aec default, resolved when fitted
}

TEST(ImageModels, AutoencoderEmbedsReconstructsAndSavesExactly) {
  test::TempDir dir;
  const auto data = toy_images(3, 20, 3);
  const auto model = MixedEffectsModel::fit(image_config("aec-armed"), data);
  EXPECT_EQ(model.embed(data).sizes(), (std::vector<int64_t>{60, 6}));
  const auto plain = model.reconstruct(data), styled = model.reconstruct(data, "c1");
  EXPECT_EQ(plain.sizes(), data.x.sizes());
  EXPECT_FALSE(torch::allclose(plain, styled));
  EXPECT_THROW(model.reconstruct(data, "c9"), Error);
  model.save(dir.file("m"));
  const auto loaded = MixedEffectsModel::load(dir.file("m"));
  EXPECT_EQ(loaded.input_shape(), (std::vector<int64_t>{1, 8, 8}));
  EXPECT_EQ(loaded.predict(data).value, model.predict(data).value);
  EXPECT_TRUE(torch::equal(loaded.reconstruct(data, "c1"), styled));
}

TEST(ImageModels, ArmedReconstructionsCarryTheClusterBrightness) {
  const auto data = toy_images(3, 40, 4);
  auto config = image_config("aec-armed");
  config.epochs = 30;
  config.lr = 0.01;
  const auto model = MixedEffectsModel::fit(config, data);
  // Every image reconstructed in each cluster's style: the styles' mean brightness differs as the
  // clusters' does, through the random-effects decoder alone (the latent is the same).
  std::vector<double> data_mean, styled_mean;
  for (const std::string c : {"c0", "c1", "c2"}) {
    double sum = 0;
    for (int64_t i = 0; i < data.rows(); ++i)
      if (data.clusters()[i] == c) sum += data.x[i].mean().item<double>();
    data_mean.push_back(sum / 40);
    styled_mean.push_back(model.reconstruct(data, c).mean().item<double>());
  }
  for (int a = 0; a < 3; ++a)
    for (int b = a + 1; b < 3; ++b) {
      const double truth = data_mean[a] - data_mean[b], styled = styled_mean[a] - styled_mean[b];
      EXPECT_GT(styled * truth, 0) << a << " vs " << b;
      EXPECT_NEAR(styled, truth, 0.5 * std::abs(truth)) << a << " vs " << b;
    }
}

// Random effects inside the convolution blocks (each cluster's brightness can be a bias of the first
// block's filters): they are in effects() per cluster and filter, survive save and load, and leave
// the fixed-effects prediction a complete model.
TEST(ImageModels, BlockRandomEffectsStyleEachClustersPictures) {
  const auto train = toy_images(4, 60, 6), test = toy_images(4, 30, 7);
  auto config = image_config("cnn-armed");
  config.block_effects = "all";
  config.epochs = 12;
  const auto model = MixedEffectsModel::fit(config, train);
  const auto e = model.effects();
  ASSERT_TRUE(e.contains("block_effects"));
  const auto& blocks = e["block_effects"];
  ASSERT_EQ(blocks.size(), 2u * (4 + 8));
  EXPECT_EQ(blocks[0]["block"], 1);
  EXPECT_EQ(blocks[0]["effect"], "scale");
  EXPECT_EQ(blocks[4]["effect"], "bias");
  EXPECT_EQ(blocks[8]["block"], 2);
  EXPECT_EQ(blocks[0]["clusters"].size(), 4u);
  EXPECT_NE(effects_text(e).find("Random effects in the convolution blocks"), std::string::npos);
  EXPECT_GT(accuracy(model.predict(test, PredictMode::fixed), test), 0.9);
  EXPECT_GT(accuracy(model.predict(test), test), 0.9);
  test::TempDir dir;
  model.save(dir.file("m"));
  const auto loaded = MixedEffectsModel::load(dir.file("m"));
  EXPECT_EQ(loaded.predict(test).value, model.predict(test).value);
  EXPECT_EQ(loaded.effects()["block_effects"], blocks);
  EXPECT_THROW(model.predict(test, PredictMode::automatic, UnseenMode::automatic, 0.9), Error);  // no intervals
  // The autoencoder's encoder takes them too.
  auto aec = image_config("aec-armed");
  aec.block_effects = "1";
  aec.weight_classification = 1.0;
  const auto encoder_styled = MixedEffectsModel::fit(aec, train);
  EXPECT_EQ(encoder_styled.effects()["block_effects"].size(), 2u * 4);
  EXPECT_GT(accuracy(encoder_styled.predict(test, PredictMode::fixed), test), 0.8);
}

TEST(ImageModels, BlockRandomEffectsOptionsItCannotTakeAreRefused) {
  const auto data = toy_images(2, 10, 8);
  const auto refused = [&](ModelConfig c, const std::string& needle) {
    try {
      MixedEffectsModel::fit(c, data);
      ADD_FAILURE() << "fitted: " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  auto c = image_config("cnn");
  c.block_effects = "all";
  refused(c, "--block-effects: is for image armed models");
  c = image_config("cnn-armed");
  c.block_effects = "3";
  refused(c, "--block-effects: '3' is not a block number from 1 to 2");
  c.block_effects = "2,1";
  refused(c, "ascending");
  c.block_effects = "all";
  c.re_prior = "learned";
  refused(c, "--likelihood variational");
}

TEST(ImageModels, WrongDataIsAnErrorNamingWhatDiffers) {
  const auto data = toy_images(3, 10, 5);
  const auto model = MixedEffectsModel::fit(image_config("cnn"), data);
  auto other = data;
  other.x = torch::zeros({30, 1, 16, 16});
  try {
    model.predict(other);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("1x16x16"), std::string::npos) << e.what();
  }
  other.x = torch::zeros({30, 3});
  EXPECT_THROW(model.predict(other), Error);
  EXPECT_THROW(MixedEffectsModel::fit(image_config("armed"), data), Error);
  EXPECT_THROW(model.embed(data), Error);
}

}  // namespace armed
