#include "lmm/theta_search.h"

#include <algorithm>
#include <map>

namespace armed {

namespace {

// lme4's start, every T the identity, scaled by the power of two with the least deviance, and
// the deviance's curvature along that ray there. Far from the optimum the deviance is not convex
// in theta, and quasi-Newton steps crawl there.
struct Start {
  std::vector<double> theta;
  double value = 0, curvature = 0;
};

Start scaled_start(const std::vector<double>& start, const std::function<double(const std::vector<double>&)>& deviance) {
  const auto scaled = [&](double c) {
    std::vector<double> theta = start;
    for (double& v : theta) v *= c;
    return theta;
  };
  std::map<double, double> tried{{1.0, deviance(start)}};
  double best_scale = 1.0;
  for (const double factor : {0.5, 2.0}) {
    for (double c = best_scale * factor; c >= 1.0 / 1024 && c <= 1024; c *= factor) {
      const double value = tried[c] = deviance(scaled(c));
      if (!(value < tried[best_scale])) break;
      best_scale = c;
    }
    if (best_scale != 1.0) break;
  }
  Start out{scaled(best_scale), tried[best_scale], 0};
  const auto below = tried.find(best_scale / 2), above = tried.find(best_scale * 2);
  if (below != tried.end() && above != tried.end()) {
    // A parabola through the three points; its second derivative along theta's direction.
    const double c = best_scale, slope_low = (out.value - below->second) / (c / 2), slope_high = (above->second - out.value) / c;
    double norm2 = 0;
    for (double v : start) norm2 += v * v;
    out.curvature = std::max(0.0, (slope_high - slope_low) / (0.75 * c) / norm2);
  }
  return out;
}

}  // namespace

BoundedMinimum search_theta(const std::function<double(const std::vector<double>&)>& deviance, const std::vector<double>& start,
                            const std::vector<double>& lower) {
  const Start begin = scaled_start(start, deviance);
  BoundedMinimizerOptions options;
  options.start_value = begin.value;
  options.start_curvature = begin.curvature;
  BoundedMinimum best = minimize_bounded(deviance, begin.theta, lower, options);
  // The deviance is even in a diagonal theta, so theta = 0 is always stationary: a search that
  // comes near it stays, though the optimum may lie a little above (a small variance component).
  // Probe above each diagonal at (or near) zero, and search again from a better point.
  for (int round = 0; round < 4; ++round) {
    std::vector<double> better;
    double better_value = best.value;
    for (size_t i = 0; i < best.x.size(); ++i) {
      if (lower[i] != 0.0 || best.x[i] > 1e-2) continue;
      for (const double probe : {0.1, 0.02}) {
        std::vector<double> theta = best.x;
        theta[i] = probe;
        const double value = deviance(theta);
        if (value < better_value - 1e-6) {
          better = theta;
          better_value = value;
        }
      }
    }
    if (better.empty()) break;
    options.start_value = better_value;
    options.start_curvature = 0;
    best = minimize_bounded(deviance, better, lower, options);
  }
  return best;
}

}  // namespace armed
