#include "lmm/profiled_deviance.h"

#include <cmath>
#include <limits>

#include "armed/error.h"

namespace armed {

namespace {

constexpr double kTwoPi = 6.283185307179586;

}  // namespace

ProfiledDeviance::ProfiledDeviance(const LmmData& data, bool reml) : data_(data), reml_(reml) {
  data.validate();
  const int64_t p = data.x.size(1);
  int64_t q = 0;
  for (const auto& term : data.terms) {
    term_offset_.push_back(q);
    q += term.columns();
    theta_size_ += term.theta_size();
  }

  // Z'Z block by block, and every stored entry of S's upper triangle with the block value it takes.
  std::vector<torch::Tensor> rows, columns, sources;
  int64_t values = 0;
  for (size_t t = 0; t < data.terms.size(); ++t) {
    for (size_t s = t; s < data.terms.size(); ++s) {
      const LmmTerm &a = data.terms[t], &b = data.terms[s];
      const int64_t ka = a.units(), kb = b.units(), levels_b = static_cast<int64_t>(b.levels.size());
      const auto key = t == s ? a.level : a.level * levels_b + b.level;
      const auto [unique_keys, block_of_row] = torch::_unique(key, /*sorted=*/true, /*return_inverse=*/true);
      const int64_t count = unique_keys.size(0);
      auto sums = torch::zeros({count, ka, kb}, torch::kFloat64);
      sums.index_add_(0, block_of_row, a.covariates.unsqueeze(2) * b.covariates.unsqueeze(1));
      const auto level_a = t == s ? unique_keys : unique_keys.div(levels_b, "floor"), level_b = t == s ? unique_keys : unique_keys % levels_b;
      const auto unit_a = torch::arange(ka, torch::kInt64).view({1, ka, 1}), unit_b = torch::arange(kb, torch::kInt64).view({1, 1, kb});
      auto row = (term_offset_[t] + level_a.view({-1, 1, 1}) * ka + unit_a).expand({count, ka, kb}).reshape(-1);
      auto column = (term_offset_[s] + level_b.view({-1, 1, 1}) * kb + unit_b).expand({count, ka, kb}).reshape(-1);
      auto source = values + torch::arange(count * ka * kb, torch::kInt64);
      const auto upper = row <= column;  // within a level's own block, its upper triangle
      rows.push_back(row.masked_select(upper));
      columns.push_back(column.masked_select(upper));
      sources.push_back(source.masked_select(upper));
      values += count * ka * kb;
      blocks_.push_back({t, s, sums});
    }
  }
  const auto row = torch::cat(rows), column = torch::cat(columns);
  const auto order = (column * q + row).argsort();
  const auto sorted_rows = row.index_select(0, order).contiguous(), sorted_columns = column.index_select(0, order);
  entry_source_ = torch::cat(sources).index_select(0, order);
  diagonal_entries_ = (sorted_rows == sorted_columns).nonzero().flatten();
  auto column_start = torch::zeros({q + 1}, torch::kInt64);
  column_start.narrow(0, 1, q).copy_(torch::bincount(sorted_columns, {}, q).cumsum(0));
  factor_ = std::make_unique<SparseCholesky>(q, std::vector<int64_t>(column_start.data_ptr<int64_t>(), column_start.data_ptr<int64_t>() + q + 1),
                                             std::vector<int64_t>(sorted_rows.data_ptr<int64_t>(), sorted_rows.data_ptr<int64_t>() + sorted_rows.numel()));

  const auto xy = torch::cat({data.x, data.y.unsqueeze(1)}, 1);  // [n, p + 1]
  for (const auto& term : data.terms) {
    auto sums = torch::zeros({static_cast<int64_t>(term.levels.size()), term.units(), p + 1}, torch::kFloat64);
    sums.index_add_(0, term.level, term.covariates.unsqueeze(2) * xy.unsqueeze(1));
    zt_xy_.push_back(sums);
  }
  xtx_ = data.x.t().mm(data.x);
  xty_ = data.x.t().mv(data.y);
}

std::vector<double> ProfiledDeviance::theta_start() const {
  std::vector<double> theta;
  for (const auto& term : data_.terms) {
    const int64_t k = term.units();
    if (!term.correlated) theta.insert(theta.end(), static_cast<size_t>(k), 1.0);
    else
      for (int64_t column = 0; column < k; ++column)
        for (int64_t row = column; row < k; ++row) theta.push_back(row == column ? 1.0 : 0.0);
  }
  return theta;
}

std::vector<double> ProfiledDeviance::theta_lower() const {
  std::vector<double> lower;
  for (const double start : theta_start()) lower.push_back(start == 1.0 ? 0.0 : -std::numeric_limits<double>::infinity());
  return lower;
}

std::vector<torch::Tensor> ProfiledDeviance::relative_factors(const std::vector<double>& theta) const {
  std::vector<torch::Tensor> factors;
  const double* next = theta.data();
  for (const auto& term : data_.terms) {
    factors.push_back(term.relative_factor(next));
    next += term.theta_size();
  }
  return factors;
}

double ProfiledDeviance::operator()(const std::vector<double>& theta) {
  if (static_cast<int64_t>(theta.size()) != theta_size_) throw Error("linear mixed model: wrong number of covariance parameters");
  theta_ = theta;
  const int64_t n = data_.rows(), p = data_.x.size(1);
  const std::vector<torch::Tensor> t = relative_factors(theta);

  // S = Lambda' Z' Z Lambda + I, block by block: T_a' (Z_a' Z_b) T_b.
  std::vector<torch::Tensor> products;
  for (const auto& b : blocks_) products.push_back(t[b.t].t().matmul(b.sums).matmul(t[b.s]).reshape(-1));
  auto s = torch::cat(products).index_select(0, entry_source_);
  s.index_add_(0, diagonal_entries_, torch::ones({diagonal_entries_.size(0)}, torch::kFloat64));
  std::copy_n(s.data_ptr<double>(), s.numel(), factor_->values());
  factor_->factorize();

  // The penalized least squares system [L, 0; RZX', RX'] [L', RZX; 0, RX] = [S, Lambda'Z'X; X'Z Lambda, X'X].
  std::vector<torch::Tensor> parts;
  for (size_t k = 0; k < t.size(); ++k) parts.push_back(t[k].t().matmul(zt_xy_[k]).reshape({-1, p + 1}));
  auto c = torch::cat(parts).t().contiguous();  // column-major q x (p + 1): Lambda' Z' [X y]
  factor_->forward_solve(c.data_ptr<double>(), p + 1);
  const auto rzx = c.narrow(0, 0, p), cu = c[p];
  auto [rx, info] = torch::linalg_cholesky_ex(xtx_ - rzx.mm(rzx.t()));
  if (info.item<int64_t>() != 0) throw Error("linear mixed model: the fixed effects are not determined at these variance components");
  rx_ = rx;
  beta_ = torch::cholesky_solve((xty_ - rzx.mv(cu)).unsqueeze(1), rx_).squeeze(1);
  u_ = (cu - rzx.t().mv(beta_)).contiguous();
  factor_->backward_solve(u_.data_ptr<double>(), 1);
  auto fitted = data_.x.mv(beta_);
  for (size_t k = 0, offset = 0; k < t.size(); ++k) {
    const LmmTerm& term = data_.terms[k];
    const auto b = u_.narrow(0, static_cast<int64_t>(offset), term.columns()).view({-1, term.units()}).mm(t[k].t());  // b_l = T u_l
    fitted += (term.covariates * b.index_select(0, term.level)).sum(1);
    offset += static_cast<size_t>(term.columns());
  }
  r2_ = (data_.y - fitted).square().sum().item<double>() + u_.square().sum().item<double>();

  const double log_det_l = factor_->log_determinant();
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

std::vector<torch::Tensor> ProfiledDeviance::conditional_covariances() const {
  // Each level's block of S^-1, by selected inversion; then sigma^2 T S^-1_l T'.
  std::vector<int64_t> rows, columns;
  for (size_t k = 0; k < data_.terms.size(); ++k) {
    const int64_t units = data_.terms[k].units(), first = term_offset_[k];
    for (int64_t level = 0; level < static_cast<int64_t>(data_.terms[k].levels.size()); ++level)
      for (int64_t a = 0; a < units; ++a)
        for (int64_t b = 0; b < units; ++b) {
          rows.push_back(first + level * units + a);
          columns.push_back(first + level * units + b);
        }
  }
  const std::vector<double> inverse = factor_->inverse_entries(rows, columns);
  const auto all = torch::tensor(inverse, torch::kFloat64);
  const std::vector<torch::Tensor> t = relative_factors(theta_);
  const double variance = sigma() * sigma();
  std::vector<torch::Tensor> out;
  int64_t at = 0;
  for (size_t k = 0; k < data_.terms.size(); ++k) {
    const int64_t units = data_.terms[k].units(), levels = static_cast<int64_t>(data_.terms[k].levels.size());
    const auto blocks = all.narrow(0, at, levels * units * units).view({levels, units, units});
    at += levels * units * units;
    out.push_back(variance * t[k].matmul(blocks).matmul(t[k].t()));
  }
  return out;
}

}  // namespace armed
