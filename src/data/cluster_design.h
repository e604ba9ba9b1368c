#pragma once
#include <torch/torch.h>

namespace armed {

// The cluster design matrix Z, held sparsely: a cluster id per row (one-hot), soft membership
// probabilities, or a request that the network infer soft membership from the features (for
// clusters not seen in training). A row with id -1 and nothing else has Z = 0, which yields the
// fixed-effects prediction.
struct ClusterDesign {
  torch::Tensor ids;   // int64 [n]; -1: cluster unknown
  torch::Tensor soft;  // optional float [n, K]; when defined it replaces ids
  bool infer = false;  // Z = the network's predicted membership probabilities
  // In a data-parallel step these rows are rows [batch_offset, batch_offset + n) of a global batch
  // of batch_rows rows (0: the rows are the whole batch). Sampled random effects draw the whole
  // batch's noise and keep these rows', so that any number of ranks draws what one process would.
  int64_t batch_offset = 0, batch_rows = 0;

  static ClusterDesign unknown(int64_t rows);
  static ClusterDesign inferred(int64_t rows);
  torch::Tensor one_hot(int64_t clusters) const;  // [n, K] float; soft membership as is
  ClusterDesign rows(const torch::Tensor& index) const;
};

}  // namespace armed
