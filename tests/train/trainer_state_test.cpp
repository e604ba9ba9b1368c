// Trainer::save_state / load_state: a fit continued from a saved state is the uninterrupted fit.
// (Mid-epoch states, taken on a stop request, are tested end to end in tests/cli/checkpoint_test.cpp.)
#include <gtest/gtest.h>

#include <sstream>

#include "armed/error.h"
#include "armed/interrupt.h"
#include "models/from_config.h"
#include "train/trainer.h"

namespace armed {
namespace {

TrainingTensors clustered_rows() {
  torch::manual_seed(7);
  auto ids = torch::arange(400, torch::kInt64) % 8;
  auto x = torch::randn({400, 3}) + ids.to(torch::kFloat32).unsqueeze(1) * 0.3;
  auto y = (x.select(1, 0) + 0.2 * torch::randn({400}) > 1.0).to(torch::kFloat32);
  return {x, y, {}, {}, {ClusterDesign{ids, {}, false}}};
}

ModelConfig small_armed(const std::string& re_updates) {
  ModelConfig config;
  config.model = "armed";
  config.hidden = {6, 6};
  config.epochs = 6;
  config.batch_size = 32;
  config.re_updates = re_updates;
  return config;
}

std::vector<torch::Tensor> weights(Network& net) {
  std::vector<torch::Tensor> out;
  for (const auto& p : net->parameters()) out.push_back(p.detach().clone());
  return out;
}

// Trains `config` on `rows`: whole, or stopped by a checkpoint at `stop_epoch` and continued in a
// fresh trainer (a new process's) from the saved state.
std::vector<torch::Tensor> fit(const ModelConfig& config, const TrainingTensors& rows, int64_t stop_epoch) {
  torch::manual_seed(11);
  Network net = build_network(config, {3}, 8);
  Trainer trainer(net, trainer_options(config));
  if (stop_epoch == 0) {
    trainer.fit(rows, nullptr, 1.0, nullptr);
    return weights(net);
  }
  std::string saved;
  trainer.set_checkpoints({1, [&] {
                             if (trainer.progress().epoch != stop_epoch) return;
                             std::ostringstream out;
                             trainer.save_state(out);
                             saved = out.str();
                             request_stop();
                           }});
  EXPECT_THROW(trainer.fit(rows, nullptr, 1.0, nullptr), Interrupted);
  clear_stop_request();
  torch::manual_seed(99);  // another process: other initial weights and random state, all overwritten
  Network resumed = build_network(config, {3}, 8);
  Trainer continued(resumed, trainer_options(config));
  std::istringstream in(saved);
  continued.load_state(in, "test");
  const auto history = continued.fit(rows, nullptr, 1.0, nullptr);
  EXPECT_EQ(history.epochs.size(), static_cast<size_t>(config.epochs));
  return weights(resumed);
}

void expect_identical(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;
}

TEST(TrainerState, ResumedFitEqualsTheUninterruptedOne) {
  const auto rows = clustered_rows();
  for (const std::string updates : {"dense", "sparse"}) {
    SCOPED_TRACE(updates);
    const auto config = small_armed(updates);
    const auto whole = fit(config, rows, 0);
    const auto resumed = fit(config, rows, 3);
    expect_identical(whole, resumed);
    // The comparison can fail: an epoch fewer is not the same model.
    auto shorter = config;
    shorter.epochs = 5;
    EXPECT_FALSE(torch::equal(fit(shorter, rows, 0)[0], whole[0]));
  }
}

TEST(TrainerState, StateOfAnotherNetworkIsRefused) {
  const auto config = small_armed("dense");
  torch::manual_seed(1);
  Network net = build_network(config, {3}, 8);
  Trainer trainer(net, trainer_options(config));
  std::ostringstream out;
  trainer.save_state(out);
  auto wider = config;
  wider.hidden = {7, 6};
  Network other = build_network(wider, {3}, 8);
  Trainer other_trainer(other, trainer_options(wider));
  std::istringstream in(out.str());
  try {
    other_trainer.load_state(in, "ckpt");
    FAIL() << "loaded another network's state";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ckpt: the checkpoint's network differs"), std::string::npos) << e.what();
  }
  std::istringstream garbage("not an archive");
  EXPECT_THROW(trainer.load_state(garbage, "ckpt"), Error);
}

}  // namespace
}  // namespace armed
