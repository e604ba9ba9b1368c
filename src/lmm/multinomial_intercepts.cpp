#include "lmm/multinomial_intercepts.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "armed/error.h"
#include "lmm/bounded_minimizer.h"

namespace armed {
namespace {

// The Laplace deviance as a function of (a_1..a_{K-1}, s, sigma_1..sigma_K), keeping the last
// evaluation's spherical modes v to start the next Newton iteration from.
class MultinomialDeviance {
 public:
  MultinomialDeviance(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& level, int64_t levels)
      : eta_(eta), y_(y.contiguous()), level_(level.contiguous()), levels_(levels), classes_(eta.size(1)) {
    v_ = torch::zeros({levels, classes_}, torch::kFloat64);
  }

  double operator()(const std::vector<double>& x) {
    const auto [shift, scale, sd] = unpack(x);
    const auto base = shift + scale * eta_;
    State s = state(base, sd, v_);
    for (int iteration = 0; iteration < 100; ++iteration) {
      const auto step = torch::linalg_solve(s.hessian, s.gradient.unsqueeze(-1)).squeeze(-1);
      // The Newton decrement per level: once every one is at rounding level, the modes are found.
      if ((s.gradient * step).sum(1).max().item<double>() < 1e-16) break;
      // Each level's objective is concave: halve the step of the levels where it did not rise.
      auto factor = torch::ones({levels_, 1}, torch::kFloat64);
      State next = state(base, sd, v_ + step);
      for (int halving = 0; halving < 30; ++halving) {
        const auto worse = next.objective < s.objective - 1e-9;  // beyond rounding
        if (!worse.any().item<bool>()) break;
        factor = torch::where(worse.unsqueeze(1), factor / 2, factor);
        next = state(base, sd, v_ + factor * step);
      }
      v_ = next.v;
      s = std::move(next);
    }
    last_ = s;
    sd_ = sd;
    return -2 * (s.objective.sum().item<double>() - 0.5 * torch::logdet(s.hessian).sum().item<double>());
  }

  // At the last evaluation.
  torch::Tensor modes() const { return sd_ * v_; }
  torch::Tensor conditional_covariance() const {
    const auto lambda = torch::diag_embed(sd_.expand({levels_, classes_}));
    return lambda.matmul(torch::linalg_inv(last_.hessian)).matmul(lambda);
  }
  std::tuple<torch::Tensor, double, torch::Tensor> unpack(const std::vector<double>& x) const {
    const auto k = static_cast<size_t>(classes_);
    std::vector<double> shift{0.0};
    shift.insert(shift.end(), x.begin(), x.begin() + static_cast<std::ptrdiff_t>(k - 1));
    return {torch::tensor(shift, torch::kFloat64), x[k - 1],
            torch::tensor(std::vector<double>(x.begin() + static_cast<std::ptrdiff_t>(k), x.end()), torch::kFloat64)};
  }

 private:
  struct State {
    torch::Tensor v;          // [levels, K]
    torch::Tensor objective;  // [levels] sum of the rows' log-probabilities - |v|^2 / 2
    torch::Tensor gradient;   // [levels, K] of the objective in v
    torch::Tensor hessian;    // [levels, K, K] of minus the objective: I + Lambda J Lambda
  };

  // One pass over the rows, summing per level: as composed tensor ops (a [rows, K, K] covariance
  // and its index_add among them) an evaluation of the deviance took 4x longer.
  State state(const torch::Tensor& base, const torch::Tensor& sd, const torch::Tensor& v) const {
    const int64_t k = classes_, n = base.size(0);
    auto objective = torch::zeros({levels_}, torch::kFloat64), residual = torch::zeros({levels_, k}, torch::kFloat64);
    auto information = torch::zeros({levels_, k, k}, torch::kFloat64);
    const auto b = base.contiguous(), vc = v.contiguous(), sc = sd.contiguous();
    const double *pb = b.data_ptr<double>(), *pv = vc.data_ptr<double>(), *ps = sc.data_ptr<double>();
    const int64_t *pl = level_.data_ptr<int64_t>(), *py = y_.data_ptr<int64_t>();
    double *po = objective.data_ptr<double>(), *pr = residual.data_ptr<double>(), *pj = information.data_ptr<double>();
    std::vector<double> p(static_cast<size_t>(k));
    for (int64_t i = 0; i < n; ++i) {
      const int64_t c = pl[i];
      double top = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < k; ++j) top = std::max(top, p[j] = pb[i * k + j] + ps[j] * pv[c * k + j]);
      const double logit_y = p[py[i]];
      double total = 0;
      for (int64_t j = 0; j < k; ++j) total += (p[j] = std::exp(p[j] - top));
      po[c] += logit_y - top - std::log(total);
      for (int64_t j = 0; j < k; ++j) p[j] /= total;
      for (int64_t j = 0; j < k; ++j) {
        pr[c * k + j] += (j == py[i]) - p[j];
        double* row = pj + (c * k + j) * k;
        row[j] += p[j];
        for (int64_t l = 0; l < k; ++l) row[l] -= p[j] * p[l];
      }
    }
    State s;
    s.v = v;
    s.objective = objective - v.square().sum(1) / 2;
    s.gradient = sd * residual - v;
    s.hessian = torch::eye(k, torch::kFloat64) + sd.view({1, -1, 1}) * information * sd.view({1, 1, -1});
    return s;
  }

  torch::Tensor eta_, y_, level_, v_, sd_;
  int64_t levels_, classes_;
  State last_;
};

}  // namespace

MultinomialInterceptsFit fit_multinomial_intercepts(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& level,
                                                    int64_t levels, double start_sd, std::ostream* progress) {
  const auto start = std::chrono::steady_clock::now();
  TORCH_CHECK(eta.dim() == 2 && eta.size(1) >= 2 && y.size(0) == eta.size(0) && level.size(0) == eta.size(0),
              "fit_multinomial_intercepts: eta must be [rows, K >= 2], y and level [rows]");
  if ((level < 0).any().item<bool>()) throw Error("the multiclass exact stage needs every row's cluster");
  const int64_t k = eta.size(1);
  MultinomialDeviance deviance(eta.to(torch::kFloat64), y.to(torch::kInt64), level.to(torch::kInt64), levels);
  std::vector<double> x(static_cast<size_t>(k - 1), 0.0), lower(static_cast<size_t>(k - 1), -std::numeric_limits<double>::infinity());
  x.push_back(1.0);
  lower.push_back(-std::numeric_limits<double>::infinity());
  x.resize(static_cast<size_t>(2 * k), std::max(start_sd, 0.1));
  lower.resize(static_cast<size_t>(2 * k), 0.0);
  int64_t evaluations = 0;
  const auto evaluate = [&](const std::vector<double>& v) {
    ++evaluations;
    return deviance(v);
  };
  BoundedMinimizerOptions options;
  options.tolerance = 1e-6;
  const BoundedMinimum best = minimize_bounded(evaluate, x, lower, options);

  MultinomialInterceptsFit fit;
  fit.deviance = evaluate(best.x);  // the modes at the optimum
  const auto [shift, scale, sd] = deviance.unpack(best.x);
  fit.shift = shift;
  fit.scale = scale;
  fit.variance = sd.square();
  fit.modes = deviance.modes();
  fit.conditional_covariance = deviance.conditional_covariance();
  fit.evaluations = evaluations;
  fit.converged = best.converged;
  if (progress) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    *progress << "multinomial random intercepts (Laplace): deviance " << fit.deviance << " after " << evaluations << " evaluations"
              << (fit.converged ? "" : " (not converged)") << ", " << seconds << " s" << std::endl;
  }
  return fit;
}

}  // namespace armed
