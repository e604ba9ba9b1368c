#pragma once
#include <torch/torch.h>

#include <vector>

namespace armed {

// Centres and scales features with training statistics, saved with the model.
struct Standardizer {
  std::vector<double> mean;
  std::vector<double> sd;  // constant features keep sd 1 so they pass through centred

  static Standardizer fit(const torch::Tensor& x);
  torch::Tensor transform(const torch::Tensor& x) const;
};

}  // namespace armed
