#include "armed/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "armed/error.h"

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

// Three classes, four rows: class 0 is ranked perfectly, class 1 reversed, class 2 half right.
TEST(Metrics, MulticlassMacroAurocLogLossAndAccuracy) {
  const std::vector<double> prob{0.7, 0.1, 0.2,  //
                                 0.2, 0.2, 0.6,  //
                                 0.1, 0.1, 0.8,  //
                                 0.4, 0.5, 0.1};
  const std::vector<double> label{0, 1, 2, 2};
  // Class 0: the one positive scores highest (1). Class 1: the positive's 0.2 against 0.1, 0.1 and
  // 0.5 beats two of three (2/3). Class 2: positives 0.8 and 0.1 against 0.2 and 0.6: 0.8 beats
  // both, 0.1 neither (1/2).
  EXPECT_NEAR(macro_auroc(prob, label), (1.0 + 2.0 / 3.0 + 0.5) / 3, 1e-12);
  EXPECT_NEAR(log_loss(prob, label), -(std::log(0.7) + std::log(0.2) + std::log(0.8) + std::log(0.1)) / 4, 1e-12);
  const auto m = multiclass_metrics(prob, label);
  EXPECT_DOUBLE_EQ(m.at("accuracy").get<double>(), 0.5);  // rows 0 and 2
  EXPECT_EQ(m.at("n").get<int>(), 4);
  EXPECT_THROW(macro_auroc({0.5, 0.5, 0.5}, label), Error);  // not a whole number of classes per row
}

// With several values per row, each cluster's rows keep all of theirs.
TEST(Metrics, ByClusterKeepsEveryValueOfARow) {
  const auto j = metrics_by_cluster(multiclass_metrics, {0.9, 0.1, 0.2, 0.8, 0.3, 0.7}, {0, 1, 0}, {"a", "a", "b"});
  EXPECT_DOUBLE_EQ(j["clusters"]["a"]["accuracy"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["clusters"]["b"]["accuracy"].get<double>(), 0.0);
  EXPECT_EQ(j["clusters"]["a"]["n"].get<int>(), 2);
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
