#pragma once
#include <torch/torch.h>

#include "armed/fixed_effects.h"

namespace armed {

// Predicts each row's cluster from its features: the soft membership Z with which armed serves
// clusters not seen in training. Its network (an MLP, or a ConvNet for images) returns the
// cluster logits as its output; that network's layers are registered as this module's own, so
// the parameters keep the names model files have always used (membership.layer0.weight, ...).
class MembershipPredictorImpl : public torch::nn::Module {
 public:
  explicit MembershipPredictorImpl(std::shared_ptr<FixedEffectsModule> network);
  torch::Tensor logits(const torch::Tensor& x);         // [n, clusters]
  torch::Tensor probabilities(const torch::Tensor& x);  // rows sum to 1

 private:
  std::shared_ptr<FixedEffectsModule> network_;
};
TORCH_MODULE(MembershipPredictor);

}  // namespace armed
