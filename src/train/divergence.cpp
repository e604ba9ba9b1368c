// Where training diverged: Trainer::check_finite, state_tensors and locate_divergence, which
// replays the epoch from its start checking every step.
#include <cstdio>
#include <sstream>

#include "armed/error.h"
#include "dist/collective.h"
#include "train/divergence.h"
#include "train/trainer.h"

namespace armed {
namespace {

// What a replayed step found non-finite; locate_divergence turns it into the user's message.
struct NonFinite {
  std::string what;
};

}  // namespace

std::string lr_hint(double lr) {
  char text[64];
  std::snprintf(text, sizeof text, " (a lower --lr than %g may help)", lr);
  return text;
}

void Trainer::check_finite(const std::vector<torch::Tensor>& tensors, const std::string& what) const {
  // 0: finite, 1: infinite, 2: nan; with a group, the worst over the ranks, so that all agree.
  static const char* const kinds[] = {"finite", "infinite", "nan"};
  int worst = 0;
  for (const auto& t : tensors)
    if (!torch::isfinite(t).all().item<bool>()) worst = std::max(worst, torch::isnan(t).any().item<bool>() ? 2 : 1);
  if (group_) {
    auto found = torch::full({1}, worst, torch::kInt32);
    group_->max(found, "checking where training diverged");
    worst = found.item<int>();
  }
  if (worst > 0) throw NonFinite{what + " is " + kinds[worst]};
}

std::vector<torch::Tensor> Trainer::state_tensors() const {
  std::vector<torch::Tensor> out;
  for (const auto& p : net_->parameters()) out.push_back(p);
  for (const auto& b : net_->buffers()) out.push_back(b);
  return out;
}

void Trainer::locate_divergence(const TrainingTensors& train, const std::string& epoch_start) {
  std::istringstream in(epoch_start);
  load_state(in, "the epoch's start");
  const FitProgress& s = progress_;
  const int64_t epoch = s.epoch, n = train.x.size(0);
  const auto steps = (n + options_.batch_size - 1) / options_.batch_size;
  const std::string where = "training diverged at epoch " + std::to_string(epoch), hint = lr_hint(options_.lr);
  checking_ = true;
  try {
    run_epoch_steps(train);
  } catch (const NonFinite& found) {
    checking_ = false;
    throw Error(where + ", step " + std::to_string(s.next_row / options_.batch_size + 1) + " of " + std::to_string(steps) + ": " +
                found.what + hint);
  }
  checking_ = false;
  // Not reproduced step by step (with several threads a reduction may sum in another order).
  throw Error(where + ": its loss or weights became non-finite" + hint);
}

}  // namespace armed
