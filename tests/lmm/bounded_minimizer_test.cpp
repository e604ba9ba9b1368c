#include "lmm/bounded_minimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace armed {
namespace {

constexpr double kFree = -std::numeric_limits<double>::infinity();

TEST(BoundedMinimizer, FindsRosenbrocksMinimum) {
  const auto rosenbrock = [](const std::vector<double>& x) { return 100 * std::pow(x[1] - x[0] * x[0], 2) + std::pow(1 - x[0], 2); };
  const auto best = minimize_bounded(rosenbrock, {-1.2, 1.0}, {kFree, kFree});
  EXPECT_TRUE(best.converged);
  EXPECT_NEAR(best.x[0], 1.0, 1e-3);
  EXPECT_NEAR(best.x[1], 1.0, 2e-3);
}

TEST(BoundedMinimizer, StopsAtAnActiveBound) {
  // The unconstrained minimum (-1, 2) lies outside x >= 0: the constrained one is (0, 2).
  const auto f = [](const std::vector<double>& x) { return std::pow(x[0] + 1, 2) + 3 * std::pow(x[1] - 2, 2) + x[0] * x[1] * 0.1; };
  const auto best = minimize_bounded(f, {1.0, 1.0}, {0.0, kFree});
  EXPECT_TRUE(best.converged);
  EXPECT_EQ(best.x[0], 0.0);
  EXPECT_NEAR(best.x[1], 2.0, 1e-5);
}

TEST(BoundedMinimizer, ReportsWhenTheBudgetRunsOut) {
  const auto f = [](const std::vector<double>& x) { return std::pow(x[0] - 5, 2); };
  BoundedMinimizerOptions options;
  options.max_evaluations = 3;
  const auto best = minimize_bounded(f, {0.0}, {kFree}, options);
  EXPECT_FALSE(best.converged);
  EXPECT_LE(best.evaluations, 4);
}

}  // namespace
}  // namespace armed
