#include "lmm/sparse_cholesky.h"

#include <cholmod.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "armed/error.h"

extern "C" {
// BLAS and LAPACK, which CHOLMOD's supernodal factorization runs on too.
void dtrsm_(const char* side, const char* uplo, const char* trans, const char* diag, const int* m, const int* n, const double* alpha,
            const double* a, const int* lda, double* b, const int* ldb);
void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k, const double* alpha, const double* a,
            const int* lda, const double* b, const int* ldb, const double* beta, double* c, const int* ldc);
void dpotri_(const char* uplo, const int* n, double* a, const int* lda, int* info);
}

namespace armed {

struct SparseCholesky::Impl {
  cholmod_common common;
  cholmod_sparse* s = nullptr;
  cholmod_factor* factor = nullptr;
  cholmod_dense *solution = nullptr, *work_y = nullptr, *work_e = nullptr;  // cholmod_l_solve2's reusable workspaces

  void check(const char* step) {
    if (common.status < CHOLMOD_OK)
      throw Error(std::string("sparse Cholesky (CHOLMOD) ") + step + " failed with status " + std::to_string(common.status) +
                  (common.status == CHOLMOD_OUT_OF_MEMORY ? " (out of memory)" : ""));
  }

  // b <- the solution of system `sys` with right-hand sides b (q x m, column-major).
  void solve(int sys, double* b, int64_t columns) {
    cholmod_dense rhs{};
    rhs.nrow = factor->n;
    rhs.ncol = static_cast<size_t>(columns);
    rhs.nzmax = rhs.nrow * rhs.ncol;
    rhs.d = rhs.nrow;
    rhs.x = b;
    rhs.xtype = CHOLMOD_REAL;
    rhs.dtype = CHOLMOD_DOUBLE;
    cholmod_l_solve2(sys, factor, &rhs, nullptr, &solution, nullptr, &work_y, &work_e, &common);
    check("solve");
    std::memcpy(b, solution->x, rhs.nzmax * sizeof(double));
  }
};

SparseCholesky::SparseCholesky(int64_t size, const std::vector<int64_t>& column_start, const std::vector<int64_t>& row_index)
    : impl_(std::make_unique<Impl>()) {
  cholmod_common& c = impl_->common;
  cholmod_l_start(&c);
  c.error_handler = nullptr;
  c.print = 0;
  c.supernodal = CHOLMOD_SUPERNODAL;  // L L' in dense supernodes: BLAS for the work, and one layout for selected inversion
  const auto nnz = static_cast<size_t>(row_index.size());
  impl_->s = cholmod_l_allocate_sparse(size, size, nnz, /*sorted=*/1, /*packed=*/1, /*stype=*/1, CHOLMOD_REAL, &c);
  impl_->check("allocation");
  std::memcpy(impl_->s->p, column_start.data(), column_start.size() * sizeof(int64_t));
  std::memcpy(impl_->s->i, row_index.data(), nnz * sizeof(int64_t));
  std::fill_n(static_cast<double*>(impl_->s->x), nnz, 0.0);
  impl_->factor = cholmod_l_analyze(impl_->s, &c);  // fill-reducing ordering (AMD, or METIS/NESDIS where better)
  impl_->check("analysis");
}

SparseCholesky::~SparseCholesky() {
  cholmod_common* c = &impl_->common;
  cholmod_l_free_dense(&impl_->solution, c);
  cholmod_l_free_dense(&impl_->work_y, c);
  cholmod_l_free_dense(&impl_->work_e, c);
  cholmod_l_free_factor(&impl_->factor, c);
  cholmod_l_free_sparse(&impl_->s, c);
  cholmod_l_finish(c);
}

int64_t SparseCholesky::size() const { return static_cast<int64_t>(impl_->s->nrow); }
double* SparseCholesky::values() { return static_cast<double*>(impl_->s->x); }

void SparseCholesky::factorize() {
  cholmod_l_factorize(impl_->s, impl_->factor, &impl_->common);
  impl_->check("factorization");
  if (impl_->common.status == CHOLMOD_NOT_POSDEF)
    throw Error("sparse Cholesky (CHOLMOD): the random-effects system is not numerically positive definite (non-finite data?)");
}

namespace {

// A supernodal factor's layout: supernode k holds columns super[k] .. super[k + 1] - 1, its rows
// rows[pi[k] .. pi[k + 1]) (its own columns first, then the rows below, ascending), and its
// values column-major from px[k].
struct Supernodes {
  explicit Supernodes(const cholmod_factor* l)
      : count(static_cast<int64_t>(l->nsuper)),
        super(static_cast<const int64_t*>(l->super)),
        pi(static_cast<const int64_t*>(l->pi)),
        px(static_cast<const int64_t*>(l->px)),
        rows(static_cast<const int64_t*>(l->s)),
        x(static_cast<const double*>(l->x)) {}
  int64_t columns(int64_t k) const { return super[k + 1] - super[k]; }
  int64_t height(int64_t k) const { return pi[k + 1] - pi[k]; }
  // Position of `row` in supernode k's rows, searching from `from`; -1 if absent.
  int64_t position(int64_t k, int64_t row, int64_t from) const {
    const int64_t* begin = rows + pi[k];
    const int64_t n = height(k);
    if (begin[n - 1] - begin[0] == n - 1) return row >= begin[0] && row <= begin[n - 1] ? row - begin[0] : -1;  // contiguous
    const int64_t* at = std::lower_bound(begin + from, begin + n, row);
    return at != begin + n && *at == row ? at - begin : -1;
  }
  int64_t count;
  const int64_t *super, *pi, *px, *rows;
  const double* x;
};

}  // namespace

double SparseCholesky::log_determinant() const {
  const Supernodes l(impl_->factor);
  double sum = 0.0;
  for (int64_t k = 0; k < l.count; ++k)
    for (int64_t j = 0; j < l.columns(k); ++j) sum += std::log(l.x[l.px[k] + j * l.height(k) + j]);
  return 2.0 * sum;
}

int64_t SparseCholesky::factor_nonzeros() const { return static_cast<int64_t>(impl_->common.lnz); }

void SparseCholesky::forward_solve(double* b, int64_t columns) const {
  impl_->solve(CHOLMOD_P, b, columns);
  impl_->solve(CHOLMOD_L, b, columns);
}

void SparseCholesky::backward_solve(double* b, int64_t columns) const {
  impl_->solve(CHOLMOD_Lt, b, columns);
  impl_->solve(CHOLMOD_Pt, b, columns);
}

std::vector<double> SparseCholesky::inverse_entries(const std::vector<int64_t>& rows, const std::vector<int64_t>& columns) const {
  const cholmod_factor* factor = impl_->factor;
  const Supernodes l(factor);
  const int64_t n = static_cast<int64_t>(factor->n);
  std::vector<int64_t> supernode_of(static_cast<size_t>(n));
  for (int64_t k = 0; k < l.count; ++k) std::fill(supernode_of.begin() + l.super[k], supernode_of.begin() + l.super[k + 1], k);

  // Z = (L L')^-1 on L's pattern, supernodes from the last: with Y = L_RJ L_JJ^-1 (R: the rows
  // below supernode J), Z_RJ = -Z_RR Y and Z_JJ = (L_JJ L_JJ')^-1 - Y' Z_RJ, where Z_RR lies in
  // supernodes already done (the rows below a column form a clique of L's pattern).
  std::vector<double> z(static_cast<size_t>(factor->xsize), 0.0);
  std::vector<double> y, zrr, zrj, w;
  const double one = 1.0, minus_one = -1.0, zero = 0.0;
  for (int64_t k = l.count - 1; k >= 0; --k) {
    const int cols = static_cast<int>(l.columns(k)), height = static_cast<int>(l.height(k)), below = height - cols;
    const double* lk = l.x + l.px[k];
    const int64_t* rk = l.rows + l.pi[k];
    w.assign(static_cast<size_t>(cols) * cols, 0.0);
    for (int j = 0; j < cols; ++j)
      for (int i = j; i < cols; ++i) w[static_cast<size_t>(j) * cols + i] = lk[static_cast<size_t>(j) * height + i];
    int info = 0;
    dpotri_("L", &cols, w.data(), &cols, &info);
    if (info != 0) throw Error("sparse Cholesky (CHOLMOD): selected inversion met a singular block");
    if (below > 0) {
      y.resize(static_cast<size_t>(below) * cols);
      for (int j = 0; j < cols; ++j)
        std::copy_n(lk + static_cast<size_t>(j) * height + cols, below, y.begin() + static_cast<ptrdiff_t>(j) * below);
      dtrsm_("R", "L", "N", "N", &below, &cols, &one, lk, &height, y.data(), &below);
      zrr.resize(static_cast<size_t>(below) * below);
      for (int b = 0; b < below; ++b) {
        const int64_t row_b = rk[cols + b], owner = supernode_of[static_cast<size_t>(row_b)];
        const double* zcol = z.data() + l.px[owner] + (row_b - l.super[owner]) * l.height(owner);
        int64_t at = 0;
        for (int a = b; a < below; ++a) {
          at = l.position(owner, rk[cols + a], at);
          if (at < 0) throw Error("sparse Cholesky (CHOLMOD): selected inversion found the factor's pattern incomplete");
          zrr[static_cast<size_t>(b) * below + a] = zrr[static_cast<size_t>(a) * below + b] = zcol[at];
        }
      }
      zrj.resize(static_cast<size_t>(below) * cols);
      dgemm_("N", "N", &below, &cols, &below, &minus_one, zrr.data(), &below, y.data(), &below, &zero, zrj.data(), &below);
      dgemm_("T", "N", &cols, &cols, &below, &minus_one, y.data(), &below, zrj.data(), &below, &one, w.data(), &cols);
    }
    double* zk = z.data() + l.px[k];
    for (int j = 0; j < cols; ++j) {
      for (int i = j; i < cols; ++i) zk[static_cast<size_t>(j) * height + i] = w[static_cast<size_t>(j) * cols + i];
      if (below > 0) std::copy_n(zrj.begin() + static_cast<ptrdiff_t>(j) * below, below, zk + static_cast<size_t>(j) * height + cols);
    }
  }

  // S^-1 = P' Z P: entry (i, j) of S^-1 is Z's at the permuted positions.
  const auto* perm = static_cast<const int64_t*>(factor->Perm);
  std::vector<int64_t> position_of(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) position_of[static_cast<size_t>(perm[k])] = k;
  std::vector<double> out(rows.size());
  for (size_t e = 0; e < rows.size(); ++e) {
    const int64_t a = position_of[static_cast<size_t>(rows[e])], b = position_of[static_cast<size_t>(columns[e])];
    const int64_t column = std::min(a, b), row = std::max(a, b), owner = supernode_of[static_cast<size_t>(column)];
    const int64_t at = l.position(owner, row, column - l.super[owner]);
    if (at < 0) throw Error("sparse Cholesky: inverse entry (" + std::to_string(rows[e]) + ", " + std::to_string(columns[e]) + ") is not a stored entry");
    out[e] = z[static_cast<size_t>(l.px[owner] + (column - l.super[owner]) * l.height(owner) + at)];
  }
  return out;
}

}  // namespace armed
