#include "data/standardizer.h"

namespace armed {

Standardizer Standardizer::fit(const torch::Tensor& x, bool centre) {
  auto xd = x.to(torch::kFloat64);
  auto mean = centre ? xd.mean(0) : torch::zeros({x.size(1)}, torch::kFloat64);
  auto sd = centre ? xd.std(0, /*unbiased=*/false) : xd.square().mean(0).sqrt();
  Standardizer s;
  for (int64_t j = 0; j < x.size(1); ++j) {
    s.mean.push_back(mean[j].item<double>());
    const double v = sd[j].item<double>();
    s.sd.push_back(v > 1e-12 ? v : 1.0);
  }
  return s;
}

torch::Tensor Standardizer::transform(const torch::Tensor& x) const {
  auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  auto mean_t = torch::tensor(mean, opts), sd_t = torch::tensor(sd, opts);
  return ((x.to(torch::kFloat64) - mean_t) / sd_t).to(torch::kFloat32);
}

}  // namespace armed
