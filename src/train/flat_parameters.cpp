#include "train/flat_parameters.h"

namespace armed {

int64_t parameter_count(const std::vector<torch::Tensor>& parameters) {
  int64_t total = 0;
  for (const auto& p : parameters) total += p.numel();
  return total;
}

FlatParameters::FlatParameters(const std::vector<torch::Tensor>& parameters) {
  const int64_t total = parameter_count(parameters);
  const auto options = parameters.empty() ? torch::TensorOptions(torch::kFloat32) : parameters.front().options();
  values_ = torch::empty({total}, options.requires_grad(false));
  grads_ = torch::zeros({total}, options.requires_grad(false));
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (auto p : parameters) {
    const int64_t n = p.numel();
    auto value = values_.narrow(0, offset, n).view(p.sizes());
    value.copy_(p);
    p.set_data(value);
    p.mutable_grad() = grads_.narrow(0, offset, n).view(p.sizes());
    offset += n;
  }
  values_.set_requires_grad(true);
  values_.mutable_grad() = grads_;
}

}  // namespace armed
