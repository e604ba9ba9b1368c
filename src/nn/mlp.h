#pragma once
#include <torch/torch.h>

#include <vector>

#include "armed/fixed_effects.h"

namespace armed {

struct MLPOptions {
  MLPOptions(int64_t in_features, std::vector<int64_t> hidden, int64_t out_features)
      : in_features_(in_features), hidden_(std::move(hidden)), out_features_(out_features) {}
  TORCH_ARG(int64_t, in_features);
  TORCH_ARG(std::vector<int64_t>, hidden);  // ReLU hidden layer widths
  TORCH_ARG(int64_t, out_features);         // linear output (logits or regression values)
  TORCH_ARG(bool, output_bias) = true;      // false: the output layer's bias stays zero (a model without intercept)
};

// Multilayer perceptron that also returns its hidden (post-ReLU) activations, which the adversary
// and the random slopes act on.
class MLPImpl : public FixedEffectsModule {
 public:
  explicit MLPImpl(MLPOptions options);
  void reset();
  FixedEffectsOutput forward(const torch::Tensor& x) override;
  // Mean cross-entropy of softmax(output) against the class ids `targets`, or against the uniform
  // distribution when `targets` is undefined; and the output (logits), through which no gradient flows.
  std::pair<torch::Tensor, torch::Tensor> cross_entropy(const torch::Tensor& x, const torch::Tensor& targets);
  // The same, and its gradient with respect to the parameters stored in their grad() (replacing
  // what was there); no graph is recorded, and none flows to x. For a training step on given
  // inputs (the adversary's): a backward pass costs several times the forward on small layers.
  std::pair<torch::Tensor, torch::Tensor> cross_entropy_gradient(const torch::Tensor& x, const torch::Tensor& targets);

  MLPOptions options;
  std::vector<torch::nn::Linear> layers;
  torch::nn::Linear output{nullptr};

 private:
  std::vector<torch::Tensor> stack_parameters() const;  // each layer's weight and bias, the output layer's last
};
TORCH_MODULE(MLP);

}  // namespace armed
