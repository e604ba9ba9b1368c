#pragma once
#include <torch/torch.h>

#include <vector>

namespace armed {

// Centres and scales features with training statistics, saved with the model.
struct Standardizer {
  std::vector<double> mean;
  std::vector<double> sd;  // constant features keep sd 1 so they pass through centred

  // `centre` false (a model without intercept): mean 0 and sd the root mean square.
  static Standardizer fit(const torch::Tensor& x, bool centre = true);
  torch::Tensor transform(const torch::Tensor& x) const;
};

}  // namespace armed
