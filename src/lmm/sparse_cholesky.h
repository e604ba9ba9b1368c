#pragma once
// The sparse Cholesky factor at the heart of a linear mixed model's likelihood, by SuiteSparse
// CHOLMOD: P S P' = L L' for a symmetric positive definite S (Lambda' Z' Z Lambda + I) whose
// pattern stays fixed while its values change, so that the fill-reducing ordering and the
// symbolic analysis are done once and every evaluation is a numeric, supernodal (BLAS-backed)
// factorization.
#include <cstdint>
#include <memory>
#include <vector>

namespace armed {

class SparseCholesky {
 public:
  // S's upper triangle in compressed columns: column j's rows are row_index[column_start[j] ..
  // column_start[j + 1]), ascending, none above j, the diagonal included.
  SparseCholesky(int64_t size, const std::vector<int64_t>& column_start, const std::vector<int64_t>& row_index);
  ~SparseCholesky();
  SparseCholesky(const SparseCholesky&) = delete;
  SparseCholesky& operator=(const SparseCholesky&) = delete;

  int64_t size() const;  // q
  double* values();      // S's stored entries in pattern order: set them, then factorize()
  void factorize();
  double log_determinant() const;  // log |S|
  int64_t factor_nonzeros() const;

  // Dense right-hand sides are column-major q x m.
  void forward_solve(double* b, int64_t columns) const;   // b <- L^-1 P b
  void backward_solve(double* b, int64_t columns) const;  // b <- P' L^-T b

  // The entries (rows[k], columns[k]) of S^-1, each a stored entry of S (or its mirror), by
  // selected inversion (Takahashi's equations on the supernodal factor): S^-1 on the pattern of L
  // at about the cost of a factorization and the memory of L, never q x q.
  std::vector<double> inverse_entries(const std::vector<int64_t>& rows, const std::vector<int64_t>& columns) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace armed
