#pragma once
#include <cmath>

// Scalar forms of LibTorch's softplus (same threshold) and sigmoid, for the fused autograd nodes'
// loops, so they compute what the composed ops they replace compute.
namespace armed {

inline double softplus(double x) { return x > 20.0 ? x : std::log1p(std::exp(x)); }
inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace armed
