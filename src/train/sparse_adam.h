#pragma once
#include <torch/torch.h>

#include <vector>

namespace armed {

// Adam for tables whose gradients come as sparse rows (torch::embedding's sparse gradient), the
// lazy variant of Python's torch.optim.SparseAdam, which LibTorch's C++ frontend lacks: only the
// rows in a step's gradient update their moments and values; bias correction counts the steps
// taken. A dense Adam would touch every row at every step, so with 10,000 clusters it would cost
// more than the rest of a step together.
class SparseAdam {
 public:
  SparseAdam(std::vector<torch::Tensor> tables, torch::optim::AdamOptions options);
  void step();
  void zero_grad();  // drops the gradients: the next backward allocates sparse ones of the batch's size
  // The moments and step count (a checkpoint's); load throws c10::Error if they do not fit the tables.
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  std::vector<torch::Tensor> tables_, exp_avg_, exp_avg_sq_;
  torch::optim::AdamOptions options_;
  int64_t steps_ = 0;
};

}  // namespace armed
