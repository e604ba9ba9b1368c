// Multiclass outcomes end to end: K class labels, a softmax over one logit per class, random
// intercepts per class and cluster, metrics, prediction and the model file.
#include <gtest/gtest.h>

#include <cmath>

#include "armed/data/split.h"
#include "armed/error.h"
#include "armed/model.h"
#include "armed/sim/glmm.h"
#include "model_fixtures.h"
#include "test_util.h"

namespace armed {
namespace {

struct Held {
  ClusteredData train, seen;
  // Per pair of classes (0-1, 1-2, 0-2), the variance of the differences of the simulated
  // intercepts: all that the softmax sees of them.
  std::vector<double> drawn_contrast;
};

// LMMNN's simulation with three classes, 40 clusters, per-class intercepts of variance 2; a fifth
// of each cluster's rows held out.
Held simulated() {
  GlmmOptions o;
  o.rows = 6000;
  o.features = 4;
  o.clusters = {40};
  o.variances = {2.0};
  o.task = "multiclass";
  o.classes = 3;
  o.seed = 11;
  const GlmmData sim = simulate_glmm(o);
  const Split within = split_within_clusters(sim.data.clusters(), {}, 0.2, 11);
  const auto b = torch::tensor(sim.effects[0], torch::kFloat64).view({-1, 3});
  const auto contrast = [&](int64_t j, int64_t k) { return (b.select(1, j) - b.select(1, k)).var(0, /*unbiased=*/false).item<double>(); };
  return {subset(sim.data, within.train), subset(sim.data, within.test), {contrast(0, 1), contrast(1, 2), contrast(0, 2)}};
}

ModelConfig multiclass(const std::string& model) {
  return test::exact_stage_armed("multiclass", 40).for_model(model);
}

double metric(const MixedEffectsModel& model, const ClusteredData& data, PredictMode mode, const char* name) {
  return model.evaluate(data, mode).at("overall").at(name).get<double>();
}

}  // namespace

// The clusters' per-class intercepts carry as much as the features here: armed's mixed prediction
// beats its own fixed-effects part and the conventional network on seen clusters, and the exact
// stage's variances find the drawn intercepts' spread. The data show only differences of a
// cluster's intercepts, whose variance the model puts at sigma_j^2 + sigma_k^2: drawn here 5.14,
// 5.78 and 2.97 (for a variance of 2 per class, 4; class 1's draws happen to run against the
// others'), within 25%.
TEST(MulticlassModel, RandomInterceptsPerClassServeSeenClustersAndTheirVarianceIsFound) {
  const Held d = simulated();
  const auto armed_model = MixedEffectsModel::fit(multiclass("armed"), d.train);
  const auto conventional = MixedEffectsModel::fit(multiclass("conventional"), d.train);
  const double mixed = metric(armed_model, d.seen, PredictMode::mixed, "log_loss");
  const double fixed = metric(armed_model, d.seen, PredictMode::fixed, "log_loss");
  const double plain = metric(conventional, d.seen, PredictMode::fixed, "log_loss");
  EXPECT_LT(mixed, fixed - 0.1);
  EXPECT_LT(mixed, plain - 0.1);
  EXPECT_GT(metric(armed_model, d.seen, PredictMode::mixed, "macro_auroc"), metric(conventional, d.seen, PredictMode::fixed, "macro_auroc"));

  const auto effects = armed_model.effects();
  EXPECT_EQ(effects.at("likelihood"), "Laplace");
  EXPECT_EQ(effects.at("target_levels").at("classes"), (std::vector<std::string>{"0", "1", "2"}));
  const auto& units = effects.at("random_effects");
  ASSERT_EQ(units.size(), 3u);
  std::vector<double> variance;
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(units[k].at("name"), "(Intercept):" + std::to_string(k));
    variance.push_back(std::pow(units[k].at("prior_sd").get<double>(), 2));
  }
  const double pairs[] = {variance[0] + variance[1], variance[1] + variance[2], variance[0] + variance[2]};
  for (size_t p = 0; p < 3; ++p) EXPECT_NEAR(pairs[p], d.drawn_contrast[p], 0.25 * d.drawn_contrast[p]) << p;
}

TEST(MulticlassModel, PredictsEveryClassProbabilityAndSurvivesItsModelFile) {
  const Held d = simulated();
  ModelConfig c = multiclass("armed");
  c.no_adversary = false;
  c.adversary_sees_target = true;  // the adversary reads the class one-hot
  c.epochs = 2;
  const auto model = MixedEffectsModel::fit(c, d.train);
  const Predictions p = model.predict(d.seen);
  ASSERT_EQ(p.probabilities.size(), static_cast<size_t>(d.seen.rows()));
  for (size_t i = 0; i < p.probabilities.size(); ++i) {
    const auto& row = p.probabilities[i];
    ASSERT_EQ(row.size(), 3u);
    EXPECT_NEAR(row[0] + row[1] + row[2], 1.0, 1e-6);
    EXPECT_EQ(p.value[i], static_cast<double>(std::max_element(row.begin(), row.end()) - row.begin()));
  }
  EXPECT_THROW(model.predict(d.seen, PredictMode::automatic, UnseenMode::automatic, 0.95), Error);
  EXPECT_THROW(model.fixed_effects_gradient(std::vector<double>(4, 0.0)), Error);

  test::TempDir dir;
  model.save(dir.file("m"));
  const auto loaded = MixedEffectsModel::load(dir.file("m"));
  EXPECT_EQ(loaded.predict(d.seen).probabilities, p.probabilities);
  EXPECT_EQ(loaded.data_spec().target_levels, (std::vector<std::string>{"0", "1", "2"}));
}

// With a linear part, the exact stage's shift per class and scale are folded into the reported
// coefficients: they give the fixed-effects prediction.
TEST(MulticlassModel, ALinearPartReportsTheCoefficientsItPredictsWith) {
  const Held d = simulated();
  ModelConfig c = multiclass("armed");
  c.fe = "linear";
  const auto model = MixedEffectsModel::fit(c, d.train);
  const auto fixed = model.effects().at("fixed_effects");
  const Predictions p = model.predict(d.seen, PredictMode::fixed);
  for (int64_t i = 0; i < 3; ++i) {
    std::vector<double> logits;
    for (int k = 0; k < 3; ++k) {
      const std::string cls = ":" + std::to_string(k);
      double logit = fixed.at("(Intercept)" + cls).get<double>();
      for (int j = 0; j < 4; ++j) logit += fixed.at("x" + std::to_string(j + 1) + cls).get<double>() * d.seen.x[i][j].item<double>();
      logits.push_back(logit);
    }
    const auto probabilities = torch::softmax(torch::tensor(logits, torch::kFloat64), 0);
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(p.probabilities[i][k], probabilities[k].item<double>(), 1e-5) << i << " " << k;
  }
}

TEST(MulticlassModel, OptionsItCannotTakeAreRefused) {
  ModelConfig c = multiclass("armed");
  EXPECT_TRUE(c.exact_likelihood());  // learned variance components: the exact stage
  c.random_slopes = "hidden";
  EXPECT_THROW(c.validate(), Error);
  c.random_slopes = "none";
  c.nagq = 9;
  EXPECT_THROW(c.validate(), Error);
  c.nagq = 1;
  c.fe = "linear";
  EXPECT_FALSE(c.linear_mixed_model());  // one logit per class: trained, then the exact stage
  EXPECT_NO_THROW(c.validate());
}

}  // namespace armed
