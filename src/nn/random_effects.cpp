#include "armed/nn/random_effects.h"

#include <cmath>

#include "armed/error.h"

namespace armed {
namespace {

constexpr double kMinScale = 1e-5;

torch::Tensor to_scale(const torch::Tensor& raw) { return kMinScale + torch::nn::functional::softplus(raw); }

torch::Tensor per_unit(const std::vector<double>& values, int64_t units, const char* what) {
  if (values.size() != 1 && static_cast<int64_t>(values.size()) != units)
    throw Error(std::string("random effects: ") + what + " needs one value or one per unit");
  auto t = torch::tensor(values, torch::kFloat64).to(torch::kFloat32);
  return values.size() == 1 ? t.expand({units}).clone() : t;
}

// Places the strictly-lower-triangular entries `lower` [..., U(U-1)/2] and diagonal `diag` [..., U].
torch::Tensor assemble(const torch::Tensor& diag, const torch::Tensor& lower, int64_t units) {
  auto out = torch::diag_embed(diag);
  if (units < 2) return out;
  auto idx = torch::tril_indices(units, units, -1);
  auto rows = idx[0], cols = idx[1];
  std::vector<int64_t> shape(diag.sizes().begin(), diag.sizes().end() - 1);
  shape.push_back(units * units);
  auto flat = out.reshape(shape).clone();
  flat.index_copy_(-1, rows * units + cols, lower);
  shape.back() = units;
  shape.push_back(units);
  return flat.reshape(shape);
}

// KL(N(m, s^2) || N(0, p^2)) = log(p / s) + (s^2 + m^2) / (2 p^2) - 1/2, per unit.
torch::Tensor diagonal_kl(const torch::Tensor& loc, const torch::Tensor& raw_scale, const torch::Tensor& raw_prior_scale) {
  auto s = to_scale(raw_scale), p = to_scale(raw_prior_scale).unsqueeze(0);
  return torch::log(p) - torch::log(s) + (s.square() + loc.square()) / (2 * p.square()) - 0.5;
}

// Per cluster, 1/2 [tr(Sigma^-1 S_k) + m_k' Sigma^-1 m_k - U + log|Sigma| - log|S_k|] from the
// Cholesky factors `prior` of Sigma and `post` [n, U, U] of the S_k.
torch::Tensor full_kl(const torch::Tensor& loc, const torch::Tensor& post, const torch::Tensor& prior) {
  const int64_t n = loc.size(0);
  const double u = static_cast<double>(loc.size(1));
  auto prior_b = prior.unsqueeze(0).expand({n, -1, -1});
  auto solved = at::linalg_solve_triangular(prior_b, post, /*upper=*/false);
  auto solved_m = at::linalg_solve_triangular(prior_b, loc.unsqueeze(-1), /*upper=*/false);
  auto log_det_prior = 2 * prior.diagonal().log().sum();
  auto log_det_post = 2 * post.diagonal(0, -2, -1).log().sum(-1);
  return 0.5 * (solved.square().sum({1, 2}) + solved_m.square().sum({1, 2}) - u + log_det_prior - log_det_post);
}

}  // namespace

RandomEffectsImpl::RandomEffectsImpl(RandomEffectsOptions options_) : options(std::move(options_)) { reset(); }

void RandomEffectsImpl::reset() {
  const auto& o = options;
  const int64_t k = o.clusters(), u = o.units();
  if (k < 1 || u < 1) throw Error("random effects need at least one cluster and one unit");
  if (o.covariance() != "diagonal" && o.covariance() != "full")
    throw Error("--re-covariance must be diagonal or full, not '" + o.covariance() + "'");
  auto prior = per_unit(o.prior_scale(), u, "prior_scale");
  if (!(prior.min().item<double>() > kMinScale) || !(o.posterior_scale_init_min() > 0) || o.posterior_scale_init_range() < 0)
    throw Error("random-effect scales must be positive");
  loc = register_parameter("loc", torch::randn({k, u}) * per_unit(o.posterior_loc_init_scale(), u, "posterior_loc_init_scale"));
  const double lo = o.posterior_scale_init_min(), hi = lo + o.posterior_scale_init_range();
  raw_scale = register_parameter("raw_scale", torch::log(torch::expm1(torch::rand({k, u}) * (hi - lo) + lo)));
  auto raw_prior = torch::log(torch::expm1(prior - kMinScale));
  const int64_t pairs = u * (u - 1) / 2;
  if (o.learn_prior_scale()) {
    raw_prior_scale = register_parameter("raw_prior_scale", raw_prior);
    if (full()) prior_lower = register_parameter("prior_lower", torch::zeros({pairs}));
  } else {
    raw_prior_scale = register_buffer("raw_prior_scale", raw_prior);
  }
  if (full()) lower = register_parameter("lower", torch::zeros({k, pairs}));
}

torch::Tensor RandomEffectsImpl::rows(const torch::Tensor& table, const torch::Tensor& idx) const {
  return options.sparse() ? torch::embedding(table, idx, -1, false, /*sparse=*/true) : table.index_select(0, idx);
}

std::vector<torch::Tensor> RandomEffectsImpl::cluster_tables() const {
  return full() ? std::vector<torch::Tensor>{loc, raw_scale, lower} : std::vector<torch::Tensor>{loc, raw_scale};
}

torch::Tensor RandomEffectsImpl::cholesky_rows(const torch::Tensor& idx) const {
  const int64_t u = options.units();
  auto diag = to_scale(rows(raw_scale, idx));
  return full() ? assemble(diag, rows(lower, idx), u) : torch::diag_embed(diag);
}

torch::Tensor RandomEffectsImpl::posterior_cholesky() const {
  return cholesky_rows(torch::arange(options.clusters(), torch::kInt64));
}

torch::Tensor RandomEffectsImpl::prior_cholesky() const {
  auto diag = to_scale(raw_prior_scale);
  return prior_lower.defined() ? assemble(diag, prior_lower, options.units()) : torch::diag(diag);
}

torch::Tensor RandomEffectsImpl::posterior_scale() const {
  return full() ? posterior_cholesky().square().sum(-1).sqrt() : to_scale(raw_scale);
}

torch::Tensor RandomEffectsImpl::prior_scale() const { return prior_cholesky().square().sum(-1).sqrt(); }

torch::Tensor RandomEffectsImpl::forward(const ClusterDesign& z) {
  if (z.soft.defined()) {
    // Local reparameterization with the marginal variances: Z u has mean Z loc.
    auto mean = z.soft.matmul(loc);
    if (!is_training()) return mean;
    auto sd = (z.soft.square().matmul(posterior_scale().square()) + 1e-12).sqrt();
    return mean + sd * torch::randn_like(mean);
  }
  // One-hot Z: gather the rows' clusters; cost grows with the batch, not with the clusters.
  if (is_training()) {
    // Training rows all have a cluster (an id of -1 fails the gather): no mask to build.
    auto out = rows(loc, z.ids);
    auto eps = torch::randn_like(out);
    return out + (full() ? cholesky_rows(z.ids).matmul(eps.unsqueeze(-1)).squeeze(-1) : to_scale(rows(raw_scale, z.ids)) * eps);
  }
  auto known = (z.ids >= 0).to(loc.scalar_type()).unsqueeze(1);
  return loc.index_select(0, z.ids.clamp_min(0)) * known;
}

std::pair<torch::Tensor, torch::Tensor> RandomEffectsImpl::linear_moments(const torch::Tensor& ids, const torch::Tensor& h) {
  auto known = (ids >= 0).to(loc.scalar_type());
  auto idx = ids.clamp_min(0);
  auto mean = (loc.index_select(0, idx) * h).sum(1) * known;
  // Var(u . h) = |L_k^T h|^2 with S_k = L_k L_k^T.
  auto lt_h = cholesky_rows(idx).transpose(1, 2).matmul(h.unsqueeze(-1)).squeeze(-1);
  return {mean, lt_h.square().sum(1) * known};
}

torch::Tensor RandomEffectsImpl::kl_divergence() const {
  if (!full() && !prior_lower.defined()) return diagonal_kl(loc, raw_scale, raw_prior_scale).sum();
  return full_kl(loc, posterior_cholesky(), prior_cholesky()).sum();
}

torch::Tensor RandomEffectsImpl::kl_divergence(const torch::Tensor& ids, const torch::Tensor& weights) const {
  if (!full() && !prior_lower.defined())
    return diagonal_kl(rows(loc, ids), rows(raw_scale, ids), raw_prior_scale).sum(1).dot(weights);
  return full_kl(rows(loc, ids), cholesky_rows(ids), prior_cholesky()).dot(weights);
}

}  // namespace armed
