#include "lmm/random_effects_system.h"

#include <limits>

namespace armed {

RandomEffectsSystem::RandomEffectsSystem(const std::vector<LmmTerm>& terms) : terms_(terms) {
  int64_t q = 0;
  for (const auto& term : terms) {
    term_offset_.push_back(q);
    q += term.columns();
    theta_size_ += term.theta_size();
  }
  // Every stored entry of S's upper triangle with the block value it takes.
  std::vector<torch::Tensor> rows, columns, sources;
  int64_t values = 0;
  for (size_t t = 0; t < terms.size(); ++t) {
    for (size_t s = t; s < terms.size(); ++s) {
      const LmmTerm &a = terms[t], &b = terms[s];
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
      blocks_.push_back({t, s, block_of_row, count, sums});
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
}

std::vector<double> RandomEffectsSystem::theta_start() const {
  std::vector<double> theta;
  for (const auto& term : terms_) {
    const int64_t k = term.units();
    if (!term.correlated) theta.insert(theta.end(), static_cast<size_t>(k), 1.0);
    else
      for (int64_t column = 0; column < k; ++column)
        for (int64_t row = column; row < k; ++row) theta.push_back(row == column ? 1.0 : 0.0);
  }
  return theta;
}

std::vector<double> RandomEffectsSystem::theta_lower() const {
  std::vector<double> lower;
  for (const double start : theta_start()) lower.push_back(start == 1.0 ? 0.0 : -std::numeric_limits<double>::infinity());
  return lower;
}

std::vector<torch::Tensor> RandomEffectsSystem::relative_factors(const std::vector<double>& theta) const {
  std::vector<torch::Tensor> factors;
  const double* next = theta.data();
  for (const auto& term : terms_) {
    factors.push_back(term.relative_factor(next));
    next += term.theta_size();
  }
  return factors;
}

void RandomEffectsSystem::factorize(const std::vector<torch::Tensor>& t, const torch::Tensor& weights) {
  // S block by block: T_a' (Z_a' W Z_b) T_b, plus I.
  std::vector<torch::Tensor> products;
  for (const auto& b : blocks_) {
    torch::Tensor sums = b.unweighted;
    if (weights.defined()) {
      const LmmTerm &a = terms_[b.t], &c = terms_[b.s];
      sums = torch::zeros_like(b.unweighted);
      sums.index_add_(0, b.block_of_row, (a.covariates * weights.unsqueeze(1)).unsqueeze(2) * c.covariates.unsqueeze(1));
    }
    products.push_back(t[b.t].t().matmul(sums).matmul(t[b.s]).reshape(-1));
  }
  auto s = torch::cat(products).index_select(0, entry_source_);
  s.index_add_(0, diagonal_entries_, torch::ones({diagonal_entries_.size(0)}, torch::kFloat64));
  std::copy_n(s.data_ptr<double>(), s.numel(), factor_->values());
  factor_->factorize();
}

std::vector<torch::Tensor> RandomEffectsSystem::z_transpose(const torch::Tensor& m) const {
  std::vector<torch::Tensor> out;
  for (const auto& term : terms_) {
    auto sums = torch::zeros({static_cast<int64_t>(term.levels.size()), term.units(), m.size(1)}, torch::kFloat64);
    sums.index_add_(0, term.level, term.covariates.unsqueeze(2) * m.unsqueeze(1));
    out.push_back(sums);
  }
  return out;
}

torch::Tensor RandomEffectsSystem::lambda_transpose(const std::vector<torch::Tensor>& t, const std::vector<torch::Tensor>& zt_m) const {
  std::vector<torch::Tensor> parts;
  for (size_t k = 0; k < t.size(); ++k) parts.push_back(t[k].t().matmul(zt_m[k]).reshape({-1, zt_m[k].size(2)}));
  return torch::cat(parts);
}

std::vector<torch::Tensor> RandomEffectsSystem::effects(const std::vector<torch::Tensor>& t, const torch::Tensor& u) const {
  std::vector<torch::Tensor> out;
  for (size_t k = 0; k < terms_.size(); ++k)
    out.push_back(u.narrow(0, term_offset_[k], terms_[k].columns()).view({-1, terms_[k].units()}).mm(t[k].t()));  // b_l = T u_l
  return out;
}

torch::Tensor RandomEffectsSystem::z_times(const std::vector<torch::Tensor>& b) const {
  auto out = torch::zeros({terms_.front().level.size(0)}, torch::kFloat64);
  for (size_t k = 0; k < terms_.size(); ++k) out += (terms_[k].covariates * b[k].index_select(0, terms_[k].level)).sum(1);
  return out;
}

std::vector<torch::Tensor> RandomEffectsSystem::level_covariances(const std::vector<torch::Tensor>& t, double scale) const {
  std::vector<int64_t> rows, columns;
  for (size_t k = 0; k < terms_.size(); ++k) {
    const int64_t units = terms_[k].units(), first = term_offset_[k];
    for (int64_t level = 0; level < static_cast<int64_t>(terms_[k].levels.size()); ++level)
      for (int64_t a = 0; a < units; ++a)
        for (int64_t b = 0; b < units; ++b) {
          rows.push_back(first + level * units + a);
          columns.push_back(first + level * units + b);
        }
  }
  const auto all = torch::tensor(factor_->inverse_entries(rows, columns), torch::kFloat64);
  std::vector<torch::Tensor> out;
  int64_t at = 0;
  for (size_t k = 0; k < terms_.size(); ++k) {
    const int64_t units = terms_[k].units(), levels = static_cast<int64_t>(terms_[k].levels.size());
    const auto blocks = all.narrow(0, at, levels * units * units).view({levels, units, units});
    at += levels * units * units;
    out.push_back(scale * t[k].matmul(blocks).matmul(t[k].t()));
  }
  return out;
}

}  // namespace armed
