#include "lmm/profiled_deviance.h"

#include <cmath>
#include <limits>

#include "armed/error.h"

namespace armed {

namespace {

constexpr double kTwoPi = 6.283185307179586;

}  // namespace

ProfiledDeviance::ProfiledDeviance(const LmmData& data, bool reml) : data_((data.validate(), data)), reml_(reml), system_(data.terms) {
  zt_xy_ = system_.z_transpose(torch::cat({data.x, data.y.unsqueeze(1)}, 1));
  xtx_ = data.x.t().mm(data.x);
  xty_ = data.x.t().mv(data.y);
}

double ProfiledDeviance::operator()(const std::vector<double>& theta) {
  if (static_cast<int64_t>(theta.size()) != theta_size()) throw Error("linear mixed model: wrong number of covariance parameters");
  theta_ = theta;
  const int64_t n = data_.rows(), p = data_.x.size(1);
  const std::vector<torch::Tensor> t = system_.relative_factors(theta);
  system_.factorize(t);
  const SparseCholesky& factor = system_.factor();

  // The penalized least squares system [L, 0; RZX', RX'] [L', RZX; 0, RX] = [S, Lambda'Z'X; X'Z Lambda, X'X].
  auto c = system_.lambda_transpose(t, zt_xy_).t().contiguous();  // column-major q x (p + 1): Lambda' Z' [X y]
  factor.forward_solve(c.data_ptr<double>(), p + 1);
  const auto rzx = c.narrow(0, 0, p), cu = c[p];
  auto [rx, info] = torch::linalg_cholesky_ex(xtx_ - rzx.mm(rzx.t()));
  if (info.item<int64_t>() != 0) throw Error("linear mixed model: the fixed effects are not determined at these variance components");
  rx_ = rx;
  beta_ = torch::cholesky_solve((xty_ - rzx.mv(cu)).unsqueeze(1), rx_).squeeze(1);
  u_ = (cu - rzx.t().mv(beta_)).contiguous();
  factor.backward_solve(u_.data_ptr<double>(), 1);
  const auto fitted = data_.x.mv(beta_) + system_.z_times(system_.effects(t, u_));
  r2_ = (data_.y - fitted).square().sum().item<double>() + u_.square().sum().item<double>();

  const double log_det_l = factor.log_determinant();
  if (!reml_) return log_det_l + n * (1.0 + std::log(kTwoPi * r2_ / n));
  const double log_det_rx = 2.0 * rx_.diagonal().log().sum().item<double>();
  const auto dof = static_cast<double>(n - p);
  return log_det_l + log_det_rx + dof * (1.0 + std::log(kTwoPi * r2_ / dof));
}

double ProfiledDeviance::sigma() const {
  const int64_t n = data_.rows(), p = data_.x.size(1);
  return std::sqrt(r2_ / static_cast<double>(reml_ ? n - p : n));
}

torch::Tensor ProfiledDeviance::beta_precision_inverse() const { return torch::cholesky_inverse(rx_); }

std::vector<torch::Tensor> ProfiledDeviance::effects() const { return system_.effects(system_.relative_factors(theta_), u_); }

std::vector<torch::Tensor> ProfiledDeviance::conditional_covariances() const {
  return system_.level_covariances(system_.relative_factors(theta_), sigma() * sigma());
}

}  // namespace armed
