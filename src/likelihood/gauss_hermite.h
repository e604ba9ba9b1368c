#pragma once
#include <torch/torch.h>

namespace armed {

// Gauss-Hermite quadrature for a standard normal: E[f(Z)], Z ~ N(0, 1), is about
// sum_k weights_k f(nodes_k); exact for polynomials of degree < 2 n. Float64 [n] each.
struct GaussHermite {
  torch::Tensor nodes, weights;
};

// The n-point rule by Golub and Welsch (eigenvalues of the Jacobi matrix of the probabilists'
// Hermite polynomials); weights sum to 1.
GaussHermite gauss_hermite(int64_t n);

}  // namespace armed
