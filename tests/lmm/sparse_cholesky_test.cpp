#include "lmm/sparse_cholesky.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace armed {
namespace {

// S = A A' + I for a random sparse q x n A (3 entries per column), factored from its upper triangle.
class SparseCholeskyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(3);
    auto a = torch::zeros({q, n}, torch::kFloat64);
    for (int64_t j = 0; j < n; ++j) a.select(1, j).index_fill_(0, torch::randperm(q, torch::kInt64).narrow(0, 0, 3), 1.0);
    a *= torch::randn({q, n}, torch::kFloat64);
    system = a.mm(a.t()) + torch::eye(q, torch::kFloat64);
    std::vector<int64_t> start{0}, rows;
    std::vector<double> values;
    for (int64_t j = 0; j < q; ++j) {
      for (int64_t i = 0; i <= j; ++i)
        if (system[i][j].item<double>() != 0.0) {
          rows.push_back(i);
          values.push_back(system[i][j].item<double>());
        }
      start.push_back(static_cast<int64_t>(rows.size()));
    }
    pattern_rows = rows;
    chol = std::make_unique<SparseCholesky>(q, start, rows);
    std::copy(values.begin(), values.end(), chol->values());
    chol->factorize();
    ASSERT_LT(static_cast<int64_t>(rows.size()), q * (q + 1) / 2);  // sparse indeed
  }
  const int64_t q = 40, n = 50;
  torch::Tensor system;
  std::vector<int64_t> pattern_rows;
  std::unique_ptr<SparseCholesky> chol;
};

TEST_F(SparseCholeskyTest, LogDeterminantIsTheDenseOne) {
  EXPECT_NEAR(chol->log_determinant(), torch::logdet(system).item<double>(), 1e-10);
}

TEST_F(SparseCholeskyTest, ForwardThenBackwardSolvesTheSystem) {
  auto b = torch::randn({2, q}, torch::kFloat64);  // two right-hand sides, column-major q x 2
  auto x = b.clone();
  chol->forward_solve(x.data_ptr<double>(), 2);
  // |L^-1 P b|^2 = b' S^-1 b
  EXPECT_NEAR(x[0].square().sum().item<double>(), b[0].dot(torch::linalg_solve(system, b[0])).item<double>(), 1e-10);
  chol->backward_solve(x.data_ptr<double>(), 2);
  EXPECT_TRUE(torch::allclose(system.mm(x.t()), b.t(), 1e-10, 1e-10));
}

TEST_F(SparseCholeskyTest, SelectedInversionGivesTheInversesEntries) {
  const auto inverse = torch::inverse(system);
  std::vector<int64_t> rows, columns;
  for (int64_t j = 0; j < q; ++j)
    for (int64_t i = 0; i < q; ++i)
      if (system[i][j].item<double>() != 0.0) {
        rows.push_back(i);
        columns.push_back(j);
      }
  const auto entries = chol->inverse_entries(rows, columns);
  for (size_t e = 0; e < rows.size(); ++e)
    EXPECT_NEAR(entries[e], inverse[rows[e]][columns[e]].item<double>(), 1e-12) << rows[e] << "," << columns[e];
}

TEST_F(SparseCholeskyTest, NewValuesRefactorWithTheSamePattern) {
  auto doubled = 2 * (system - torch::eye(q, torch::kFloat64)) + torch::eye(q, torch::kFloat64);
  std::vector<double> values;
  for (int64_t j = 0; j < q; ++j)
    for (int64_t i = 0; i <= j; ++i)
      if (system[i][j].item<double>() != 0.0) values.push_back(doubled[i][j].item<double>());
  std::copy(values.begin(), values.end(), chol->values());
  chol->factorize();
  EXPECT_NEAR(chol->log_determinant(), torch::logdet(doubled).item<double>(), 1e-10);
}

}  // namespace
}  // namespace armed
