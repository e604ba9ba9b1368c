#include "train/sparse_adam.h"

#include <gtest/gtest.h>

namespace armed {

// A table read through torch::embedding's sparse gradient, as RandomEffects reads its cluster rows.
torch::Tensor table_loss(const torch::Tensor& table, const torch::Tensor& rows) {
  return torch::embedding(table, rows, -1, false, /*sparse=*/true).sin().sum();
}

TEST(SparseAdam, MatchesAdamWhenEveryRowHasAGradient) {
  torch::manual_seed(1);
  auto sparse_table = torch::randn({4, 3}).requires_grad_();
  const auto start = sparse_table.detach().clone();
  auto dense_table = sparse_table.detach().clone().requires_grad_();
  SparseAdam sparse({sparse_table}, torch::optim::AdamOptions(0.05));
  torch::optim::Adam dense({dense_table}, torch::optim::AdamOptions(0.05));
  const auto rows = torch::tensor({3, 0, 1, 2, 0}, torch::kInt64);
  for (int step = 0; step < 5; ++step) {
    sparse.zero_grad();
    table_loss(sparse_table, rows).backward();
    ASSERT_TRUE(sparse_table.grad().is_sparse());
    sparse.step();
    dense.zero_grad();
    dense_table.index_select(0, rows).sin().sum().backward();
    dense.step();
  }
  EXPECT_FALSE(torch::allclose(sparse_table, start, 1e-3, 1e-3));
  // Only the placement of epsilon differs (inside or outside the bias correction of the second moment).
  EXPECT_TRUE(torch::allclose(sparse_table, dense_table, 1e-5, 1e-6));
}

TEST(SparseAdam, RowsWithoutAGradientKeepTheirValuesAndMoments) {
  torch::manual_seed(2);
  auto table = torch::randn({5, 2}).requires_grad_();
  const auto start = table.detach().clone();
  SparseAdam optimizer({table}, torch::optim::AdamOptions(0.1));
  optimizer.zero_grad();
  table_loss(table, torch::tensor({1, 1, 3}, torch::kInt64)).backward();
  optimizer.step();
  const auto after_first = table.detach().clone();
  for (int64_t r : {0, 2, 4}) EXPECT_TRUE(torch::equal(after_first[r], start[r])) << "row " << r;
  for (int64_t r : {1, 3}) EXPECT_FALSE(torch::equal(after_first[r], start[r])) << "row " << r;
  // A dense Adam would keep moving row 3 on its momentum; the lazy one leaves it until it has a gradient.
  optimizer.zero_grad();
  table_loss(table, torch::tensor({0}, torch::kInt64)).backward();
  optimizer.step();
  EXPECT_TRUE(torch::equal(table[3], after_first[3]));
  EXPECT_FALSE(torch::equal(table[0], start[0]));
}

TEST(SparseAdam, RefusesADenseGradient) {
  auto table = torch::zeros({2, 2}).requires_grad_();
  SparseAdam optimizer({table}, torch::optim::AdamOptions(0.1));
  table.sum().backward();
  EXPECT_THROW(optimizer.step(), c10::Error);
}

}  // namespace armed
