#pragma once
#include <torch/torch.h>

#include "armed/data/cluster_design.h"
#include "armed/models/config.h"
#include "armed/nn/fixed_effects.h"
#include "armed/nn/mlp.h"
#include "armed/nn/random_effects.h"

namespace armed {

struct NetworkOutput {
  torch::Tensor output;     // [n] the model's prediction given Z (mixed for armed): logit or standardized value
  torch::Tensor fixed;      // [n] the fixed-effects part alone
  torch::Tensor hidden;     // [n, sum(hidden)] concatenated fixed-effects hidden activations (adversary input)
  torch::Tensor re_design;  // [n, units] what the random effects multiply: 1 (intercept), then the slope inputs
};

// The network behind every model kind. conventional: an MLP (or, with fe = linear, one linear
// layer) that ignores Z; cluster-input: the MLP on [x, Z]; adversarial: the MLP plus an adversary
// predicting the cluster from its hidden activations; armed: adversary plus random effects,
// combined on the link scale: mixed = fixed + u(Z) . [1, h], where u holds a random intercept and
// random slopes on h (the last hidden layer, or input columns). armed also holds a
// cluster-membership predictor (an MLP from the features to the clusters) that supplies a soft Z
// for clusters not seen in training. Regression models hold the Gaussian residual SD.
class NetworkImpl : public torch::nn::Module {
 public:
  // `slope_columns`: the input columns random slopes act on (when config.slopes_on_inputs()).
  // `custom`: builds the fixed-effects network (config.fe == "custom"); otherwise the MLP or
  // linear layer the config describes.
  NetworkImpl(ModelConfig config, int64_t features, int64_t clusters, std::vector<int64_t> slope_columns = {},
              const FixedEffectsFactory& custom = {});
  NetworkOutput forward(const torch::Tensor& x, const ClusterDesign& z);
  torch::Tensor adversary_logits(const torch::Tensor& hidden);     // [n, clusters]
  torch::Tensor membership_probabilities(const torch::Tensor& x);  // [n, clusters], rows sum to 1
  torch::Tensor kl_divergence();                                   // of the random effects; 0 without them
  std::vector<torch::Tensor> main_parameters();  // everything but the adversary and the membership predictor
  bool uses_clusters() const { return config.model == "cluster-input" || config.has_random_effects(); }

  ModelConfig config;
  int64_t features, clusters;
  std::vector<int64_t> slope_columns;
  std::vector<int64_t> hidden_widths;  // of the fixed-effects network's hidden activations
  std::shared_ptr<FixedEffectsModule> fixed_effects;
  MLP adversary{nullptr}, membership{nullptr};
  RandomEffects random_effects{nullptr};  // unit 0: intercept; units 1..: slopes
  torch::Tensor log_residual_sd;          // regression only, on the standardized target's scale
};
TORCH_MODULE(Network);

}  // namespace armed
