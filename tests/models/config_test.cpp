#include "armed/config.h"

#include <gtest/gtest.h>

#include "armed/error.h"
#include "models/model_fixtures.h"

namespace armed {

using test::quick;

TEST(ModelConfig, JsonRoundTripAndUnknownKeys) {
  ModelConfig c;
  c.hidden = {8, 2};
  c.lr = 0.01;
  const auto back = config_from_json(config_to_json(c), "test");
  EXPECT_EQ(back.hidden, c.hidden);
  EXPECT_DOUBLE_EQ(back.lr, 0.01);
  EXPECT_THROW(config_from_json({{"epochz", 3}}, "test"), Error);
  EXPECT_THROW(config_from_json({{"epochs", "many"}}, "test"), Error);
  c.model = "forest";
  EXPECT_THROW(c.validate(), Error);
}

// Found by make fuzz (fuzz_model_dir): 1e300 for an integer field was cast to it, undefined behaviour.
TEST(ModelConfig, JsonNumbersMustFitTheirFields) {
  for (const auto& bad : {nlohmann::json{{"epochs", 1e300}}, nlohmann::json{{"epochs", 3.5}}, nlohmann::json{{"seed", -1}},
                          nlohmann::json{{"hidden", {4, 2.5}}}, nlohmann::json{{"epochs", 18446744073709551615ull}},
                          nlohmann::json{{"elbo", 1}}})
    EXPECT_THROW(config_from_json(bad, "test"), Error) << bad.dump();
  const auto fine = config_from_json({{"epochs", 7}, {"lr", 1}, {"seed", 3}, {"hidden", {8, 4}}}, "test");
  EXPECT_EQ(fine.epochs, 7);
  EXPECT_EQ(fine.lr, 1.0);
  EXPECT_EQ(fine.hidden, (std::vector<int64_t>{8, 4}));
}

TEST(ModelConfig, RandomEffectUpdatesAreSparseFromManyClustersOrOnRequest) {
  ModelConfig c = quick("armed");
  EXPECT_FALSE(c.sparse_random_effects(ModelConfig::sparse_from_clusters - 1));
  EXPECT_TRUE(c.sparse_random_effects(ModelConfig::sparse_from_clusters));
  c.re_updates = "dense";
  EXPECT_FALSE(c.sparse_random_effects(100000));
  c.re_updates = "sparse";
  EXPECT_TRUE(c.sparse_random_effects(2));
  c.optimizer = "lbfgs";
  c.no_adversary = true;
  EXPECT_THROW(c.validate(), Error);  // L-BFGS takes the full batch
  c.re_updates = "sometimes";
  c.optimizer = "adam";
  EXPECT_THROW(c.validate(), Error);
}

// Clusters shift the log-odds by -1.5 or +1.5: sparse updates must find every cluster's sign.

TEST(ModelConfig, KindComesFromTheTableAndSetsTheAdversaryWeight) {
  ModelConfig c = quick("cnn-armed");
  EXPECT_EQ(c.kind().backbone, Backbone::cnn);
  EXPECT_TRUE(c.for_images());
  EXPECT_TRUE(c.has_adversary() && c.has_random_effects());
  EXPECT_DOUBLE_EQ(c.adversary_weight(), 0.1);
  c.weight_adversary = 0.3;
  EXPECT_DOUBLE_EQ(c.adversary_weight(), 0.3);
  c.no_adversary = true;
  EXPECT_FALSE(c.has_adversary());
  c = quick("cluster-input");
  EXPECT_FALSE(c.has_adversary() || c.has_random_effects() || c.for_images());
  c.task = "poisson";
  try {
    c.validate();
    FAIL() << "an unknown task must be an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "--task: unknown task 'poisson' (classification, regression, count, multiclass)");
  }
}

}  // namespace armed
