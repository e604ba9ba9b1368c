#pragma once
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <utility>
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

// Per row, a scale and a bias for each filter of a network's styled convolution blocks, applied
// after the block's normalization as (1 + gamma) h + beta: armed's block random effects give each
// cluster its own (a site's acquisition style); the fixed-effects path has none.
struct BlockStyles {
  std::vector<torch::Tensor> gamma, beta;  // per styled block, in order: [n, filters]
};

// Base of every fixed-effects network: the built-in MLP, or a user's own module. armed adds the
// adversary, the random effects and the cluster-membership predictor around it.
class FixedEffectsModule : public torch::nn::Module {
 public:
  virtual FixedEffectsOutput forward(const torch::Tensor& x) = 0;
  // A network whose convolution blocks take styles lists each styled block's filters, in order;
  // armed then gives it block random effects. Empty (the default): none.
  virtual std::vector<int64_t> styled_filters() const { return {}; }
  // The fixed-effects pass (forward(x)) and the pass in `styles`, together: the styled pass
  // normalizes with the fixed pass's statistics, so zero styles give the fixed output.
  virtual std::pair<FixedEffectsOutput, FixedEffectsOutput> forward_styled(const torch::Tensor& x, const BlockStyles& styles);
};

// Builds a user's fixed-effects network for a given number of input features. armed calls it when
// a model is fitted and again when it is loaded, so it must build the same architecture each time.
using FixedEffectsFactory = std::function<std::shared_ptr<FixedEffectsModule>(int64_t input_features)>;

}  // namespace armed
