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
  const ClusteredData data = simulate_glmm(o).data;
  const Split within = split_within_clusters(data.clusters(), {}, 0.2, 11);
  return {subset(data, within.train), subset(data, within.test)};
}

ModelConfig multiclass(const std::string& model) {
  return test::exact_stage_armed("multiclass", 40).for_model(model);
}

double metric(const MixedEffectsModel& model, const ClusteredData& data, PredictMode mode, const char* name) {
  return model.evaluate(data, mode).at("overall").at(name).get<double>();
}

}  // namespace

// The clusters' per-class intercepts carry as much as the features here: armed's mixed prediction
// beats its own fixed-effects part and the conventional network on seen clusters. The softmax
// sees only differences between a cluster's intercepts, and the factorized posterior leaves their
// common part at zero: the learned per-class variances estimate the drawn intercepts' spread
// about their cluster's mean (1.16, 2.10, 1.37 here; 2 each drawn), not the full variance.
TEST(MulticlassModel, RandomInterceptsPerClassServeSeenClusters) {
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
  EXPECT_EQ(effects.at("likelihood"), "variational");
  EXPECT_EQ(effects.at("target_levels").at("classes"), (std::vector<std::string>{"0", "1", "2"}));
  const auto& units = effects.at("random_effects");
  ASSERT_EQ(units.size(), 3u);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(units[k].at("name"), "(Intercept):" + std::to_string(k));
    const double variance = std::pow(units[k].at("prior_sd").get<double>(), 2);
    EXPECT_GT(variance, 0.7) << k;
    EXPECT_LT(variance, 2.6) << k;
  }
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

TEST(MulticlassModel, OptionsItCannotTakeAreRefused) {
  ModelConfig c = multiclass("armed");
  c.random_slopes = "hidden";
  EXPECT_THROW(c.validate(), Error);
  c.random_slopes = "none";
  c.likelihood = "laplace";
  EXPECT_THROW(c.validate(), Error);
  c.likelihood = "auto";
  EXPECT_FALSE(c.exact_likelihood());  // learned variance components, but no exact multinomial likelihood
  EXPECT_NO_THROW(c.validate());
}

}  // namespace armed
