#pragma once
#include <torch/torch.h>

namespace armed {

// Mean negative log-likelihoods per row, each one autograd node (composed of ATen ops they were
// 4-8 nodes each, and a minibatch step takes two).
// Binomial: mean of t softplus(eta) - y eta, -log Binomial(y | t, sigmoid(eta)) up to a constant;
// trials t undefined means 1 (Bernoulli). Gradient flows to eta only.
torch::Tensor binomial_nll(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials);
// Gaussian: mean of log_sd + log(2 pi) / 2 + (y - eta)^2 / (2 exp(2 log_sd)). Gradient flows to
// eta and the scalar log_sd.
torch::Tensor gaussian_nll(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& log_sd);

}  // namespace armed
