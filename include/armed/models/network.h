#pragma once
#include <torch/torch.h>

#include <functional>

#include "armed/data/cluster_design.h"
#include "armed/models/config.h"
#include "armed/nn/autoencoder.h"
#include "armed/nn/fixed_effects.h"
#include "armed/nn/mlp.h"
#include "armed/nn/random_effects.h"

namespace armed {

struct NetworkOutput {
  torch::Tensor output;     // [n] the model's prediction given Z (mixed for armed): logit or standardized value
  torch::Tensor fixed;      // [n] the fixed-effects part alone
  torch::Tensor hidden;     // [n, sum(hidden)] concatenated fixed-effects hidden activations, the adversary's
                            // input (undefined without an adversary)
  torch::Tensor re_slopes;  // [n, units - 1] what the random slopes multiply (undefined: intercepts only)
  torch::Tensor latent;                // aec: the fixed-effects latent
  torch::Tensor reconstruction;        // aec: the fixed-effects decoder's images
  torch::Tensor mixed_reconstruction;  // aec-armed: the random-effects decoder's images, in Z's clusters' style
};

// The network behind every model kind. conventional: an MLP (or, with fe = linear, one linear
// layer) that ignores Z; cluster-input: the MLP on [x, Z]; adversarial: the MLP plus an adversary
// predicting the cluster from its hidden activations; armed: adversary plus random effects,
// combined on the link scale: mixed = fixed + u(Z) . [1, h], where u holds a random intercept and
// random slopes on h (the last hidden layer, or input columns). armed also holds a
// cluster-membership predictor (an MLP from the features to the clusters) that supplies a soft Z
// for clusters not seen in training. Regression models hold the Gaussian residual SD.
// Image models put a ConvNet (cnn) or an AutoencoderClassifier (aec) in the MLP's place, and a
// ConvNet as membership predictor; aec-armed adds a second decoder with cluster-specific filter
// scales and biases (random effects), which reconstructs each image in its cluster's style.
class NetworkImpl : public torch::nn::Module {
 public:
  // `input_shape`: {features} for dense models, {channels, height, width} for image models.
  // `slope_columns`: the input columns random slopes act on (when config.slopes_on_inputs()).
  // `custom`: builds the fixed-effects network (config.fe == "custom"); otherwise the network
  // the config describes.
  NetworkImpl(ModelConfig config, std::vector<int64_t> input_shape, int64_t clusters, std::vector<int64_t> slope_columns = {},
              const FixedEffectsFactory& custom = {});
  NetworkOutput forward(const torch::Tensor& x, const ClusterDesign& z);
  // What the adversary reads: the hidden activations, and with config.adversary_sees_target the
  // target ([n], y or y / trials) as a last column.
  torch::Tensor adversary_input(const torch::Tensor& hidden, const torch::Tensor& target) const;
  torch::Tensor membership_probabilities(const torch::Tensor& x);  // [n, clusters], rows sum to 1
  torch::Tensor kl_divergence();  // of the random effects (and the aec-armed decoder's); 0 without them
  // Its minibatch estimate (see RandomEffectsImpl::kl_divergence(ids, weights)).
  torch::Tensor kl_divergence(const torch::Tensor& ids, const torch::Tensor& weights);
  // The random effects' per-cluster tables when config.sparse_random_effects: their gradients
  // come as sparse rows, for SparseAdam. Empty otherwise.
  std::vector<torch::Tensor> sparse_cluster_tables();
  std::vector<torch::Tensor> main_parameters();  // everything but the adversary and the membership predictor
  bool uses_clusters() const { return config.model == "cluster-input" || config.has_random_effects(); }

  ModelConfig config;
  std::vector<int64_t> input_shape;
  int64_t clusters;
  std::vector<int64_t> slope_columns;
  torch::Tensor slope_index;  // slope_columns as a tensor
  std::vector<int64_t> hidden_widths;  // of the fixed-effects network's hidden activations
  int64_t slope_width = 0;             // of the features --random-slopes hidden acts on
  std::shared_ptr<FixedEffectsModule> fixed_effects;
  MLP adversary{nullptr};
  std::shared_ptr<FixedEffectsModule> membership;  // its output: cluster logits
  RandomEffects random_effects{nullptr};  // unit 0: intercept; units 1..: slopes
  Decoder mixed_decoder{nullptr};         // aec-armed
  torch::Tensor log_residual_sd;          // regression only, on the standardized target's scale

 private:
  std::vector<RandomEffects> random_effects_parts();  // random_effects and the mixed decoder's, those present
  torch::Tensor sum_over_parts(const std::function<torch::Tensor(RandomEffectsImpl&)>& term);  // 0 without parts
};
TORCH_MODULE(Network);

}  // namespace armed
