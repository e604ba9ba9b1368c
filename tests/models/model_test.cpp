#include "armed/model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "armed/error.h"
#include "armed/metrics.h"
#include "armed/data/split.h"
#include "armed/sim/spiral.h"
#include "models/model_fixtures.h"
#include "nn/mlp.h"
#include "test_util.h"

namespace armed {

using test::quick;
using test::small_spiral;

TEST(Model, SameSeedSameModelOtherSeedOther) {
  const auto data = small_spiral();
  auto a = MixedEffectsModel::fit(quick("conventional"), data).predict(data).value;
  auto b = MixedEffectsModel::fit(quick("conventional"), data).predict(data).value;
  auto config = quick("conventional");
  config.seed = 7;
  auto c = MixedEffectsModel::fit(config, data).predict(data).value;
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Model, ClusterInputUsesClusterOnlyInMixedMode) {
  auto data = small_spiral();
  const auto model = MixedEffectsModel::fit(quick("cluster-input"), data);
  auto mixed = model.predict(data, PredictMode::mixed);
  auto fixed = model.predict(data, PredictMode::fixed);
  EXPECT_NE(mixed.value, fixed.value);
  EXPECT_EQ(mixed.mode[0].front(), "mixed");
  EXPECT_EQ(fixed.mode[0].front(), "fixed");
  data.factors[0].labels[0] = "never-seen";
  auto automatic = model.predict(data);
  EXPECT_EQ(automatic.mode[0][0], "fixed");
  EXPECT_EQ(automatic.mode[0][1], "mixed");
  EXPECT_DOUBLE_EQ(automatic.value[0], fixed.value[0]);
  try {
    model.predict(data, PredictMode::mixed);
    FAIL() << "an unknown cluster in mixed mode must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("data row 1: cluster 'never-seen' was not seen"), std::string::npos);
  }
}

TEST(Model, RegressionPredictsOnTheTargetScale) {
  auto data = small_spiral();
  data.y = 100.0f + 10.0f * data.x.select(1, 0);  // linear in x1, far from zero
  ModelConfig config = quick("conventional");
  config.task = "regression";
  config.epochs = 30;
  const auto model = MixedEffectsModel::fit(config, data);
  auto j = model.evaluate(data);
  EXPECT_GT(j["overall"]["r2"].get<double>(), 0.9);
}

TEST(Model, EarlyStoppingKeepsBestEpoch) {
  ModelConfig config = quick("conventional");
  config.epochs = 50;
  config.validation_fraction = 0.25;
  config.patience = 2;
  config.lr = 0.05;
  const auto model = MixedEffectsModel::fit(config, small_spiral());
  const auto& h = model.history();
  ASSERT_FALSE(h.epochs.empty());
  double best = INFINITY;
  for (const auto& e : h.epochs) best = std::min(best, e.val_loss);
  EXPECT_DOUBLE_EQ(h.epochs[h.best_epoch - 1].val_loss, best);
  EXPECT_LE(h.epochs.size(), static_cast<size_t>(h.best_epoch + config.patience));
}


TEST(Armed, FixedModeIsTheFixedEffectsAlone) {
  const auto data = small_spiral();
  const auto model = MixedEffectsModel::fit(quick("armed"), data);
  const auto mixed = model.predict(data, PredictMode::mixed), fixed = model.predict(data, PredictMode::fixed);
  EXPECT_NE(mixed.value, fixed.value);
  auto config = quick("armed");
  config.random_slopes = "inputs";
  config.re_prior = "learned";
  const auto inputs = MixedEffectsModel::fit(config, data).effects();
  EXPECT_EQ(inputs["random_effects"][1]["name"], "x1");
  EXPECT_EQ(inputs["random_effects"][0]["prior"], "learned");
}

TEST(Armed, SparseUpdatesLearnEachClustersIntercept) {
  torch::manual_seed(7);
  ClusteredData data;
  const int64_t clusters = 8, per = 150;
  data.feature_names = data.feature_columns = {"x1"};
  data.x = torch::randn({clusters * per, 1});
  auto offset = torch::arange(clusters * per, torch::kInt64).div(per, "floor").remainder(2).to(torch::kFloat32) * 3 - 1.5;
  data.y = torch::bernoulli(torch::sigmoid(data.x.squeeze(1) + offset));
  data.factors = {{"cluster", {}}};
  for (int64_t r = 0; r < clusters * per; ++r) data.factors[0].labels.push_back("c" + std::to_string(r / per));
  ModelConfig c = quick("armed");
  c.re_updates = "sparse";
  c.random_slopes = "none";
  c.no_adversary = true;
  c.intercept_prior_scale = 2.0;
  c.epochs = 20;
  c.lr = 0.01;
  const auto effects = MixedEffectsModel::fit(c, data).effects()["random_effects"][0]["clusters"];
  for (int64_t k = 0; k < clusters; ++k) {
    const double mean = effects["c" + std::to_string(k)]["mean"].get<double>();
    EXPECT_GT(k % 2 ? mean : -mean, 0.5) << "cluster " << k << ": " << mean;
  }
}

TEST(Armed, AblationFlagsMustFitTheModel) {
  auto config = quick("conventional");
  config.no_adversary = true;
  EXPECT_THROW(config.validate(), Error);
  config = quick("armed");
  config.no_adversary = config.no_random_effects = true;
  EXPECT_NO_THROW(config.validate());
  config.no_adversary = config.no_random_effects = false;
  config.random_slopes = "sideways";
  try {
    MixedEffectsModel::fit(config, small_spiral());
    FAIL() << "an unknown slope feature must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--random-slopes: 'sideways' is not a feature (features: x1, x2)"), std::string::npos);
  }
}


TEST(Armed, RegressionRandomInterceptsImproveMixedPredictions) {
  auto data = small_spiral();
  torch::manual_seed(9);
  auto offsets = torch::randn({4}) * 3.0;  // a large per-cluster intercept
  auto ids = torch::tensor(std::vector<int64_t>(data.clusters().size()), torch::kInt64);
  for (size_t i = 0; i < data.clusters().size(); ++i) ids[i] = static_cast<int64_t>(std::stoll(data.clusters()[i]));
  data.y = (2.0 * data.x.select(1, 0) + offsets.index_select(0, ids) + 0.1 * torch::randn({data.rows()})).to(torch::kFloat32);
  auto config = quick("armed");
  config.task = "regression";
  config.epochs = 40;
  const auto model = MixedEffectsModel::fit(config, data);
  const double mixed = model.evaluate(data, PredictMode::mixed)["overall"]["rmse"].get<double>();
  const double fixed = model.evaluate(data, PredictMode::fixed)["overall"]["rmse"].get<double>();
  EXPECT_LT(mixed, 0.5 * fixed) << "mixed " << mixed << " fixed " << fixed;
}


TEST(Armed, HeldOutClusterGetsSoftMembershipSummingToOne) {
  SpiralOptions o;
  o.clusters = 5;
  o.points_per_cluster = 200;
  const auto data = simulate_spiral(o).data;
  const Split split = split_by_clusters(data.clusters(), 0.2, 3);
  const auto train = subset(data, split.train), held_out = subset(data, split.test);
  const auto model = MixedEffectsModel::fit(quick("armed"), train);
  EXPECT_EQ(model.clusters().id(held_out.clusters()[0]), -1);  // truly unseen
  const auto z = model.cluster_membership(held_out);
  ASSERT_EQ(z.size(0), held_out.rows());
  ASSERT_EQ(z.size(1), 4);
  EXPECT_TRUE(torch::allclose(z.sum(1), torch::ones({held_out.rows()}), 1e-5, 1e-5));
  EXPECT_GT(z.min().item<double>(), 0.0);  // soft, not one-hot
  const auto p = model.predict(held_out, PredictMode::automatic, UnseenMode::inferred);
  EXPECT_EQ(p.mode[0][0], "inferred");
  EXPECT_NE(p.value, model.predict(held_out, PredictMode::fixed).value);
  EXPECT_THROW(MixedEffectsModel::fit(quick("conventional"), train).cluster_membership(held_out), Error);
}

// Eight clusters whose log-odds differ; the features are drawn around `separation` x the cluster's
// index, so with separation 0 they say nothing of the cluster.
ClusteredData clusters_in_features(double separation) {
  torch::manual_seed(11);
  ClusteredData data;
  const int64_t clusters = 8, per = 100;
  data.feature_names = data.feature_columns = {"x1", "x2"};
  auto index = torch::arange(clusters * per, torch::kInt64).div(per, "floor");
  data.x = torch::randn({clusters * per, 2}) + separation * index.to(torch::kFloat32).unsqueeze(1);
  data.y = torch::bernoulli(torch::sigmoid(data.x.select(1, 0) - separation * index.to(torch::kFloat32) +
                                           index.remainder(2).to(torch::kFloat32) * 2 - 1));
  data.factors = {{"cluster", {}}};
  for (int64_t r = 0; r < clusters * per; ++r) data.factors[0].labels.push_back("c" + std::to_string(r / per));
  return data;
}

// With thousands of clusters the predictor's output layer outweighs the main network many times:
// it trains on no more rows x parameters than the main network did, and says so.
TEST(Armed, MembershipPredictorCostsNoMoreThanTheMainNetwork) {
  auto few = clusters_in_features(3.0);
  auto config = quick("armed");
  config.no_adversary = true;
  config.hidden = {32, 32};  // 1,200 parameters per row against the predictor's 456 for 8 clusters
  std::ostringstream few_log;
  MixedEffectsModel::fit(config, few, &few_log);
  EXPECT_EQ(few_log.str().find("the main networks' compute"), std::string::npos) << few_log.str();

  ClusteredData many = few;
  many.factors[0].labels.clear();
  for (int64_t r = 0; r < many.rows(); ++r) many.factors[0].labels.push_back("c" + std::to_string(r / 2));  // 400 clusters of 2 rows
  std::ostringstream many_log;
  config.hidden = {4};  // 17 against 7,000
  const auto model = MixedEffectsModel::fit(config, many, &many_log);
  EXPECT_NE(many_log.str().find("the main networks' compute"), std::string::npos) << many_log.str();
  EXPECT_EQ(model.history().membership.at(0).epochs, 1);
}

// Nine clusters told apart by where they lie in x2, each with an intercept of +-1.5. Shared: clusters
// lie in threes at one place with the same intercept, so an unseen cluster's rows go to clusters
// with its effect. Alone: each at its own place, its neighbours' intercepts the opposite of its own.
ClusteredData clusters_by_place(bool shared) {
  torch::manual_seed(12);
  ClusteredData data;
  const int64_t clusters = 9, per = 120;
  data.feature_names = data.feature_columns = {"x1", "x2"};
  const auto cluster = torch::arange(clusters * per, torch::kInt64).div(per, "floor");
  const auto place = shared ? cluster.div(3, "floor") : cluster;
  const auto intercept = 3.0 * place.remainder(2).to(torch::kFloat32) - 1.5;
  data.x = torch::stack({torch::randn({clusters * per}), 4.0 * place.to(torch::kFloat32) + 0.3 * torch::randn({clusters * per})}, 1);
  data.y = torch::bernoulli(torch::sigmoid(data.x.select(1, 0) + intercept));
  data.factors = {{"cluster", {}}};
  for (int64_t r = 0; r < clusters * per; ++r) data.factors[0].labels.push_back("c" + std::to_string(r / per));
  return data;
}

// A fixed-effects network that reads x1 alone: the places' intercepts are the random effects'.
struct FirstInputNetworkImpl : FixedEffectsModule {
  explicit FirstInputNetworkImpl(int64_t) { mlp = register_module("mlp", MLP(MLPOptions(1, {32, 32}, 1))); }
  FixedEffectsOutput forward(const torch::Tensor& x) override { return mlp->forward(x.narrow(1, 0, 1)); }
  MLP mlp{nullptr};
};

// --unseen auto infers membership where it served clusters held out of a second predictor better
// than the fixed effects, not where the predictor merely tells seen clusters apart: alone, the
// predictor beats chance by far and an unseen cluster still gets the fixed effects.
TEST(Armed, UnseenClustersGetInferredMembershipWhereItServedHeldOutClustersBetter) {
  const auto first_input = [](int64_t inputs) { return std::make_shared<FirstInputNetworkImpl>(inputs); };
  for (const bool shared : {true, false}) {
    auto data = clusters_by_place(shared);
    auto config = quick("armed");
    config.no_adversary = true;
    config.random_slopes = "none";
    config.intercept_prior_scale = 1.0;
    config.epochs = 20;
    config.lr = 0.01;
    const auto model = MixedEffectsModel::fit(config, data, nullptr, first_input);
    const MembershipRecord& m = model.history().membership.at(0);
    EXPECT_TRUE(m.beats_chance) << shared;
    EXPECT_EQ(m.held_out_clusters, 9);  // five groups of the nine, each held out of a second predictor
    EXPECT_EQ(m.unseen_rows, 9 * 120);
    EXPECT_EQ(m.infer_unseen, shared) << "inferred " << m.unseen_loss_inferred << ", fixed " << m.unseen_loss_fixed << ", accuracy "
                                      << m.held_out_accuracy;
    data.factors[0].labels.assign(data.clusters().size(), "never-seen");
    const std::string expected = shared ? "inferred" : "fixed";
    EXPECT_EQ(model.predict(data).mode[0][0], expected);
    EXPECT_EQ(model.effects()["membership_predictor"]["unseen_clusters_by_default"], expected);
    EXPECT_EQ(model.predict(data, PredictMode::automatic, UnseenMode::inferred).mode[0][0], "inferred");
    EXPECT_EQ(model.predict(data, PredictMode::automatic, UnseenMode::fixed).mode[0][0], "fixed");
  }
}

TEST(Armed, TwoClustersAreTooFewToJudgeInferredMembership) {
  auto data = small_spiral();
  std::vector<std::string> two;
  for (const auto& label : data.clusters()) two.push_back(label == "0" || label == "1" ? "a" : "b");
  data.factors[0].labels = two;
  std::ostringstream log;
  const auto model = MixedEffectsModel::fit(quick("armed"), data, &log);
  EXPECT_EQ(model.history().membership.at(0).held_out_clusters, 0);
  EXPECT_FALSE(model.history().membership.at(0).infer_unseen);
  EXPECT_NE(log.str().find("unseen clusters (--unseen auto): the fixed effects (too few clusters"), std::string::npos) << log.str();
}

TEST(Armed, MembershipPredictorTrainsNoLongerThanTheMainNetworks) {
  auto config = quick("armed");
  config.epochs = 200;
  config.validation_fraction = 0.25;
  config.patience = 2;
  config.lr = 0.05;
  const auto model = MixedEffectsModel::fit(config, small_spiral());
  const auto& h = model.history();
  ASSERT_LT(h.epochs.size(), 200u) << "the main networks should stop early here";
  EXPECT_GE(h.membership.at(0).epochs, 1);
  EXPECT_LE(h.membership.at(0).epochs, static_cast<int64_t>(h.epochs.size()));
  EXPECT_LE(h.membership.at(0).best_epoch, h.membership.at(0).epochs);
  EXPECT_EQ(h.membership.at(0).held_out_rows, 200);  // the validation rows
}

// Early stopping keeps the epoch with the best validation loss, or with --early-stopping metric the
// best validation AUROC, and stops `patience` epochs after it.
TEST(Model, EarlyStoppingFollowsTheLossOrTheMetric) {
  auto config = quick("conventional");
  config.epochs = 200;
  config.validation_fraction = 0.25;
  config.patience = 4;
  config.lr = 0.05;
  std::vector<int64_t> best;
  for (const std::string criterion : {"loss", "metric"}) {
    config.early_stopping = criterion;
    const auto h = MixedEffectsModel::fit(config, small_spiral(3)).history();
    ASSERT_LT(h.epochs.size(), 200u) << criterion;
    int64_t expected = 0;
    for (const auto& e : h.epochs) {
      const auto& at = h.epochs[static_cast<size_t>(expected == 0 ? 0 : expected - 1)];
      const bool better = criterion == "loss" ? e.val_loss < at.val_loss : e.val_metric > at.val_metric;
      if (expected == 0 || better) expected = e.epoch;
    }
    EXPECT_EQ(h.best_epoch, expected) << criterion;
    EXPECT_EQ(static_cast<int64_t>(h.epochs.size()), h.best_epoch + config.patience) << criterion;
    best.push_back(h.best_epoch);
  }
  EXPECT_NE(best[0], best[1]) << "the two criteria should disagree on this data";
  config.early_stopping = "auroc";
  EXPECT_THROW(MixedEffectsModel::fit(config, small_spiral(3)), Error);
}

TEST(Model, ValidationRowsChooseTheDecisionThreshold) {
  const auto data = small_spiral();
  auto config = quick("conventional");
  config.validation_fraction = 0.2;
  const auto model = MixedEffectsModel::fit(config, data);
  // The validation rows are the fit's own split: their Youden point is the model's threshold.
  const auto labels = target_labels(data);
  const Split split = split_within_clusters(data.clusters(), labels, config.validation_fraction, config.seed);
  const auto valid = subset(data, split.test);
  std::vector<double> valid_labels;
  for (const int64_t i : split.test) valid_labels.push_back(static_cast<double>(labels[i]));
  const double threshold = model.decision_threshold();
  EXPECT_DOUBLE_EQ(threshold, youden_threshold(model.predict(valid).value, valid_labels));
  EXPECT_NE(threshold, 0.5);

  const auto chosen = model.evaluate(data)["overall"]["decisions"]["at_threshold"];
  EXPECT_EQ(chosen["chosen_by"], "the Youden point of the model's validation rows");
  EXPECT_DOUBLE_EQ(chosen["threshold"].get<double>(), threshold);
  const auto given = model.evaluate(data, PredictMode::automatic, UnseenMode::automatic, 0.3)["overall"]["decisions"]["at_threshold"];
  EXPECT_EQ(given["chosen_by"], "--threshold");
  EXPECT_DOUBLE_EQ(given["threshold"].get<double>(), 0.3);

  test::TempDir dir;
  model.save(dir.file("m"));
  EXPECT_DOUBLE_EQ(MixedEffectsModel::load(dir.file("m")).decision_threshold(), threshold);
}

TEST(Model, WithoutValidationRowsNoThresholdIsChosenForTheUser) {
  const auto data = small_spiral();
  const auto model = MixedEffectsModel::fit(quick("conventional"), data);
  EXPECT_TRUE(std::isnan(model.decision_threshold()));
  const auto decisions = model.evaluate(data)["overall"]["decisions"];
  EXPECT_FALSE(decisions.contains("at_threshold"));
  EXPECT_TRUE(decisions["youden"]["sensitivity"].is_number());
  EXPECT_THROW(model.evaluate(data, PredictMode::automatic, UnseenMode::automatic, 1.5), Error);
}

TEST(Model, OnlyBinaryTargetsTakeAThreshold) {
  auto data = small_spiral();
  data.y = data.x.select(1, 0).clone();
  auto config = quick("conventional");
  config.task = "regression";
  const auto model = MixedEffectsModel::fit(config, data);
  EXPECT_FALSE(model.evaluate(data)["overall"].contains("decisions"));
  EXPECT_THROW(model.evaluate(data, PredictMode::automatic, UnseenMode::automatic, 0.5), Error);
}

}  // namespace armed
