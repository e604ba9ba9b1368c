#include "train/sparse_adam.h"

#include <cmath>

namespace armed {

SparseAdam::SparseAdam(std::vector<torch::Tensor> tables, torch::optim::AdamOptions options)
    : tables_(std::move(tables)), options_(options) {
  for (const auto& t : tables_) {
    exp_avg_.push_back(torch::zeros_like(t, torch::MemoryFormat::Contiguous));
    exp_avg_sq_.push_back(torch::zeros_like(t, torch::MemoryFormat::Contiguous));
  }
}

void SparseAdam::step() {
  torch::NoGradGuard no_grad;
  ++steps_;
  const auto [beta1, beta2] = options_.betas();
  const double step_size = options_.lr() * std::sqrt(1 - std::pow(beta2, steps_)) / (1 - std::pow(beta1, steps_));
  for (size_t i = 0; i < tables_.size(); ++i) {
    auto grad = tables_[i].grad();
    if (!grad.defined()) continue;
    TORCH_CHECK(grad.is_sparse(), "SparseAdam: a table's gradient is dense; build its module with sparse gradients");
    grad = grad.coalesce();
    const auto rows = grad.indices()[0];
    const auto values = grad.values();
    auto m = exp_avg_[i].index_select(0, rows).mul_(beta1).add_(values, 1 - beta1);
    auto v = exp_avg_sq_[i].index_select(0, rows).mul_(beta2).addcmul_(values, values, 1 - beta2);
    exp_avg_[i].index_copy_(0, rows, m);
    exp_avg_sq_[i].index_copy_(0, rows, v);
    tables_[i].index_add_(0, rows, m.div_(v.sqrt_().add_(options_.eps())), -step_size);
  }
}

void SparseAdam::save(torch::serialize::OutputArchive& archive) const {
  archive.write("steps", torch::tensor(steps_));
  for (size_t i = 0; i < tables_.size(); ++i) {
    archive.write("exp_avg/" + std::to_string(i), exp_avg_[i], /*is_buffer=*/true);
    archive.write("exp_avg_sq/" + std::to_string(i), exp_avg_sq_[i], /*is_buffer=*/true);
  }
}

void SparseAdam::load(torch::serialize::InputArchive& archive) {
  torch::Tensor steps;
  archive.read("steps", steps);
  steps_ = steps.item<int64_t>();
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < tables_.size(); ++i) {
    torch::Tensor m, v;
    archive.read("exp_avg/" + std::to_string(i), m, /*is_buffer=*/true);
    archive.read("exp_avg_sq/" + std::to_string(i), v, /*is_buffer=*/true);
    TORCH_CHECK(m.sizes() == exp_avg_[i].sizes() && v.sizes() == exp_avg_sq_[i].sizes(), "SparseAdam: saved moments do not fit table ", i);
    exp_avg_[i].copy_(m);
    exp_avg_sq_[i].copy_(v);
  }
}

void SparseAdam::zero_grad() {
  for (auto& t : tables_) t.mutable_grad() = torch::Tensor();
}

}  // namespace armed
