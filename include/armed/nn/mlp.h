#pragma once
#include <torch/torch.h>

#include <vector>

#include "armed/nn/fixed_effects.h"

namespace armed {

struct MLPOptions {
  MLPOptions(int64_t in_features, std::vector<int64_t> hidden, int64_t out_features)
      : in_features_(in_features), hidden_(std::move(hidden)), out_features_(out_features) {}
  TORCH_ARG(int64_t, in_features);
  TORCH_ARG(std::vector<int64_t>, hidden);  // ReLU hidden layer widths
  TORCH_ARG(int64_t, out_features);         // linear output (logits or regression values)
};

// Multilayer perceptron that also returns its hidden (post-ReLU) activations, which the adversary
// and the random slopes act on.
class MLPImpl : public FixedEffectsModule {
 public:
  explicit MLPImpl(MLPOptions options);
  void reset();
  FixedEffectsOutput forward(const torch::Tensor& x) override;

  MLPOptions options;
  std::vector<torch::nn::Linear> layers;
  torch::nn::Linear output{nullptr};
};
TORCH_MODULE(MLP);

}  // namespace armed
