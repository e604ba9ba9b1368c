#pragma once
#include <torch/torch.h>

#include <vector>

namespace armed {

// A module's parameters and buffers, copied: the best epoch's weights, kept to return to.
inline std::vector<torch::Tensor> snapshot(torch::nn::Module& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p.detach().clone());
  for (const auto& b : m.buffers()) out.push_back(b.detach().clone());
  return out;
}

inline void restore(torch::nn::Module& m, const std::vector<torch::Tensor>& saved) {
  torch::NoGradGuard no_grad;
  size_t i = 0;
  for (auto& p : m.parameters()) p.copy_(saved[i++]);
  for (auto& b : m.buffers()) b.copy_(saved[i++]);
}

}  // namespace armed
