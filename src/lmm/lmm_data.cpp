#include "lmm/lmm_data.h"

#include "armed/error.h"

namespace armed {

torch::Tensor LmmTerm::relative_factor(const double* theta) const {
  const int64_t k = units();
  auto t = torch::zeros({k, k}, torch::kFloat64);
  auto a = t.accessor<double, 2>();
  if (correlated) {
    for (int64_t column = 0, i = 0; column < k; ++column)
      for (int64_t row = column; row < k; ++row) a[row][column] = theta[i++];
  } else {
    for (int64_t u = 0; u < k; ++u) a[u][u] = theta[u];
  }
  return t;
}

void LmmData::validate() const {
  const int64_t n = rows(), p = x.size(1);
  if (n <= p) throw Error("a linear mixed model of " + std::to_string(p) + " fixed effects needs more than " + std::to_string(p) + " rows");
  // Pivoted QR would name the dependent column; the Cholesky of X'X finds the first column that
  // the earlier ones determine, which is the one to drop: its pivot (that of the leading block up
  // to it) is zero, or the factorization stops there.
  auto xtx = x.t().mm(x);
  const auto scale = xtx.diagonal().clamp_min(1e-300).sqrt();
  auto [factor, info] = torch::linalg_cholesky_ex(xtx / scale.unsqueeze(0) / scale.unsqueeze(1));
  const int64_t stopped = info.item<int64_t>();  // the order of the first leading block that is not positive definite, or 0
  for (int64_t j = 0; j < p; ++j)
    if ((stopped != 0 && j == stopped - 1) || xtx[j][j].item<double>() == 0.0 || factor[j][j].item<double>() < 1e-7)
      throw Error("fixed effect '" + fixed_names[static_cast<size_t>(j)] +
                  "' is a combination of the ones before it (rank-deficient fixed part): drop it from the formula");
  for (const auto& term : terms) {
    if (term.levels.empty()) throw Error("grouping factor '" + term.factor + "' has no levels");
    if (term.level.size(0) != n || term.covariates.size(0) != n || term.covariates.size(1) != term.units())
      throw Error("grouping factor '" + term.factor + "': its design does not match the rows");
  }
}

}  // namespace armed
