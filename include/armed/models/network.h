#pragma once
#include <torch/torch.h>

#include "armed/data/cluster_design.h"
#include "armed/models/config.h"
#include "armed/nn/mlp.h"
#include "armed/nn/random_effects.h"

namespace armed {

struct NetworkOutput {
  torch::Tensor output;  // [n] the model's prediction given Z (mixed for armed): logit or standardized value
  torch::Tensor fixed;   // [n] the fixed-effects part alone
  torch::Tensor hidden;  // [n, sum(hidden)] concatenated fixed-effects hidden activations (the adversary's input)
};

// The network behind every model kind. conventional: an MLP that ignores Z; cluster-input: the MLP
// on [x, Z]; adversarial: the MLP plus an adversary predicting the cluster from its hidden
// activations; armed: adversary plus random slopes and intercept, combined on the logit scale:
// mixed = fixed + slopes(Z) . h + intercept(Z), where h is the last hidden layer (or the inputs);
// armed also holds a cluster-membership predictor (an MLP from the features to the clusters)
// that supplies a soft Z for clusters not seen in training.
class NetworkImpl : public torch::nn::Module {
 public:
  NetworkImpl(ModelConfig config, int64_t features, int64_t clusters);
  NetworkOutput forward(const torch::Tensor& x, const ClusterDesign& z);
  torch::Tensor adversary_logits(const torch::Tensor& hidden);  // [n, clusters]
  torch::Tensor membership_probabilities(const torch::Tensor& x);  // [n, clusters], rows sum to 1
  torch::Tensor kl_divergence();                                  // of all random effects; 0 without them
  std::vector<torch::Tensor> main_parameters();  // everything but the adversary and the membership predictor
  bool uses_clusters() const { return config.model == "cluster-input" || config.has_random_effects(); }

  ModelConfig config;
  int64_t features, clusters;
  MLP fixed_effects{nullptr}, adversary{nullptr}, membership{nullptr};
  RandomEffects slopes{nullptr}, intercept{nullptr};
};
TORCH_MODULE(Network);

}  // namespace armed
