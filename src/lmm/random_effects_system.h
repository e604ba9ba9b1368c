#pragma once
// The random-effects part every mixed model's likelihood factorizes: Z for a model's terms, and
// S = Lambda' Z' W Z Lambda + I on a sparse Cholesky factor whose pattern is analysed once, its
// values set per evaluation from theta and (generalized models) the rows' working weights W.
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "lmm/lmm_data.h"
#include "lmm/sparse_cholesky.h"

namespace armed {

class RandomEffectsSystem {
 public:
  explicit RandomEffectsSystem(const std::vector<LmmTerm>& terms);

  int64_t columns() const { return factor_->size(); }  // q
  int64_t theta_size() const { return theta_size_; }
  std::vector<double> theta_start() const;  // every T the identity, lme4's start
  std::vector<double> theta_lower() const;  // diagonals of T >= 0
  std::vector<torch::Tensor> relative_factors(const std::vector<double>& theta) const;  // per term T

  // Factorizes S at these relative factors; `weights` [rows] float64, undefined for W = I (whose
  // Z'Z is computed once).
  void factorize(const std::vector<torch::Tensor>& t, const torch::Tensor& weights = {});
  const SparseCholesky& factor() const { return *factor_; }

  // Z' M per term, [levels, units, m] for M [rows, m].
  std::vector<torch::Tensor> z_transpose(const torch::Tensor& m) const;
  // Lambda' times those: [q, m].
  torch::Tensor lambda_transpose(const std::vector<torch::Tensor>& t, const std::vector<torch::Tensor>& zt_m) const;
  // Per term its levels' effects b = T u, [levels, units], from spherical u [q].
  std::vector<torch::Tensor> effects(const std::vector<torch::Tensor>& t, const torch::Tensor& u) const;
  // Z b per row: [rows].
  torch::Tensor z_times(const std::vector<torch::Tensor>& b) const;
  // Per term, [levels, units, units]: scale Lambda S^-1 Lambda' on each level's block, by selected inversion.
  std::vector<torch::Tensor> level_covariances(const std::vector<torch::Tensor>& t, double scale) const;

 private:
  // Z'WZ in blocks: for terms t <= s, one [units_t, units_s] block per pair of their levels that
  // share rows (t = s: each level's own block).
  struct Blocks {
    size_t t, s;
    torch::Tensor block_of_row;  // [rows] which block a row adds to
    int64_t count;
    torch::Tensor unweighted;    // [count, units_t, units_s] the blocks of Z'Z
  };

  const std::vector<LmmTerm>& terms_;
  int64_t theta_size_ = 0;
  std::vector<int64_t> term_offset_;  // each term's first column of Z
  std::vector<Blocks> blocks_;
  torch::Tensor entry_source_;        // per stored entry of S, its place among the blocks' values
  torch::Tensor diagonal_entries_;    // the stored entries on S's diagonal
  std::unique_ptr<SparseCholesky> factor_;
};

}  // namespace armed
