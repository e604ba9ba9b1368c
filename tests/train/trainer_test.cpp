#include "train/trainer.h"

#include <gtest/gtest.h>

#include "armed/error.h"
#include "models/from_config.h"

namespace armed {

struct Batch {
  torch::Tensor x, y;
  std::vector<ClusterDesign> z;  // one grouping factor
};

// Clusters shift the features, so hidden activations carry the cluster for the adversary to find.
Batch clustered_batch() {
  torch::manual_seed(3);
  auto ids = torch::arange(64, torch::kInt64) % 4;
  auto x = torch::randn({64, 3}) + ids.to(torch::kFloat32).unsqueeze(1);
  auto y = (x.select(1, 0) > 1.5).to(torch::kFloat32);
  return {x, y, {ClusterDesign{ids, {}}}};
}

double adversary_ce(Network& net, const Batch& b) {
  torch::NoGradGuard no_grad;
  return net->adversaries[0]->cross_entropy(net->adversary_input(net->forward(b.x, b.z).hidden, b.y), b.z[0].ids).first.item<double>();
}

TEST(Trainer, AdversaryLearnsAndFixedEffectsDefeatIt) {
  ModelConfig config;
  config.model = "armed";
  config.hidden = {8, 8};
  config.lr = 0.01;
  // Only the adversarial term drives the main step, to isolate its direction.
  config.weight_mixed = config.weight_fixed = config.kl_weight = 0.0;
  config.weight_adversary = 1.0;
  torch::manual_seed(4);
  Network net = build_network(config, {3}, 4);
  Trainer trainer(net, trainer_options(config));
  const Batch b = clustered_batch();

  std::vector<torch::Tensor> fe_before;
  for (const auto& p : net->fixed_effects->parameters()) fe_before.push_back(p.detach().clone());
  const double ce_start = adversary_ce(net, b);
  trainer.step(b.x, b.y, b.z);
  const double ce_new_fe = adversary_ce(net, b);
  {
    torch::NoGradGuard no_grad;
    auto params = net->fixed_effects->parameters();
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_(fe_before[i]);
  }
  const double ce_old_fe = adversary_ce(net, b);
  // (a) the adversary's step lowered its loss on the old activations...
  EXPECT_LT(ce_old_fe, ce_start);
  // ...(b) and the fixed-effects step raised it again.
  EXPECT_GT(ce_new_fe, ce_old_fe);
}

TEST(Trainer, AnAdversaryThatSeesTheTargetTakesItAsOneMoreInput) {
  ModelConfig config;
  config.model = "armed";
  config.hidden = {8, 8};
  config.adversary_sees_target = true;
  torch::manual_seed(6);
  Network net = build_network(config, {3}, 4);
  const Batch b = clustered_batch();
  torch::NoGradGuard no_grad;
  const auto hidden = net->forward(b.x, b.z).hidden;
  EXPECT_EQ(net->adversaries[0]->options.in_features(), hidden.size(1) + 1);
  EXPECT_FALSE(torch::allclose(net->adversaries[0]->forward(net->adversary_input(hidden, b.y)).output,
                               net->adversaries[0]->forward(net->adversary_input(hidden, 1 - b.y)).output));
  config.model = "conventional";
  EXPECT_THROW(config.validate(), Error);
}

TEST(Trainer, MainStepDoesNotTouchTheAdversary) {
  ModelConfig config;
  config.model = "armed";
  config.weight_adversary = 0.0;
  torch::manual_seed(5);
  Network net = build_network(config, {3}, 4);
  Trainer trainer(net, trainer_options(config));
  const Batch b = clustered_batch();
  auto adversary_before = net->adversaries[0]->parameters()[0].detach().clone();
  auto slopes_before = net->random_effects[0]->loc.detach().clone();
  trainer.step(b.x, b.y, b.z);
  // The adversary moved only by its own step; the random effects moved with the main step.
  EXPECT_FALSE(torch::equal(adversary_before, net->adversaries[0]->parameters()[0]));
  EXPECT_FALSE(torch::equal(slopes_before, net->random_effects[0]->loc));
}

TEST(Trainer, StepReportsEveryLossTerm) {
  ModelConfig config;
  config.model = "armed";
  torch::manual_seed(6);
  Network net = build_network(config, {3}, 4);
  const Batch b = clustered_batch();
  auto terms = Trainer(net, trainer_options(config)).step(b.x, b.y, b.z).read();
  for (const char* name : {"total", "mixed", "fixed", "adversary", "adversary_accuracy", "kl"})
    EXPECT_TRUE(terms.count(name)) << name;
  EXPECT_GT(terms["kl"], 0.0);
}

TEST(Trainer, SparseUpdatesNeedTheTrainingClustersAndTouchOnlyTheBatchsRows) {
  ModelConfig config;
  config.model = "armed";
  config.re_updates = "sparse";
  torch::manual_seed(8);
  Network net = build_network(config, {3}, 4);
  Trainer trainer(net, trainer_options(config));
  const Batch b = clustered_batch();
  EXPECT_THROW(trainer.step(b.x, b.y, b.z), c10::Error);
  trainer.set_training_clusters({b.z[0].ids});
  const auto loc = net->random_effects[0]->loc.detach().clone();
  const auto rows = torch::tensor({0, 1, 4, 5}, torch::kInt64);  // clusters 0 and 1 only
  trainer.step(b.x.index_select(0, rows), b.y.index_select(0, rows), {b.z[0].rows(rows)});
  EXPECT_FALSE(torch::equal(net->random_effects[0]->loc[0], loc[0]));
  EXPECT_FALSE(torch::equal(net->random_effects[0]->loc[1], loc[1]));
  EXPECT_TRUE(torch::equal(net->random_effects[0]->loc[2], loc[2]));
  EXPECT_TRUE(torch::equal(net->random_effects[0]->loc[3], loc[3]));
}

// Crossed factors: an adversary per factor, each learning its own factor's clusters, and an
// L-BFGS fit whose expected likelihood adds both factors' random effects.
TEST(Trainer, EveryFactorHasItsAdversaryStep) {
  ModelConfig config;
  config.model = "armed";
  config.hidden = {8, 8};
  config.lr = 0.01;
  torch::manual_seed(10);
  Network net = build_network(config, {3}, std::vector<FactorTerms>{{4, "hidden", {}, "diagonal"}, {2, "none", {}, "diagonal"}});
  ASSERT_EQ(net->adversaries.size(), 2u);
  Trainer trainer(net, trainer_options(config));
  Batch b = clustered_batch();
  b.z.push_back(ClusterDesign{b.z[0].ids.remainder(2), {}});
  const auto first = net->adversaries[0]->parameters().front().detach().clone();
  const auto second = net->adversaries[1]->parameters().front().detach().clone();
  const auto terms = trainer.step(b.x, b.y, b.z).read();
  EXPECT_FALSE(torch::equal(first, net->adversaries[0]->parameters().front()));
  EXPECT_FALSE(torch::equal(second, net->adversaries[1]->parameters().front()));
  // The accuracy is the adversaries' mean: between 0 and 1, from a 4-way and a 2-way guess.
  EXPECT_GE(terms.at("adversary_accuracy"), 0.0);
  EXPECT_LE(terms.at("adversary_accuracy"), 1.0);
  EXPECT_THROW(trainer.step(b.x, b.y, {b.z[0]}), c10::Error);
}

TEST(Trainer, TheMainStepLeavesTheAdversaryTrainable) {
  ModelConfig config;
  config.model = "armed";
  torch::manual_seed(9);
  Network net = build_network(config, {3}, 4);
  Trainer trainer(net, trainer_options(config));
  const Batch b = clustered_batch();
  trainer.step(b.x, b.y, b.z);
  const auto weight = net->adversaries[0]->parameters().front().detach().clone();
  for (const auto& p : net->adversaries[0]->parameters()) EXPECT_TRUE(p.requires_grad());
  trainer.step(b.x, b.y, b.z);
  EXPECT_FALSE(torch::equal(net->adversaries[0]->parameters().front(), weight));
}

}  // namespace armed
