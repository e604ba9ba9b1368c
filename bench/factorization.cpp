// The sparse Cholesky factorization a linear mixed model repeats at every deviance evaluation,
// by the library armed uses (CHOLMOD, supernodal) and the alternatives considered (CHOLMOD
// simplicial, Eigen's SimplicialLLT), on S = Z'Z + I of the InstEval-shaped crossed design of
// bench/lmm.sh (73,421 rows, 2,972 x 1,128 levels). Prints milliseconds per factorization (median
// of 9, after the one-off analysis), for the OpenMP threads it runs with.
#include <Eigen/SparseCholesky>
#include <cholmod.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "armed/data/cluster_encoder.h"
#include "armed/sim/glmm.h"
#include "lmm/sparse_cholesky.h"

namespace {

double median_ms(const std::function<void()>& factorize) {
  std::vector<double> ms;
  for (int i = 0; i < 9; ++i) {
    const auto start = std::chrono::steady_clock::now();
    factorize();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main() {
  armed::GlmmOptions options;
  options.rows = 73421;
  options.features = 2;
  options.clusters = {2972, 1128};
  options.task = "regression";
  options.seed = 1;
  const armed::GlmmData sim = armed::simulate_glmm(options);
  std::vector<torch::Tensor> ids;
  int64_t q = 0;
  for (const auto& factor : sim.data.factors) {
    const auto encoder = armed::ClusterEncoder::fit(factor.labels);
    ids.push_back(encoder.encode(factor.labels) + q);
    q += encoder.size();
  }
  std::vector<Eigen::Triplet<double>> entries;
  const auto a = ids[0].accessor<int64_t, 1>(), b = ids[1].accessor<int64_t, 1>();
  for (int64_t r = 0; r < sim.data.rows(); ++r)
    for (const auto& [i, j] : std::initializer_list<std::pair<int64_t, int64_t>>{{a[r], a[r]}, {b[r], b[r]}, {a[r], b[r]}, {b[r], a[r]}})
      entries.emplace_back(i, j, 1.0);
  for (int64_t i = 0; i < q; ++i) entries.emplace_back(i, i, 1.0);
  Eigen::SparseMatrix<double, Eigen::ColMajor, int64_t> s(q, q);
  s.setFromTriplets(entries.begin(), entries.end());
  Eigen::SparseMatrix<double, Eigen::ColMajor, int64_t> upper = s.triangularView<Eigen::Upper>();
  upper.makeCompressed();
  const std::vector<int64_t> start(upper.outerIndexPtr(), upper.outerIndexPtr() + q + 1),
      rows(upper.innerIndexPtr(), upper.innerIndexPtr() + upper.nonZeros());

  std::printf("S: %ld x %ld, %ld stored entries; OpenMP threads %d\n", static_cast<long>(q), static_cast<long>(q),
              static_cast<long>(upper.nonZeros()), omp_get_max_threads());
  armed::SparseCholesky supernodal(q, start, rows);
  std::copy_n(upper.valuePtr(), upper.nonZeros(), supernodal.values());
  std::printf("%-36s %8.1f ms  (nnz(L) %ld)\n", "CHOLMOD supernodal (armed)", median_ms([&] { supernodal.factorize(); }),
              static_cast<long>(supernodal.factor_nonzeros()));

  cholmod_common common;
  cholmod_l_start(&common);
  common.supernodal = CHOLMOD_SIMPLICIAL;
  cholmod_sparse view{};
  view.nrow = view.ncol = static_cast<size_t>(q);
  view.nzmax = static_cast<size_t>(upper.nonZeros());
  view.p = upper.outerIndexPtr();
  view.i = upper.innerIndexPtr();
  view.x = upper.valuePtr();
  view.stype = 1;
  view.itype = CHOLMOD_LONG;
  view.xtype = CHOLMOD_REAL;
  view.dtype = CHOLMOD_DOUBLE;
  view.sorted = view.packed = 1;
  cholmod_factor* simplicial = cholmod_l_analyze(&view, &common);
  std::printf("%-36s %8.1f ms\n", "CHOLMOD simplicial", median_ms([&] { cholmod_l_factorize(&view, simplicial, &common); }));
  cholmod_l_free_factor(&simplicial, &common);
  cholmod_l_finish(&common);

  Eigen::SimplicialLLT<Eigen::SparseMatrix<double, Eigen::ColMajor, int64_t>, Eigen::Upper, Eigen::AMDOrdering<int64_t>> llt;
  llt.analyzePattern(upper);
  std::printf("%-36s %8.1f ms\n", "Eigen SimplicialLLT (AMD)", median_ms([&] { llt.factorize(upper); }));
  return 0;
}
