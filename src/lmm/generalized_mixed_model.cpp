#include "lmm/generalized_mixed_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "lmm/theta_search.h"

namespace armed {

LmmFit fit_generalized_mixed_model(const GlmmInput& data, int64_t nagq, std::ostream* progress) {
  const auto start = std::chrono::steady_clock::now();
  LaplaceDeviance deviance(data, nagq);
  int64_t evaluations = 0;
  const BoundedMinimum first = search_theta(
      [&](const std::vector<double>& theta) {
        ++evaluations;
        return deviance.with_beta_modes(theta);
      },
      deviance.theta_start(), deviance.theta_lower());
  deviance.with_beta_modes(first.x);

  // Theta and beta together from there; the modes alone follow them in PIRLS.
  const auto p = static_cast<size_t>(data.design.x.size(1)), k = first.x.size();
  std::vector<double> x = first.x, lower = deviance.theta_lower();
  const auto beta = deviance.beta();
  for (size_t j = 0; j < p; ++j) x.push_back(beta[static_cast<int64_t>(j)].item<double>());
  lower.resize(k + p, -std::numeric_limits<double>::infinity());
  const auto evaluate = [&](const std::vector<double>& v) {
    ++evaluations;
    return deviance(std::vector<double>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k)),
                    torch::tensor(std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(k), v.end()), torch::kFloat64));
  };
  // A start for the quasi-Newton matrix: the deviance's curvature in beta is twice beta's
  // information, in each theta a second difference.
  BoundedMinimizerOptions options;
  options.tolerance = 1e-8;  // beta to about 1e-5 where its deviance curvature is 20 (cbpp)
  options.start_value = evaluate(x);
  const auto beta_block = deviance.beta_covariance() / 2;
  auto& h = options.start_inverse_hessian;
  h.assign(k + p, std::vector<double>(k + p, 0.0));
  for (size_t i = 0; i < p; ++i)
    for (size_t j = 0; j < p; ++j) h[k + i][k + j] = beta_block[static_cast<int64_t>(i)][static_cast<int64_t>(j)].item<double>();
  for (size_t i = 0; i < k; ++i) {
    const double step = 1e-3 * std::max(1.0, std::abs(x[i]));
    std::vector<double> up = x, down = x;
    up[i] += step;
    down[i] = std::max(down[i] - step, lower[i]);
    const double curvature = 2 * ((evaluate(up) - options.start_value) / step - (options.start_value - evaluate(down)) / (x[i] - down[i])) /
                             (step + x[i] - down[i]);
    h[i][i] = curvature > 0 ? 1.0 / curvature : 1.0;
  }
  deviance(first.x, beta);  // the modes at the start again
  const BoundedMinimum best = minimize_bounded(evaluate, x, lower, options);
  LmmFit fit;
  fit.family = data.family->family();
  fit.nagq = nagq;
  fit.criterion = evaluate(best.x);  // the modes at the optimum stay in `deviance`
  fit.fixed_names = data.design.fixed_names;
  fit.theta.assign(best.x.begin(), best.x.begin() + static_cast<std::ptrdiff_t>(k));
  fit.beta = deviance.beta().clone();
  fit.sigma = 1.0;
  fit.beta_covariance = deviance.beta_covariance();
  fit.rows = data.design.rows();
  fit.evaluations = evaluations;
  fit.converged = first.converged && best.converged;
  fit.factor_nonzeros = deviance.factor().factor_nonzeros();
  fit.terms = term_fits(data.design.terms, fit.theta, deviance.effects(), deviance.conditional_covariances(), 1.0);
  if (progress) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    *progress << "generalized linear mixed model (" << fit.family << ", "
              << (nagq == 1 ? std::string("Laplace") : "adaptive quadrature, " + std::to_string(nagq) + " nodes") << "): deviance "
              << fit.criterion << " after " << fit.evaluations << " evaluations" << (fit.converged ? "" : " (not converged)") << ", "
              << seconds << " s" << std::endl;
  }
  return fit;
}

}  // namespace armed
