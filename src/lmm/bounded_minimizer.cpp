#include "lmm/bounded_minimizer.h"

#include <algorithm>
#include <cmath>

namespace armed {

namespace {

using Vector = std::vector<double>;
using Matrix = std::vector<Vector>;

double dot(const Vector& a, const Vector& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

class Search {
 public:
  Search(const std::function<double(const Vector&)>& f, const Vector& lower, const BoundedMinimizerOptions& options)
      : f_(f), lower_(lower), options_(options) {}

  double value(const Vector& x) {
    ++evaluations_;
    return f_(x);
  }

  // Forward differences, which stay inside lower bounds.
  Vector gradient(const Vector& x, double fx) {
    Vector g(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      Vector step = x;
      const double h = 1e-7 * std::max(1.0, std::abs(x[i]));
      step[i] += h;
      g[i] = (value(step) - fx) / (step[i] - x[i]);
    }
    return g;
  }

  Vector project(Vector x) const {
    for (size_t i = 0; i < x.size(); ++i) x[i] = std::max(x[i], lower_[i]);
    return x;
  }

  bool exhausted() const { return evaluations_ >= options_.max_evaluations; }
  int64_t evaluations() const { return evaluations_; }

 private:
  const std::function<double(const Vector&)>& f_;
  const Vector& lower_;
  const BoundedMinimizerOptions& options_;
  int64_t evaluations_ = 0;
};

}  // namespace

BoundedMinimum minimize_bounded(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x,
                                const std::vector<double>& lower, const BoundedMinimizerOptions& options) {
  const size_t n = x.size();
  Search search(f, lower, options);
  x = search.project(x);
  BoundedMinimum result;
  double fx = std::isnan(options.start_value) ? search.value(x) : options.start_value;
  if (n == 0) return {x, fx, search.evaluations(), 0, true};
  Vector g = search.gradient(x, fx);
  Matrix h(n, Vector(n, 0.0));  // inverse Hessian estimate
  // Without a known curvature h is the identity and the first step a short steepest descent.
  bool scaled = options.start_curvature > 0;
  for (size_t i = 0; i < n; ++i) h[i][i] = scaled ? 1.0 / options.start_curvature : 1.0;
  if (options.start_inverse_hessian.size() == n) {
    h = options.start_inverse_hessian;
    scaled = true;
  }

  while (!search.exhausted()) {
    ++result.iterations;
    // Parameters at their bound whose gradient pushes outward stay there this step.
    std::vector<bool> free(n);
    for (size_t i = 0; i < n; ++i) free[i] = !(x[i] <= lower[i] && g[i] > 0);
    Vector d(n, 0.0);
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n && free[i]; ++j)
        if (free[j]) d[i] -= h[i][j] * g[j];
    const double decrease = -dot(g, d) / 2;
    if (scaled && decrease <= options.tolerance) {
      result.converged = true;
      break;
    }
    if (!scaled) {
      double largest = 0;
      for (double v : d) largest = std::max(largest, std::abs(v));
      if (largest == 0) {
        result.converged = true;
        break;
      }
      for (double& v : d) v *= 0.25 / largest;
    }

    // Backtracking on the projected path until a sufficient decrease (Armijo).
    double t = 1.0, fn = fx;
    Vector xn;
    bool moved = false;
    while (!search.exhausted()) {
      xn = x;
      for (size_t i = 0; i < n; ++i) xn[i] += t * d[i];
      xn = search.project(xn);
      Vector s(n);
      for (size_t i = 0; i < n; ++i) s[i] = xn[i] - x[i];
      fn = search.value(xn);
      if (fn <= fx + 1e-4 * dot(g, s)) {
        moved = true;
        break;
      }
      t *= 0.25;
      if (t < 1e-12) break;
    }
    if (moved && !scaled && t == 1.0) {
      // Without curvature yet the step length is a guess: while longer steps inside the bounds keep
      // improving, take them.
      for (double longer = 2.0; !search.exhausted(); longer *= 2.0) {
        Vector xl = x;
        for (size_t i = 0; i < n; ++i) xl[i] += longer * d[i];
        // Not towards a bound faster than halving the distance: at a variance's bound its deviance is
        // flat, a trap for steps guessed this way.
        bool inside = true;
        for (size_t i = 0; i < n; ++i) inside = inside && xl[i] - lower[i] >= (x[i] - lower[i]) / 2;
        if (!inside) break;
        const double fl = search.value(xl);
        if (!(fl < fn)) break;
        xn = xl;
        fn = fl;
      }
    }
    if (!moved) {
      // No decrease left along a descent direction: the minimum to the precision of the
      // differences (or, if exhausted, not reached).
      result.converged = !search.exhausted();
      break;
    }
    const Vector gn = search.gradient(xn, fn);
    Vector s(n), y(n);
    for (size_t i = 0; i < n; ++i) {
      s[i] = xn[i] - x[i];
      y[i] = gn[i] - g[i];
    }
    const double sy = dot(s, y);
    if (sy > 1e-12 * std::sqrt(dot(s, s) * dot(y, y))) {
      if (!scaled) {
        for (size_t i = 0; i < n; ++i) h[i][i] = sy / dot(y, y);
        scaled = true;
      }
      // H <- (I - rho s y') H (I - rho y s') + rho s s'
      const double rho = 1.0 / sy;
      Vector hy(n, 0.0);
      for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) hy[i] += h[i][j] * y[j];
      const double yhy = dot(y, hy);
      for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) h[i][j] += rho * ((1 + rho * yhy) * s[i] * s[j] - hy[i] * s[j] - s[i] * hy[j]);
    }
    const double change = fx - fn;
    x = xn;
    fx = fn;
    g = gn;
    if (scaled && change <= options.tolerance * 1e-3) {
      result.converged = true;
      break;
    }
  }
  result.x = x;
  result.value = fx;
  result.evaluations = search.evaluations();
  return result;
}

}  // namespace armed
