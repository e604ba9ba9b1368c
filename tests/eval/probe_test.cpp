#include "eval/probe.h"

#include <gtest/gtest.h>

namespace armed {

TEST(LinearProbe, FindsLinearlyCodedLabelsAndNotNoise) {
  torch::manual_seed(1);
  const int64_t n = 600, classes = 3;
  auto labels = torch::randint(classes, {n}, torch::kInt64);
  auto noise = torch::randn({n, 4});
  auto coded = noise.clone();
  coded.select(1, 2).add_(3 * labels.to(torch::kFloat32));  // the label on one axis, well apart
  auto train = torch::arange(0, 400), test = torch::arange(400, n);
  auto probe = [&](const torch::Tensor& x) {
    return linear_probe_accuracy(x.index_select(0, train), labels.index_select(0, train), x.index_select(0, test),
                                 labels.index_select(0, test), classes);
  };
  EXPECT_GT(probe(coded), 0.9);
  EXPECT_LT(probe(noise), 0.45);  // chance is 1/3
}

}  // namespace armed
