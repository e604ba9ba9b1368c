#pragma once
#include <torch/torch.h>

#include <vector>

namespace armed {

int64_t parameter_count(const std::vector<torch::Tensor>& parameters);  // their values in all

// Moves parameters into one contiguous buffer, and their gradients into another, so that one
// LibTorch optimizer step and one zeroing cover them all. On the small layers of clustered-data
// models the optimizer's per-tensor loop (about ten ops per parameter tensor), not the arithmetic,
// dominates a training step. The parameters stay the module's own leaves: each becomes a view of
// the buffer, its gradient a view of the gradient buffer, which backward accumulates into in place.
class FlatParameters {
 public:
  explicit FlatParameters(const std::vector<torch::Tensor>& parameters);

  // What the optimizer is given: one tensor whose gradient is every parameter's gradient.
  std::vector<torch::Tensor> optimized() const { return {values_}; }
  void zero_grad() { grads_.zero_(); }

 private:
  torch::Tensor values_, grads_;
};

}  // namespace armed
