#pragma once
#include <torch/torch.h>

#include <vector>

namespace armed {

struct MLPOptions {
  MLPOptions(int64_t in_features, std::vector<int64_t> hidden, int64_t out_features)
      : in_features_(in_features), hidden_(std::move(hidden)), out_features_(out_features) {}
  TORCH_ARG(int64_t, in_features);
  TORCH_ARG(std::vector<int64_t>, hidden);  // ReLU hidden layer widths
  TORCH_ARG(int64_t, out_features);         // linear output (logits or regression values)
};

struct MLPOutput {
  torch::Tensor output;
  std::vector<torch::Tensor> hidden;  // post-ReLU activations of each hidden layer
};

// Multilayer perceptron that also returns its hidden activations, which the adversary and the
// random slopes act on.
class MLPImpl : public torch::nn::Cloneable<MLPImpl> {
 public:
  explicit MLPImpl(MLPOptions options);
  void reset() override;
  MLPOutput forward(const torch::Tensor& x);

  MLPOptions options;
  std::vector<torch::nn::Linear> layers;
  torch::nn::Linear output{nullptr};
};
TORCH_MODULE(MLP);

}  // namespace armed
