#pragma once
#include <torch/torch.h>

#include <ostream>
#include <vector>

#include "armed/models/network.h"

namespace armed {

// Model-scale tensors: standardized features (and, for regression, standardized target).
struct TrainingTensors {
  torch::Tensor x, y;
  ClusterDesign z;
};

struct EpochRecord {
  int64_t epoch = 0;
  double loss = 0, metric = 0;          // training loss and metric (AUROC, or RMSE on the target's scale)
  double val_loss = NAN, val_metric = NAN;
  double samples_per_second = 0;
};

struct TrainingHistory {
  std::vector<EpochRecord> epochs;
  int64_t best_epoch = 0;  // the epoch whose weights were kept
};

// Minibatch Adam over `train`; with `valid`, early stopping on validation loss restores the best
// weights. One progress line per epoch goes to `progress` when it is not null. `target_scale`
// converts regression RMSE back to the target's units for reporting.
TrainingHistory train_network(Network& net, const TrainingTensors& train, const TrainingTensors* valid,
                              double target_scale, std::ostream* progress);

// Network outputs in evaluation mode, without autograd, in chunks to bound memory.
torch::Tensor network_output(Network& net, const torch::Tensor& x, const ClusterDesign& z);

}  // namespace armed
