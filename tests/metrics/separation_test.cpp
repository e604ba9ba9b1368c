#include "metrics/separation.h"

#include <gtest/gtest.h>

#include "armed/error.h"

namespace armed {
namespace {

// Three groups of points; the reference values are scikit-learn 1.2's davies_bouldin_score and
// calinski_harabasz_score of the same points.
torch::Tensor points() { return torch::tensor({0., 0., 1., 0., 0., 2., 5., 5., 6., 5., 5., 7.5, 10., 0., 11., 1.}).view({8, 2}); }
torch::Tensor groups() { return torch::tensor({0, 0, 0, 1, 1, 1, 2, 2}, torch::kInt64); }

}  // namespace

TEST(Separation, DaviesBouldinAsScikitLearn) { EXPECT_NEAR(davies_bouldin(points(), groups()), 0.2944866390340006, 1e-12); }

TEST(Separation, CalinskiHarabaszAsScikitLearn) { EXPECT_NEAR(calinski_harabasz(points(), groups()), 48.286931818181806, 1e-9); }

TEST(Separation, GroupLabelsNeedNotBeConsecutive) {
  const auto relabelled = torch::tensor({7, 7, 7, 3, 3, 3, 12, 12}, torch::kInt64);
  EXPECT_NEAR(davies_bouldin(points(), relabelled), 0.2944866390340006, 1e-12);
  EXPECT_NEAR(calinski_harabasz(points(), relabelled), 48.286931818181806, 1e-9);
}

TEST(Separation, MixedGroupsScoreWorseThanSeparatedOnes) {
  const auto mixed = torch::tensor({0, 1, 2, 0, 1, 2, 0, 1}, torch::kInt64);
  EXPECT_GT(davies_bouldin(points(), mixed), davies_bouldin(points(), groups()));
  EXPECT_LT(calinski_harabasz(points(), mixed), calinski_harabasz(points(), groups()));
}

TEST(Separation, OneGroupIsRefused) { EXPECT_THROW(davies_bouldin(points(), torch::zeros({8}, torch::kInt64)), Error); }

}  // namespace armed
