#include "data/cluster_design.h"

#include <gtest/gtest.h>

namespace armed {

TEST(ClusterDesign, OneHotHasZeroRowsForUnknown) {
  ClusterDesign z{torch::tensor({2, -1, 0}, torch::kInt64), {}};
  auto d = z.one_hot(3);
  EXPECT_TRUE(torch::equal(d, torch::tensor({{0.f, 0.f, 1.f}, {0.f, 0.f, 0.f}, {1.f, 0.f, 0.f}})));
}

}  // namespace armed
