#pragma once
// Minimization of a smooth function of a few parameters under lower bounds, without derivatives:
// quasi-Newton (BFGS) steps on forward-difference gradients, projected onto the bounds, with an
// active set for parameters held at their bound (a variance component at zero).
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

namespace armed {

struct BoundedMinimizerOptions {
  int64_t max_evaluations = 2000;
  // Stops when the predicted decrease of the quasi-Newton step, g' H g / 2, falls below this
  // (in the function's units; for a deviance, -2 log-likelihood).
  double tolerance = 1e-6;
  // What the caller already knows at the start: the function's value there (NAN: unknown), and its
  // second derivative along the directions that matter (0: unknown), which makes the first step a
  // Newton step instead of a short steepest descent.
  double start_value = NAN;
  double start_curvature = 0;
  // Or the inverse of the Hessian at the start, row by row (empty: unknown); it takes precedence.
  std::vector<std::vector<double>> start_inverse_hessian;
};

struct BoundedMinimum {
  std::vector<double> x;
  double value = 0;
  int64_t evaluations = 0;
  int64_t iterations = 0;
  bool converged = false;  // false: max_evaluations reached first
};

BoundedMinimum minimize_bounded(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x,
                                const std::vector<double>& lower, const BoundedMinimizerOptions& options = {});

}  // namespace armed
