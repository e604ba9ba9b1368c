#include "armed/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace armed {

TEST(Metrics, AurocPerfectAndReversed) {
  EXPECT_DOUBLE_EQ(auroc({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(auroc({0.9, 0.8, 0.2, 0.1}, {0, 0, 1, 1}), 0.0);
}

TEST(Metrics, AurocCountsTiesAsHalf) {
  // Positives {0.5, 0.9}, negatives {0.5, 0.1}: pairs (0.5,0.5)=1/2, (0.5,0.1)=1, (0.9,*)=2 -> 3.5/4.
  EXPECT_DOUBLE_EQ(auroc({0.5, 0.9, 0.5, 0.1}, {1, 1, 0, 0}), 0.875);
  EXPECT_DOUBLE_EQ(auroc({0.3, 0.3, 0.3}, {1, 0, 1}), 0.5);
}

TEST(Metrics, AurocUndefinedForOneClass) { EXPECT_TRUE(std::isnan(auroc({0.1, 0.7}, {1, 1}))); }

TEST(Metrics, AccuracyAndBalancedAccuracy) {
  // 3 negatives (2 right), 1 positive (right): accuracy 3/4, balanced (2/3 + 1) / 2.
  const std::vector<double> s{0.2, 0.6, 0.1, 0.7}, y{0, 0, 0, 1};
  EXPECT_DOUBLE_EQ(accuracy(s, y), 0.75);
  EXPECT_DOUBLE_EQ(balanced_accuracy(s, y), (2.0 / 3.0 + 1.0) / 2.0);
}

TEST(Metrics, BinaryCrossEntropy) {
  EXPECT_NEAR(binary_cross_entropy({0.8, 0.4}, {1, 0}), -(std::log(0.8) + std::log(0.6)) / 2, 1e-12);
  EXPECT_TRUE(std::isfinite(binary_cross_entropy({0.0, 1.0}, {1, 0})));  // clamped, not infinite
}

TEST(Metrics, RegressionMetrics) {
  const std::vector<double> pred{1, 2, 4}, y{1, 3, 3};
  EXPECT_NEAR(rmse(pred, y), std::sqrt(2.0 / 3.0), 1e-12);
  // mean 7/3; SS_tot = 16/9 + 4/9 + 4/9 = 24/9; SS_res = 2 -> R2 = 1 - 18/24.
  EXPECT_NEAR(r_squared(pred, y), 0.25, 1e-12);
}

TEST(Metrics, ByClusterGroupsRows) {
  auto j = metrics_by_cluster(binary_metrics, {0.9, 0.1, 0.2, 0.8}, {1, 0, 1, 0}, {"a", "a", "b", "b"});
  EXPECT_DOUBLE_EQ(j["overall"]["accuracy"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["clusters"]["a"]["auroc"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["clusters"]["b"]["auroc"].get<double>(), 0.0);
  EXPECT_EQ(j["clusters"]["b"]["n"].get<int>(), 2);
}

}  // namespace armed

namespace armed {

TEST(Metrics, MeanConfidenceIntervalUsesStudentT) {
  // mean 3, sample SD sqrt(2.5), standard error sqrt(0.5), t(0.975, 4) = 2.776.
  const auto ci = mean_confidence_interval({1, 2, 3, 4, 5});
  EXPECT_DOUBLE_EQ(ci.mean, 3.0);
  EXPECT_NEAR(ci.hi - ci.mean, 2.776 * std::sqrt(0.5), 1e-9);
  EXPECT_NEAR(ci.mean - ci.lo, 2.776 * std::sqrt(0.5), 1e-9);
  const auto one = mean_confidence_interval({0.7});
  EXPECT_DOUBLE_EQ(one.mean, 0.7);
  EXPECT_TRUE(std::isnan(one.lo));
}

}  // namespace armed
