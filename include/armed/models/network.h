#pragma once
#include <torch/torch.h>

#include "armed/models/config.h"
#include "armed/nn/mlp.h"

namespace armed {

// The cluster design matrix Z, held sparsely: a cluster id per row (one-hot), or soft
// membership probabilities. A row with id -1 and no soft membership has Z = 0, which yields
// the fixed-effects prediction.
struct ClusterDesign {
  torch::Tensor ids;   // int64 [n]; -1: cluster unknown
  torch::Tensor soft;  // optional float [n, K]; when defined it replaces ids

  static ClusterDesign unknown(int64_t rows);
  torch::Tensor dense(int64_t clusters) const;  // [n, K] float
  ClusterDesign rows(const torch::Tensor& index) const;
};

struct NetworkOutput {
  torch::Tensor output;  // [n] logit (classification) or standardized value (regression), given Z
  torch::Tensor hidden;  // [n, sum(hidden)] concatenated fixed-effects hidden activations
};

// The network behind every model kind: `conventional` ignores Z, `cluster-input` concatenates
// the dense Z to the features.
class NetworkImpl : public torch::nn::Module {
 public:
  NetworkImpl(ModelConfig config, int64_t features, int64_t clusters);
  NetworkOutput forward(const torch::Tensor& x, const ClusterDesign& z);
  bool uses_clusters() const { return config.model != "conventional"; }

  ModelConfig config;
  int64_t features, clusters;
  MLP fixed_effects{nullptr};
};
TORCH_MODULE(Network);

}  // namespace armed
