#include "likelihood/gauss_hermite.h"

#include <cmath>

namespace armed {

GaussHermite gauss_hermite(int64_t n) {
  auto jacobi = torch::zeros({n, n}, torch::kFloat64);
  for (int64_t k = 1; k < n; ++k) jacobi[k][k - 1] = jacobi[k - 1][k] = std::sqrt(static_cast<double>(k));
  auto [values, vectors] = torch::linalg_eigh(jacobi);
  auto weights = vectors[0].square();
  return {values, weights / weights.sum()};
}

}  // namespace armed
