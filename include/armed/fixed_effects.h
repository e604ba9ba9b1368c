#pragma once
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <vector>

namespace armed {

// What armed needs from a fixed-effects network, and nothing more.
struct FixedEffectsOutput {
  torch::Tensor output;               // [n, 1]: logits (classification) or values (regression)
  std::vector<torch::Tensor> hidden;  // [n, width] activations the adversary sees; random slopes
                                      // (--random-slopes hidden) act on the last one...
  torch::Tensor slope_features;       // ...unless this [n, width] is defined
  torch::Tensor latent;               // autoencoders: the code the decoders start from; else undefined
  torch::Tensor reconstruction;       // autoencoders: [n, C, H, W] decoded from the latent; else undefined
};

// Base of every fixed-effects network: the built-in MLP, or a user's own module. armed adds the
// adversary, the random effects and the cluster-membership predictor around it.
class FixedEffectsModule : public torch::nn::Module {
 public:
  virtual FixedEffectsOutput forward(const torch::Tensor& x) = 0;
};

// Builds a user's fixed-effects network for a given number of input features. armed calls it when
// a model is fitted and again when it is loaded, so it must build the same architecture each time.
using FixedEffectsFactory = std::function<std::shared_ptr<FixedEffectsModule>(int64_t input_features)>;

}  // namespace armed
