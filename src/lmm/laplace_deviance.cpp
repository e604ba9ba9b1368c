#include "lmm/laplace_deviance.h"

#include <cmath>

#include "armed/error.h"

namespace armed {

namespace {

// PIRLS stops after a step whose Newton decrement (twice the penalized log-likelihood's predicted
// gain) is below kDecrement. Every evaluation takes at least that step: the Laplace deviance
// depends on the modes through log |S| to first order, so modes left where the last evaluation
// put them would bias the outer search's forward differences. Below kSafeStep the full Newton
// step is taken unchecked, as a rise would be lost in rounding.
constexpr double kDecrement = 1e-11, kSafeStep = 1e-6;
constexpr int kMaxIterations = 100, kMaxHalvings = 30;

}  // namespace

LaplaceDeviance::LaplaceDeviance(const GlmmInput& data, int64_t nagq)
    : data_((data.design.validate(), data)), nagq_(nagq), system_(data.design.terms) {
  if (data.family == nullptr || data.family->has_residual_sd())
    throw Error("generalized linear mixed model: needs a family without a residual SD (binomial, poisson)");
  if (nagq > 1 && (data.design.terms.size() != 1 || data.design.terms[0].units() != 1))
    throw Error("--nagq " + std::to_string(nagq) +
                ": adaptive quadrature takes one grouping factor with a random intercept alone (as glmer); use --nagq 1 (Laplace)");
  constant_ = data.family->log_density_constant(data.design.y, data.trials).sum().item<double>();
  if (nagq > 1) rule_ = gauss_hermite(nagq);
  beta_ = torch::zeros({data.design.x.size(1)}, torch::kFloat64);
  u_ = torch::zeros({system_.columns()}, torch::kFloat64);
}

torch::Tensor LaplaceDeviance::eta(const std::vector<torch::Tensor>& t, const torch::Tensor& beta, const torch::Tensor& u) const {
  auto e = data_.design.x.mv(beta) + system_.z_times(system_.effects(t, u));
  return data_.offset.defined() ? e + data_.offset : e;
}

double LaplaceDeviance::penalized(const LogDensity& d, const torch::Tensor& u) const {
  return d.value.sum().item<double>() - 0.5 * u.square().sum().item<double>();
}

double LaplaceDeviance::newton_step(const std::vector<torch::Tensor>& t, bool with_beta, torch::Tensor& du, torch::Tensor& db) {
  const LmmData& design = data_.design;
  const int64_t p = design.x.size(1);
  const SparseCholesky& factor = system_.factor();
  system_.factorize(t, density_.weight);
  const auto r_u = system_.lambda_transpose(t, system_.z_transpose(density_.gradient.unsqueeze(1))).squeeze(1) - u_;
  if (!with_beta) {
    du = r_u.contiguous().clone();
    factor.forward_solve(du.data_ptr<double>(), 1);
    factor.backward_solve(du.data_ptr<double>(), 1);
    return r_u.dot(du).item<double>();
  }
  // Newton's system [S, Lambda'Z'WX; X'WZ Lambda, X'WX] [du; db] = [r_u; X'g] through the Schur
  // complement of S, as the linear model's penalized least squares.
  const auto wx = design.x * density_.weight.unsqueeze(1);
  auto c = torch::cat({system_.lambda_transpose(t, system_.z_transpose(wx)), r_u.unsqueeze(1)}, 1).t().contiguous();
  factor.forward_solve(c.data_ptr<double>(), p + 1);
  const auto rzx = c.narrow(0, 0, p), cu = c[p];
  auto [rx, info] = torch::linalg_cholesky_ex(design.x.t().mm(wx) - rzx.mm(rzx.t()));
  if (info.item<int64_t>() != 0) throw Error("generalized linear mixed model: the fixed effects are not determined");
  const auto r_b = design.x.t().mv(density_.gradient);
  db = torch::cholesky_solve((r_b - rzx.mv(cu)).unsqueeze(1), rx).squeeze(1);
  du = (cu - rzx.t().mv(db)).contiguous();
  factor.backward_solve(du.data_ptr<double>(), 1);
  return r_u.dot(du).item<double>() + r_b.dot(db).item<double>();
}

// The same system for one scalar term, where S is diagonal, S_l = 1 + lambda^2 sum over the
// level's rows of w z^2: solved level by level in one pass over the rows, without the sparse
// factor (what the exact stage after a network mostly fits, with many levels).
double LaplaceDeviance::scalar_newton_step(double lambda, bool with_beta, torch::Tensor& du, torch::Tensor& db) const {
  const LmmData& design = data_.design;
  const LmmTerm& term = design.terms[0];
  const int64_t n = design.rows(), p = design.x.size(1), levels = static_cast<int64_t>(term.levels.size());
  const auto x_rows = design.x.contiguous(), z_rows = term.covariates.contiguous(), level_rows = term.level.contiguous();
  const double *x = x_rows.data_ptr<double>(), *z = z_rows.data_ptr<double>();
  const int64_t* level = level_rows.data_ptr<int64_t>();
  const auto weight = density_.weight.contiguous(), gradient = density_.gradient.contiguous(), modes = u_.contiguous();
  const double *w = weight.data_ptr<double>(), *g = gradient.data_ptr<double>(), *u = modes.data_ptr<double>();
  std::vector<double> diagonal(static_cast<size_t>(levels), 1.0), r_u(static_cast<size_t>(levels), 0.0);
  std::vector<double> rzx(with_beta ? static_cast<size_t>(levels * p) : 0, 0.0), xwx(static_cast<size_t>(p * p), 0.0), r_b(static_cast<size_t>(p), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    const auto l = static_cast<size_t>(level[i]);
    const double lz = lambda * z[i];
    diagonal[l] += lz * lz * w[i];
    r_u[l] += lz * g[i];
    if (!with_beta) continue;
    const double* xi = x + i * p;
    for (int64_t j = 0; j < p; ++j) {
      rzx[l * static_cast<size_t>(p) + static_cast<size_t>(j)] += lz * w[i] * xi[j];
      r_b[static_cast<size_t>(j)] += xi[j] * g[i];
      for (int64_t k = 0; k <= j; ++k) xwx[static_cast<size_t>(j * p + k)] += xi[j] * w[i] * xi[k];
    }
  }
  du = torch::empty({levels}, torch::kFloat64);
  double* step = du.data_ptr<double>();
  double decrement = 0;
  if (!with_beta) {
    for (int64_t l = 0; l < levels; ++l) {
      const auto li = static_cast<size_t>(l);
      r_u[li] -= u[l];
      step[l] = r_u[li] / diagonal[li];
      decrement += r_u[li] * step[l];
    }
    return decrement;
  }
  // With L = sqrt(S): rzx = L^-1 Lambda'Z'WX and cu = L^-1 r_u per level, then the Schur complement.
  auto schur = torch::empty({p, p}, torch::kFloat64);
  auto rhs = torch::empty({p}, torch::kFloat64);
  std::vector<double> cu(static_cast<size_t>(levels));
  std::vector<double> rzx_rzx(static_cast<size_t>(p * p), 0.0), rzx_cu(static_cast<size_t>(p), 0.0);
  for (int64_t l = 0; l < levels; ++l) {
    const auto li = static_cast<size_t>(l);
    const double root = std::sqrt(diagonal[li]);
    r_u[li] -= u[l];
    cu[li] = r_u[li] / root;
    double* row = rzx.data() + li * static_cast<size_t>(p);
    for (int64_t j = 0; j < p; ++j) row[j] /= root;
    for (int64_t j = 0; j < p; ++j) {
      rzx_cu[static_cast<size_t>(j)] += row[j] * cu[li];
      for (int64_t k = 0; k <= j; ++k) rzx_rzx[static_cast<size_t>(j * p + k)] += row[j] * row[k];
    }
  }
  for (int64_t j = 0; j < p; ++j) {
    rhs[j] = r_b[static_cast<size_t>(j)] - rzx_cu[static_cast<size_t>(j)];
    for (int64_t k = 0; k <= j; ++k) {
      const double value = xwx[static_cast<size_t>(j * p + k)] - rzx_rzx[static_cast<size_t>(j * p + k)];
      schur[j][k] = value;
      schur[k][j] = value;
    }
  }
  auto [rx, info] = torch::linalg_cholesky_ex(schur);
  if (info.item<int64_t>() != 0) throw Error("generalized linear mixed model: the fixed effects are not determined");
  db = torch::cholesky_solve(rhs.unsqueeze(1), rx).squeeze(1).contiguous();
  const double* beta_step = db.data_ptr<double>();
  for (int64_t j = 0; j < p; ++j) decrement += r_b[static_cast<size_t>(j)] * beta_step[j];
  for (int64_t l = 0; l < levels; ++l) {
    const auto li = static_cast<size_t>(l);
    const double* row = rzx.data() + li * static_cast<size_t>(p);
    double v = cu[li];
    for (int64_t j = 0; j < p; ++j) v -= row[j] * beta_step[j];
    step[l] = v / std::sqrt(diagonal[li]);
    decrement += r_u[li] * step[l];
  }
  return decrement;
}

void LaplaceDeviance::pirls(const std::vector<torch::Tensor>& t, bool with_beta) {
  const LmmData& design = data_.design;
  const bool scalar = design.terms.size() == 1 && design.terms[0].units() == 1;
  // Whether density_ and the factor of S are at the current modes: a step accepted after its trial
  // keeps the trial's density, and only a factor at the final modes is needed at the end.
  bool density_current = false, factor_current = false;
  for (int iteration = 0; iteration < kMaxIterations; ++iteration) {
    if (!density_current) density_ = data_.family->log_density(eta(t, beta_, u_), design.y, data_.trials);
    density_current = true;
    const double objective = penalized(density_, u_);
    if (!std::isfinite(objective)) throw Error("generalized linear mixed model: the likelihood is not finite at these estimates");
    torch::Tensor du, db;
    const double decrement = scalar ? scalar_newton_step(t[0].item<double>(), with_beta, du, db) : newton_step(t, with_beta, du, db);
    factor_current = !scalar;
    if (decrement < kSafeStep) {
      u_ = u_ + du;
      if (with_beta) beta_ = beta_ + db;
      density_current = factor_current = false;
      if (decrement < kDecrement) break;
      continue;
    }
    double step = 1.0;
    bool improved = false;
    for (int halving = 0; halving < kMaxHalvings && !improved; ++halving, step /= 2) {
      const auto u = u_ + step * du;
      const auto beta = with_beta ? beta_ + step * db : beta_;
      LogDensity trial = data_.family->log_density(eta(t, beta, u), design.y, data_.trials);
      if (penalized(trial, u) >= objective) {
        u_ = u;
        beta_ = beta;
        density_ = std::move(trial);
        factor_current = false;
        improved = true;
      }
    }
    if (!improved) break;  // at the modes to rounding
  }
  if (!density_current) density_ = data_.family->log_density(eta(t, beta_, u_), design.y, data_.trials);
  if (!factor_current) system_.factorize(t, density_.weight);
}

double LaplaceDeviance::deviance(const std::vector<torch::Tensor>& t) {
  const double laplace = -2.0 * (density_.value.sum().item<double>() + constant_) + u_.square().sum().item<double>() +
                         system_.factor().log_determinant();
  if (nagq_ == 1) return laplace;
  // One scalar term, S diagonal: per level its curvature h = S_ll; the integral over u_l centred
  // at the mode and scaled by h^-1/2, by the nodes of N(0, 1).
  const LmmTerm& term = data_.design.terms[0];
  const int64_t levels = static_cast<int64_t>(term.levels.size());
  const double lambda = t[0].item<double>();
  const auto z = term.covariates.select(1, 0);
  auto h = torch::ones({levels}, torch::kFloat64);
  h.index_add_(0, term.level, lambda * lambda * density_.weight * z.square());
  const auto& [nodes, weights] = rule_;
  const auto e0 = eta(t, beta_, u_);
  std::vector<torch::Tensor> terms;
  for (int64_t j = 0; j < nagq_; ++j) {
    const double node = nodes[j].item<double>();
    const auto shift = node / h.sqrt();  // u - u_mode per level
    const auto e = e0 + lambda * z * shift.index_select(0, term.level);
    auto g = torch::zeros({levels}, torch::kFloat64);
    g.index_add_(0, term.level, data_.family->log_density(e, data_.design.y, data_.trials).value);
    const auto u = u_ + shift;
    terms.push_back(std::log(weights[j].item<double>()) + g - u.square() / 2 + node * node / 2);
  }
  const auto log_integral = -0.5 * h.log() + torch::logsumexp(torch::stack(terms), 0);
  return -2.0 * (log_integral.sum().item<double>() + constant_);
}

double LaplaceDeviance::operator()(const std::vector<double>& theta, const torch::Tensor& beta) {
  if (static_cast<int64_t>(theta.size()) != theta_size() || beta.numel() != beta_.numel())
    throw Error("generalized linear mixed model: wrong number of parameters");
  theta_ = theta;
  beta_ = beta.to(torch::kFloat64).clone();
  const auto t = system_.relative_factors(theta);
  pirls(t, /*with_beta=*/false);
  return deviance(t);
}

double LaplaceDeviance::with_beta_modes(const std::vector<double>& theta) {
  if (static_cast<int64_t>(theta.size()) != theta_size()) throw Error("generalized linear mixed model: wrong number of parameters");
  theta_ = theta;
  const auto t = system_.relative_factors(theta);
  pirls(t, /*with_beta=*/true);
  return deviance(t);
}

std::vector<torch::Tensor> LaplaceDeviance::effects() const { return system_.effects(system_.relative_factors(theta_), u_); }

torch::Tensor LaplaceDeviance::beta_covariance() const {
  const LmmData& design = data_.design;
  const int64_t p = design.x.size(1);
  const auto t = system_.relative_factors(theta_);
  const auto wx = design.x * density_.weight.unsqueeze(1);
  auto rzx = system_.lambda_transpose(t, system_.z_transpose(wx)).t().contiguous();
  system_.factor().forward_solve(rzx.data_ptr<double>(), p);
  return torch::inverse(design.x.t().mm(wx) - rzx.mm(rzx.t()));
}

std::vector<torch::Tensor> LaplaceDeviance::conditional_covariances() const {
  return system_.level_covariances(system_.relative_factors(theta_), 1.0);
}

}  // namespace armed
