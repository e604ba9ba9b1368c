#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "armed/error.h"
#include "armed/model.h"
#include "models/model_fixtures.h"
#include "test_util.h"

namespace armed {

using test::quick;
using test::small_spiral;
using test::TempDir;

TEST(ModelFile, SaveLoadPredictsIdentically) {
  TempDir dir;
  const auto data = small_spiral();
  for (const std::string kind : {"conventional", "cluster-input"}) {
    const auto model = MixedEffectsModel::fit(quick(kind), data);
    model.save(dir.file(kind));
    const auto loaded = MixedEffectsModel::load(dir.file(kind));
    EXPECT_EQ(model.predict(data).value, loaded.predict(data).value) << kind;
    EXPECT_EQ(loaded.clusters().vocabulary(), model.clusters().vocabulary());
    EXPECT_EQ(loaded.history().epochs.size(), 3u);
  }
}

TEST(ModelFile, LoadRejectsCorruptFiles) {
  TempDir dir;
  const auto model = MixedEffectsModel::fit(quick("conventional"), small_spiral());
  model.save(dir.file("m"));
  EXPECT_THROW(MixedEffectsModel::load(dir.file("nothing")), Error);
  // Truncated weights.
  const auto weights = dir.file("m/weights.pt");
  std::filesystem::resize_file(weights, std::filesystem::file_size(weights) / 2);
  EXPECT_THROW(MixedEffectsModel::load(dir.file("m")), Error);
  model.save(dir.file("m"));  // replaces the damaged directory
  EXPECT_NO_THROW(MixedEffectsModel::load(dir.file("m")));
  dir.write("m/config.json", "{ not json");
  try {
    MixedEffectsModel::load(dir.file("m"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("config.json: corrupt model file"), std::string::npos);
  }
}

// Model directories written before the membership predictor was judged on held-out rows have no
// record of it: they load, and serve unseen clusters with the fixed effects.
TEST(ModelFile, DamagedWeightsOfTheRightSizeAreRefusedByTheirHash) {
  TempDir dir;
  MixedEffectsModel::fit(quick("conventional"), small_spiral()).save(dir.file("m"));
  const auto weights = dir.file("m/weights.pt");
  std::fstream file(weights, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(std::filesystem::file_size(weights) / 2));
  const char byte = static_cast<char>(file.get());
  file.seekp(static_cast<std::streamoff>(std::filesystem::file_size(weights) / 2));
  file.put(static_cast<char>(byte ^ 1));
  file.close();
  try {
    MixedEffectsModel::load(dir.file("m"));
    FAIL() << "loaded damaged weights";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt model file (its hash differs"), std::string::npos) << e.what();
  }
}

// Found by make fuzz (fuzz_model_dir): one byte of weights.pt's TorchScript changed, in a model
// file without a hash (as before checkpoints), made LibTorch's parser throw std::runtime_error.
TEST(ModelFile, FuzzFoundParserErrorIsACorruptModel) {
  try {
    MixedEffectsModel::load(std::string(ARMED_TEST_DATA) + "/fuzz/model_dir_parser_error");
    FAIL() << "loaded a damaged model";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("weights.pt: corrupt model file"), std::string::npos) << e.what();
  }
}

TEST(ModelFile, OlderModelsWithoutAMembershipRecordServeUnseenClustersFixed) {
  TempDir dir;
  auto data = small_spiral();
  const auto model = MixedEffectsModel::fit(quick("armed"), data);
  model.save(dir.file("m"));
  auto config = nlohmann::json::parse(test::read_text(dir.file("m/config.json")));
  ASSERT_TRUE(config["training"].contains("membership"));
  config["training"].erase("membership");
  dir.write("m/config.json", config.dump());
  const auto loaded = MixedEffectsModel::load(dir.file("m"));
  EXPECT_TRUE(loaded.history().membership.empty());
  data.factors[0].labels.assign(data.clusters().size(), "new");
  EXPECT_EQ(loaded.predict(data).mode[0][0], "fixed");
  EXPECT_EQ(loaded.predict(data, PredictMode::automatic, UnseenMode::inferred).mode[0][0], "inferred");
}

// Model directories of one grouping factor written before several factors: "clusters" lists its
// levels and "membership" is one record. They load and predict as they did.
TEST(ModelFile, OneFactorModelsOfTheEarlierFormatLoad) {
  TempDir dir;
  const auto data = small_spiral();
  const auto model = MixedEffectsModel::fit(quick("armed"), data);
  model.save(dir.file("m"));
  auto config = nlohmann::json::parse(test::read_text(dir.file("m/config.json")));
  config["clusters"] = config["factors"][0]["clusters"];
  config.erase("factors");
  config["training"]["membership"] = config["training"]["membership"][0];
  dir.write("m/config.json", config.dump());
  const auto loaded = MixedEffectsModel::load(dir.file("m"));
  EXPECT_EQ(loaded.factor_names(), (std::vector<std::string>{"cluster"}));
  EXPECT_EQ(loaded.clusters().vocabulary(), model.clusters().vocabulary());
  EXPECT_EQ(loaded.history().membership.size(), 1u);
  EXPECT_EQ(loaded.history().membership[0].beats_chance, model.history().membership[0].beats_chance);
  EXPECT_EQ(loaded.history().membership[0].infer_unseen, model.history().membership[0].infer_unseen);
  EXPECT_EQ(loaded.predict(data).value, model.predict(data).value);
  config["clusters"] = nlohmann::json::array({"only-one-level-list-of-a-factor-that-is-not-there"});
  config["data"]["cluster"] = "cluster,other";
  dir.write("m/config.json", config.dump());
  EXPECT_THROW(MixedEffectsModel::load(dir.file("m")), Error);
}

}  // namespace armed
