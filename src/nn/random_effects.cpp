#include "nn/random_effects.h"

#include <cmath>

#include "scalar_math.h"
#include "armed/error.h"

namespace armed {
namespace {

constexpr double kMinScale = 1e-5;

// Standard normal noise shaped as `like` ([rows, units]) for z's rows: drawn for z's whole batch
// when z is a rank's share of it (ClusterDesign::batch_rows), the share's rows kept.
torch::Tensor batch_noise(const torch::Tensor& like, const ClusterDesign& z) {
  if (z.batch_rows == 0) return torch::randn_like(like);
  auto shape = like.sizes().vec();
  shape[0] = z.batch_rows;
  return torch::randn(shape, like.options()).narrow(0, z.batch_offset, like.size(0));
}

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

// sum_k w_k sum_u KL(N(m_ku, s_ku^2) || N(0, p_u^2)), KL = log(p / s) + (s^2 + m^2) / (2 p^2) - 1/2,
// as one autograd node with its gradient written out: as composed ATen ops it was 15 ops forward and
// 9 nodes backward, a tenth of a minibatch step of the spiral model.
class DiagonalKl : public torch::autograd::Function<DiagonalKl> {
 public:
  // loc, raw_scale: [k, u]; raw_prior_scale: [u]; weights: [k], or none for all ones.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& loc, const torch::Tensor& raw_scale,
                               const torch::Tensor& raw_prior_scale, const c10::optional<torch::Tensor>& optional_weights) {
    const torch::Tensor weights = optional_weights.value_or(torch::Tensor());
    TORCH_CHECK(!weights.defined() || !weights.requires_grad(), "KL weights take no gradient");
    ctx->save_for_backward({loc, raw_scale, raw_prior_scale, weights});
    double value = 0.0;
    AT_DISPATCH_FLOATING_TYPES(loc.scalar_type(), "diagonal_kl", [&] {
      visit<scalar_t>(loc, raw_scale, raw_prior_scale, weights, [&](int64_t, int64_t, double m, double s, double p, double w, double) {
        value += w * (std::log(p / s) + (s * s + m * m) / (2 * p * p) - 0.5);
      });
    });
    return torch::tensor(value, loc.options());
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &loc = saved[0], &raw_scale = saved[1], &raw_prior_scale = saved[2], &weights = saved[3];
    const double g = grads[0].item<double>();
    auto grad_loc = torch::empty(loc.sizes(), loc.options());
    auto grad_raw = torch::empty(raw_scale.sizes(), raw_scale.options());
    std::vector<double> grad_prior(raw_prior_scale.numel(), 0.0);
    AT_DISPATCH_FLOATING_TYPES(loc.scalar_type(), "diagonal_kl_backward", [&] {
      auto* dl = grad_loc.data_ptr<scalar_t>();
      auto* dr = grad_raw.data_ptr<scalar_t>();
      visit<scalar_t>(loc, raw_scale, raw_prior_scale, weights, [&](int64_t i, int64_t u, double m, double s, double p, double w, double r) {
        const double p2 = p * p;
        dl[i] = static_cast<scalar_t>(g * w * m / p2);
        dr[i] = static_cast<scalar_t>(g * w * (s / p2 - 1 / s) * sigmoid(r));
        grad_prior[u] += g * w * (1 / p - (s * s + m * m) / (p2 * p));
      });
    });
    torch::Tensor prior;
    if (ctx->needs_input_grad(2)) {
      prior = torch::tensor(grad_prior, torch::kFloat64).to(raw_prior_scale.scalar_type());
      prior.mul_(torch::sigmoid(raw_prior_scale));
    }
    return {grad_loc, grad_raw, prior, torch::Tensor()};
  }

  // Calls f(flat index, unit, m, s, p, w, raw s) in double for every entry.
  template <typename scalar_t, typename F>
  static void visit(const torch::Tensor& loc, const torch::Tensor& raw_scale, const torch::Tensor& raw_prior_scale,
                    const torch::Tensor& weights, F&& f) {
    const int64_t k = loc.size(0), u = loc.size(1);
    const auto m = loc.contiguous(), r = raw_scale.contiguous(), q = raw_prior_scale.contiguous();
    const auto w = weights.defined() ? weights.to(loc.scalar_type()).contiguous() : torch::Tensor();
    const scalar_t *pm = m.data_ptr<scalar_t>(), *pr = r.data_ptr<scalar_t>(), *pq = q.data_ptr<scalar_t>();
    const scalar_t* pw = w.defined() ? w.data_ptr<scalar_t>() : nullptr;
    std::vector<double> prior(u);
    for (int64_t unit = 0; unit < u; ++unit) prior[unit] = kMinScale + softplus(pq[unit]);
    for (int64_t row = 0; row < k; ++row)
      for (int64_t unit = 0; unit < u; ++unit) {
        const int64_t i = row * u + unit;
        const double raw = pr[i];
        f(i, unit, static_cast<double>(pm[i]), kMinScale + softplus(raw), prior[unit], pw ? static_cast<double>(pw[row]) : 1.0, raw);
      }
  }
};

// Entries up to which the fused node beats composed ops: beyond, LibTorch's vectorized,
// multithreaded kernels win once their per-op overhead is spread over enough entries.
constexpr int64_t kFusedKlEntries = 2500;

torch::Tensor diagonal_kl(const torch::Tensor& loc, const torch::Tensor& raw_scale, const torch::Tensor& raw_prior_scale,
                          const torch::Tensor& weights) {
  if (loc.numel() <= kFusedKlEntries)
    return DiagonalKl::apply(loc, raw_scale, raw_prior_scale, weights.defined() ? c10::optional<torch::Tensor>(weights) : c10::nullopt);
  auto s = to_scale(raw_scale), p = to_scale(raw_prior_scale).unsqueeze(0);
  auto kl = (torch::log(p) - torch::log(s) + (s.square() + loc.square()) / (2 * p.square()) - 0.5).sum(1);
  return weights.defined() ? kl.dot(weights) : kl.sum();
}

// Per row, (m + s e) . [1, h] with s = kMinScale + softplus(raw): a sampled random intercept plus
// random slopes on h, as one autograd node (composed, 8 ops forward and 7 nodes backward).
class SampledLinearTerm : public torch::autograd::Function<SampledLinearTerm> {
 public:
  // loc_rows, raw_rows, eps: [n, u]; slopes: [n, u - 1], or none when u = 1.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& loc_rows, const torch::Tensor& raw_rows,
                               const torch::Tensor& eps, const c10::optional<torch::Tensor>& slopes) {
    const auto h = slopes.value_or(torch::Tensor());
    ctx->save_for_backward({loc_rows, raw_rows, eps, h});
    auto out = torch::empty({loc_rows.size(0)}, loc_rows.options());
    AT_DISPATCH_FLOATING_TYPES(loc_rows.scalar_type(), "sampled_linear_term", [&] {
      auto* o = out.data_ptr<scalar_t>();
      for (int64_t n = 0; n < out.size(0); ++n) o[n] = 0;
      visit<scalar_t>(loc_rows, raw_rows, eps, h, [&](int64_t n, int64_t, double u, double d, double, double) { o[n] += u * d; });
    });
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &loc_rows = saved[0], &raw_rows = saved[1], &eps = saved[2], &h = saved[3];
    const auto g = grads[0].contiguous();
    auto grad_loc = torch::empty(loc_rows.sizes(), loc_rows.options());
    auto grad_raw = torch::empty(raw_rows.sizes(), raw_rows.options());
    auto grad_h = h.defined() ? torch::empty(h.sizes(), h.options()) : torch::Tensor();
    AT_DISPATCH_FLOATING_TYPES(loc_rows.scalar_type(), "sampled_linear_term_backward", [&] {
      const auto* pg = g.data_ptr<scalar_t>();
      auto *dl = grad_loc.data_ptr<scalar_t>(), *dr = grad_raw.data_ptr<scalar_t>();
      auto* dh = h.defined() ? grad_h.data_ptr<scalar_t>() : nullptr;
      const int64_t units = loc_rows.size(1);
      visit<scalar_t>(loc_rows, raw_rows, eps, h, [&](int64_t n, int64_t unit, double u, double d, double e, double raw) {
        const double gd = pg[n] * d;
        dl[n * units + unit] = static_cast<scalar_t>(gd);
        dr[n * units + unit] = static_cast<scalar_t>(gd * e * sigmoid(raw));
        if (unit > 0) dh[n * (units - 1) + unit - 1] = static_cast<scalar_t>(pg[n] * u);
      });
    });
    return {grad_loc, grad_raw, torch::Tensor(), grad_h};
  }

  // Calls f(row, unit, sampled u, design d, e, raw s) in double for every entry.
  template <typename scalar_t, typename F>
  static void visit(const torch::Tensor& loc_rows, const torch::Tensor& raw_rows, const torch::Tensor& eps, const torch::Tensor& h,
                    F&& f) {
    const int64_t rows = loc_rows.size(0), units = loc_rows.size(1);
    TORCH_CHECK(raw_rows.sizes() == loc_rows.sizes() && eps.sizes() == loc_rows.sizes() &&
                    (h.defined() ? h.dim() == 2 && h.size(0) == rows && h.size(1) == units - 1 : units == 1),
                "random effects: sizes differ");
    const auto m = loc_rows.contiguous(), r = raw_rows.contiguous(), e = eps.contiguous();
    const auto hc = h.defined() ? h.contiguous() : torch::Tensor();
    const scalar_t *pm = m.data_ptr<scalar_t>(), *pr = r.data_ptr<scalar_t>(), *pe = e.data_ptr<scalar_t>();
    const scalar_t* ph = hc.defined() ? hc.data_ptr<scalar_t>() : nullptr;
    for (int64_t n = 0; n < rows; ++n)
      for (int64_t unit = 0; unit < units; ++unit) {
        const int64_t i = n * units + unit;
        const double raw = pr[i], noise = pe[i];
        const double d = unit == 0 ? 1.0 : static_cast<double>(ph[n * (units - 1) + unit - 1]);
        f(n, unit, pm[i] + (kMinScale + softplus(raw)) * noise, d, noise, raw);
      }
  }
};

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
  TORCH_CHECK(!o.prior_scale().empty() && !o.posterior_loc_init_scale().empty() && std::isfinite(o.posterior_scale_init_min()) &&
                  std::isfinite(o.posterior_scale_init_range()),
              "RandomEffectsOptions: set prior_scale, posterior_loc_init_scale and posterior_scale_init_min and _range");
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

namespace {

// softplus^-1(scale - kMinScale), stable for large scales.
torch::Tensor to_raw(const torch::Tensor& scale) {
  auto x = (scale - kMinScale).clamp_min(1e-12);
  return x + torch::log(-torch::expm1(-x));
}

// Cholesky factors of covariance matrices [..., u, u] that may be singular.
torch::Tensor cholesky_of(const torch::Tensor& covariance) {
  const auto jitter = 1e-12 * covariance.diagonal(0, -2, -1).amax(-1, /*keepdim=*/true).clamp_min(1e-300);
  return torch::linalg_cholesky(covariance + jitter.unsqueeze(-1) * torch::eye(covariance.size(-1), covariance.options()));
}

// The strictly lower triangle of [..., u, u], row by row (the order assemble() reads).
torch::Tensor strict_lower(const torch::Tensor& factor) {
  const int64_t u = factor.size(-1);
  auto idx = torch::tril_indices(u, u, -1);
  return factor.flatten(-2).index_select(-1, idx[0] * u + idx[1]);
}

}  // namespace

void RandomEffectsImpl::set_estimates(const torch::Tensor& mean, const torch::Tensor& covariance, const torch::Tensor& prior_covariance) {
  torch::NoGradGuard no_grad;
  const auto dtype = loc.scalar_type();
  TORCH_CHECK(mean.sizes() == loc.sizes(), "set_estimates: means do not match the clusters and units");
  loc.copy_(mean.to(dtype));
  if (full()) {
    const auto post = cholesky_of(covariance.to(torch::kFloat64));
    raw_scale.copy_(to_raw(post.diagonal(0, -2, -1)).to(dtype));
    lower.copy_(strict_lower(post).to(dtype));
  } else {
    raw_scale.copy_(to_raw(covariance.diagonal(0, -2, -1).clamp_min(0).sqrt()).to(dtype));
  }
  const auto prior = cholesky_of(prior_covariance.to(torch::kFloat64));
  if (prior_lower.defined()) {
    raw_prior_scale.copy_(to_raw(prior.diagonal()).to(dtype));
    prior_lower.copy_(strict_lower(prior).to(dtype));
  } else {
    raw_prior_scale.copy_(to_raw(prior_covariance.diagonal().clamp_min(0).sqrt()).to(dtype));
  }
}

torch::Tensor RandomEffectsImpl::forward(const ClusterDesign& z) {
  if (z.soft.defined()) {
    // Local reparameterization with the marginal variances: Z u has mean Z loc.
    auto mean = z.soft.matmul(loc);
    if (!is_training()) return mean;
    auto sd = (z.soft.square().matmul(posterior_scale().square()) + 1e-12).sqrt();
    return mean + sd * batch_noise(mean, z);
  }
  // One-hot Z: gather the rows' clusters; cost grows with the batch, not with the clusters.
  if (is_training()) {
    // Training rows all have a cluster (an id of -1 fails the gather): no mask to build.
    auto out = rows(loc, z.ids);
    auto eps = batch_noise(out, z);
    return out + (full() ? cholesky_rows(z.ids).matmul(eps.unsqueeze(-1)).squeeze(-1) : to_scale(rows(raw_scale, z.ids)) * eps);
  }
  auto known = (z.ids >= 0).to(loc.scalar_type()).unsqueeze(1);
  return loc.index_select(0, z.ids.clamp_min(0)) * known;
}

torch::Tensor RandomEffectsImpl::design(const torch::Tensor& slopes, int64_t rows) const {
  auto ones = torch::ones({rows, 1}, loc.options());
  return slopes.defined() ? torch::cat({ones, slopes.to(loc.scalar_type())}, 1) : ones;
}

torch::Tensor RandomEffectsImpl::linear_term(const ClusterDesign& z, const torch::Tensor& slopes) {
  if (is_training() && !z.soft.defined() && !full()) {
    auto loc_rows = rows(loc, z.ids);
    return SampledLinearTerm::apply(loc_rows, rows(raw_scale, z.ids), batch_noise(loc_rows, z),
                                    slopes.defined() ? c10::optional<torch::Tensor>(slopes) : c10::nullopt);
  }
  const auto u = forward(z);
  return (u * design(slopes, u.size(0))).sum(1);
}

std::pair<torch::Tensor, torch::Tensor> RandomEffectsImpl::linear_moments(const torch::Tensor& ids, const torch::Tensor& slopes) {
  const auto h = design(slopes, ids.size(0));
  auto known = (ids >= 0).to(loc.scalar_type());
  auto idx = ids.clamp_min(0);
  auto mean = (loc.index_select(0, idx) * h).sum(1) * known;
  // Var(u . h) = |L_k^T h|^2 with S_k = L_k L_k^T.
  auto lt_h = cholesky_rows(idx).transpose(1, 2).matmul(h.unsqueeze(-1)).squeeze(-1);
  return {mean, lt_h.square().sum(1) * known};
}

std::pair<torch::Tensor, torch::Tensor> RandomEffectsImpl::unit_moments(const torch::Tensor& ids) {
  auto known = (ids >= 0).to(loc.scalar_type()).unsqueeze(1);
  auto idx = ids.clamp_min(0);
  auto scale = full() ? cholesky_rows(idx).square().sum(-1) : to_scale(raw_scale.index_select(0, idx)).square();
  return {loc.index_select(0, idx) * known, scale * known};
}

torch::Tensor RandomEffectsImpl::kl_divergence() const {
  if (!full() && !prior_lower.defined()) return diagonal_kl(loc, raw_scale, raw_prior_scale, torch::Tensor());
  return full_kl(loc, posterior_cholesky(), prior_cholesky()).sum();
}

torch::Tensor RandomEffectsImpl::kl_divergence(const torch::Tensor& ids, const torch::Tensor& weights) const {
  if (!full() && !prior_lower.defined())
    return diagonal_kl(rows(loc, ids), rows(raw_scale, ids), raw_prior_scale, weights);
  return full_kl(rows(loc, ids), cholesky_rows(ids), prior_cholesky()).dot(weights);
}

}  // namespace armed
