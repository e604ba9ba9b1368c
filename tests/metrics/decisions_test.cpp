#include <gtest/gtest.h>

#include <cmath>

#include "armed/error.h"
#include "armed/metrics.h"

namespace armed {
namespace {

// Eight rows, four positives. Calling positive from the top: 0.9 (+), 0.8 (+), 0.7 (-), 0.6 (+),
// 0.55 (-), 0.4 (-), 0.3 (+), 0.2 (-). Youden's J is 0.5 at 0.8 and at 0.6, 0.25 or less elsewhere.
const std::vector<double> kScore = {0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.3, 0.2};
const std::vector<double> kLabel = {1, 1, 0, 1, 0, 0, 1, 0};

}  // namespace

TEST(Decisions, RatesAtAThreshold) {
  const DecisionMetrics m = decision_metrics(kScore, kLabel, 0.5);  // TP 3, FP 2, FN 1, TN 2
  EXPECT_DOUBLE_EQ(m.threshold, 0.5);
  EXPECT_DOUBLE_EQ(m.sensitivity, 0.75);
  EXPECT_DOUBLE_EQ(m.specificity, 0.5);
  EXPECT_DOUBLE_EQ(m.ppv, 0.6);
  EXPECT_DOUBLE_EQ(m.npv, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.f1, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.accuracy, 5.0 / 8.0);
}

TEST(Decisions, AScoreEqualToTheThresholdIsCalledPositive) {
  EXPECT_DOUBLE_EQ(decision_metrics(kScore, kLabel, 0.6).sensitivity, 0.75);
  EXPECT_DOUBLE_EQ(decision_metrics(kScore, kLabel, 0.6 + 1e-9).sensitivity, 0.5);
}

TEST(Decisions, RatesWithoutRowsToCountAreNaN) {
  const DecisionMetrics m = decision_metrics({0.2, 0.3}, {0, 0}, 0.5);  // no positives, no positive calls
  EXPECT_TRUE(std::isnan(m.sensitivity));
  EXPECT_TRUE(std::isnan(m.ppv));
  EXPECT_DOUBLE_EQ(m.specificity, 1.0);
  EXPECT_TRUE(std::isnan(m.f1));  // 2 TP / (2 TP + FP + FN) = 0 / 0
}

TEST(Decisions, YoudenTakesTheHighestOfTiedThresholds) {
  EXPECT_DOUBLE_EQ(youden_threshold(kScore, kLabel), 0.8);
  // Tied scores are one ROC point: all three are called together.
  EXPECT_DOUBLE_EQ(youden_threshold({0.5, 0.5, 0.5, 0.1}, {1, 0, 1, 0}), 0.5);
  EXPECT_TRUE(std::isnan(youden_threshold({0.5, 0.7}, {1, 1})));
}

TEST(Decisions, TheCurveReadAtASpecificityAndASensitivity) {
  EXPECT_DOUBLE_EQ(sensitivity_at_specificity(kScore, kLabel, 0.9), 0.5);    // FPR 0: 0.9 and 0.8
  EXPECT_DOUBLE_EQ(sensitivity_at_specificity(kScore, kLabel, 0.75), 0.75);  // FPR 1/4: down to 0.6
  EXPECT_DOUBLE_EQ(specificity_at_sensitivity(kScore, kLabel, 0.9), 0.25);   // every positive: down to 0.3
  EXPECT_DOUBLE_EQ(specificity_at_sensitivity(kScore, kLabel, 0.5), 1.0);
  // A specificity no threshold reaches but calling nobody: sensitivity 0.
  EXPECT_DOUBLE_EQ(sensitivity_at_specificity({0.9, 0.1}, {0, 1}, 0.95), 0.0);
}

TEST(Decisions, ReportSaysWhichThresholdItUsed) {
  const auto optimistic = decision_report(kScore, kLabel, NAN, "");
  EXPECT_FALSE(optimistic.contains("at_threshold"));
  EXPECT_DOUBLE_EQ(optimistic["youden"]["threshold"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(optimistic["youden"]["specificity"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(optimistic["at_0.5"]["ppv"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(optimistic["sensitivity_at_specificity"]["0.95"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(optimistic["specificity_at_sensitivity"]["0.9"].get<double>(), 0.25);
  const auto given = decision_report(kScore, kLabel, 0.35, "--threshold");
  EXPECT_EQ(given["at_threshold"]["chosen_by"], "--threshold");
  EXPECT_DOUBLE_EQ(given["at_threshold"]["sensitivity"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(given["at_threshold"]["specificity"].get<double>(), 0.25);
  EXPECT_TRUE(decision_report({0.2, 0.3}, {0, 0}, NAN, "")["youden"].is_null());
}

TEST(Decisions, LengthsMustAgree) { EXPECT_THROW(decision_metrics({0.1}, {0, 1}, 0.5), Error); }

}  // namespace armed
