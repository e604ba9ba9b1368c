// A network's exact final stage: variance components from the exact likelihood given the trained
// network, where the variational posterior of minibatch training estimates them too low.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "../test_util.h"
#include "model_fixtures.h"
#include "armed/error.h"
#include "armed/fixed_effects.h"
#include "armed/formula.h"
#include "armed/model.h"
#include "armed/sim/glmm.h"
#include "eval/effects_text.h"

namespace armed {
namespace {

GlmmData simulated(const std::string& task) {
  GlmmOptions o;
  o.rows = 6000;
  o.features = 4;
  o.clusters = {60};
  o.variances = {1.0};
  o.task = task;
  o.noise = 0.5;
  o.seed = 3;
  return simulate_glmm(o);
}

double realized_variance(const GlmmData& sim) {
  const auto b = torch::tensor(sim.effects[0], torch::kFloat64);
  return b.var(/*unbiased=*/false).item<double>();
}

double estimated_variance(const MixedEffectsModel& model) {
  const double sd = model.effects()["random_effects_sd"]["(Intercept)"].get<double>();
  return sd * sd;
}

}  // namespace

TEST(ExactRandomEffects, BinaryVarianceComponentIsTheExactLikelihoodsNotTheShrunkenVariational) {
  const GlmmData sim = simulated("classification");
  const double truth = realized_variance(sim);
  const auto exact = MixedEffectsModel::fit(test::exact_stage_armed("classification", 12), sim.data);
  auto config = test::exact_stage_armed("classification", 12);
  config.likelihood = "variational";
  const auto variational = MixedEffectsModel::fit(config, sim.data);
  const double v_exact = estimated_variance(exact), v_variational = estimated_variance(variational);
  EXPECT_NEAR(v_exact, truth, 0.25 * truth) << "variational " << v_variational;
  EXPECT_LT(std::abs(v_exact - truth), std::abs(v_variational - truth));
  // The mixed prediction separates the classes better than the network alone.
  const auto mixed = exact.evaluate(sim.data, PredictMode::mixed), fixed = exact.evaluate(sim.data, PredictMode::fixed);
  EXPECT_GT(mixed["overall"]["auroc"].get<double>(), fixed["overall"]["auroc"].get<double>() + 0.03);
}

TEST(ExactRandomEffects, GaussianVarianceComponentOnTheTargetsScale) {
  const GlmmData sim = simulated("regression");
  const auto model = MixedEffectsModel::fit(test::exact_stage_armed("regression", 12), sim.data);
  const double truth = realized_variance(sim);
  EXPECT_NEAR(estimated_variance(model), truth, 0.25 * truth);
  EXPECT_NEAR(model.effects()["residual_sd"].get<double>(), 0.5, 0.1);
}

TEST(ExactRandomEffects, SavedModelPredictsAsFitted) {
  const GlmmData sim = simulated("classification");
  auto config = test::exact_stage_armed("classification", 12);
  config.epochs = 2;
  const auto model = MixedEffectsModel::fit(config, sim.data);
  test::TempDir dir;
  model.save(dir.file("m"));
  const auto loaded = MixedEffectsModel::load(dir.file("m"));
  EXPECT_EQ(model.predict(sim.data).value, loaded.predict(sim.data).value);
}

}  // namespace armed

namespace armed {
namespace {

// `formula`'s data from tests/data with one more feature column, `constant`, the same on every row:
// a network fed by it outputs the same value everywhere, as one stopped where it learned nothing
// beyond the mean.
ClusteredData with_constant_feature(const std::string& formula, const std::string& file, const std::string& task) {
  ModelConfig config;
  DataSpec spec;
  config.task = spec.task = task;
  apply_formula(parse_formula(formula), /*network=*/false, config, spec);
  ClusteredData data = load_clustered_csv(std::string(ARMED_TEST_DATA) + "/" + file, spec);
  data.x = torch::full({data.rows(), 1}, 7.0F);
  data.feature_columns = data.feature_names = {"constant"};
  return data;
}

// The exact mixed model of `formula` (lme4's, as tests/models/lme4_fidelity_test.cpp checks), by ML.
nlohmann::json exact_fit(const std::string& formula, const std::string& file, const std::string& task) {
  ModelConfig config;
  DataSpec spec;
  config.task = spec.task = task;
  apply_formula(parse_formula(formula), /*network=*/false, config, spec);
  return MixedEffectsModel::fit(config, load_clustered_csv(std::string(ARMED_TEST_DATA) + "/" + file, spec)).effects();
}

// A network without hidden layers: its output is a linear combination of its inputs.
struct LinearNetworkImpl : FixedEffectsModule {
  explicit LinearNetworkImpl(int64_t inputs) { output = register_module("output", torch::nn::Linear(inputs, 1)); }
  FixedEffectsOutput forward(const torch::Tensor& x) override { return {output(x), {}, {}, {}, {}}; }
  torch::nn::Linear output{nullptr};
};

void expect_same_variance_components(const nlohmann::json& network, const nlohmann::json& exact, double tolerance) {
  ASSERT_EQ(network["factors"].size(), exact["factors"].size());
  for (size_t f = 0; f < exact["factors"].size(); ++f) {
    const double expected = exact["factors"][f]["random_effects_sd"]["(Intercept)"].get<double>();
    EXPECT_NEAR(network["factors"][f]["random_effects_sd"]["(Intercept)"].get<double>(), expected, tolerance * expected)
        << exact["factors"][f]["name"];
  }
}

}  // namespace

TEST(ExactRandomEffects, ANetworkWithTheSameOutputEverywhereLeavesTheInterceptOnlyModel) {
  // Penicillin's crossed plates and samples: the stage is then lmer(diameter ~ 1 + (1|plate) + (1|sample)).
  const ClusteredData data = with_constant_feature("diameter ~ 1 + (1|plate) + (1|sample)", "penicillin.csv", "regression");
  std::ostringstream progress;
  const auto model = MixedEffectsModel::fit(test::exact_stage_armed("regression", 3), data, &progress);
  EXPECT_NE(progress.str().find("exact stage: the network's output is the same on all 144 rows"), std::string::npos) << progress.str();
  const auto e = model.effects();
  const auto exact = exact_fit("diameter ~ 1 + (1|plate) + (1|sample)", "penicillin.csv", "regression");
  EXPECT_TRUE(e["network_dropped"].get<bool>());
  EXPECT_FALSE(e["fixed_effects"].contains("network"));
  EXPECT_NEAR(e["fixed_effects"]["(Intercept)"].get<double>(), exact["fixed_effects"]["(Intercept)"].get<double>(), 1e-4);
  EXPECT_NEAR(e["residual_sd"].get<double>(), exact["residual_sd"].get<double>(), 1e-4);
  expect_same_variance_components(e, exact, 1e-4);
  // Every row's fixed-effects prediction is the intercept.
  const auto fixed = model.predict(data, PredictMode::fixed).value;
  const auto [lowest, highest] = std::minmax_element(fixed.begin(), fixed.end());
  EXPECT_EQ(*lowest, *highest);
  EXPECT_NE(effects_text(e).find("the exact stage dropped it"), std::string::npos);
}

TEST(ExactRandomEffects, RandomSlopesOnHiddenUnitsThatAreTheSameEverywhereGetNoVariance) {
  // The hidden units are constant too: slopes on them are the intercept again, which the stage
  // cannot tell apart from it. Fitted without them, the intercepts' variances are lmer's.
  const ClusteredData data = with_constant_feature("diameter ~ 1 + (1|plate) + (1|sample)", "penicillin.csv", "regression");
  auto config = test::exact_stage_armed("regression", 3);
  config.random_slopes = "hidden";
  std::ostringstream progress;
  const auto e = MixedEffectsModel::fit(config, data, &progress).effects();
  EXPECT_NE(progress.str().find("exact stage: random slopes of plate on h1, h2, h3, h4, h5, h6, h7, h8: constant"), std::string::npos)
      << progress.str();
  const auto exact = exact_fit("diameter ~ 1 + (1|plate) + (1|sample)", "penicillin.csv", "regression");
  const double target_sd = data.y.to(torch::kFloat64).std(/*unbiased=*/false).item<double>();  // hidden slopes: SDs on the standardized target
  for (size_t f = 0; f < 2; ++f) {
    const auto& effects = e["factors"][f]["random_effects"];
    ASSERT_EQ(effects.size(), 9u);
    const double expected = exact["factors"][f]["random_effects_sd"]["(Intercept)"].get<double>();
    EXPECT_NEAR(effects[0]["prior_sd"].get<double>() * target_sd, expected, 1e-4 * expected);
    for (size_t u = 1; u < effects.size(); ++u) EXPECT_LT(effects[u]["prior_sd"].get<double>(), 1e-4) << effects[u]["name"];
  }
}

TEST(ExactRandomEffects, ABinomialNetworkWithTheSameOutputEverywhereLeavesTheInterceptOnlyGlmm) {
  const std::string formula = "cbind(incidence, size - incidence) ~ 1 + (1 | herd)";
  const ClusteredData data = with_constant_feature(formula, "cbpp.csv", "classification");
  const auto e = MixedEffectsModel::fit(test::exact_stage_armed("classification", 3), data).effects();
  const auto exact = exact_fit(formula, "cbpp.csv", "classification");
  EXPECT_TRUE(e["network_dropped"].get<bool>());
  EXPECT_NEAR(e["fixed_effects"]["(Intercept)"].get<double>(), exact["fixed_effects"]["(Intercept)"].get<double>(), 1e-4);
  expect_same_variance_components(e, exact, 1e-3);
}

TEST(ExactRandomEffects, AMulticlassNetworkWithTheSameLogitsEverywhereLeavesAShiftPerClass) {
  GlmmOptions o;
  o.rows = 1500;
  o.features = 3;
  o.clusters = {12};
  o.variances = {2.0};
  o.task = "multiclass";
  o.seed = 5;
  GlmmData sim = simulate_glmm(o);
  sim.data.x = torch::zeros_like(sim.data.x);
  const auto model = MixedEffectsModel::fit(test::exact_stage_armed("multiclass", 2), sim.data);
  const auto e = model.effects();
  EXPECT_TRUE(e["network_dropped"].get<bool>());
  // The fixed-effects probabilities are the softmax of the reported shifts, on every row.
  std::vector<double> shifts;
  for (int k = 0; k < 3; ++k) shifts.push_back(e["fixed_effects"]["(Intercept):" + std::to_string(k)].get<double>());
  const auto expected = torch::softmax(torch::tensor(shifts, torch::kFloat64), 0);
  for (const auto& row : model.predict(sim.data, PredictMode::fixed).probabilities)
    for (int k = 0; k < 3; ++k) ASSERT_NEAR(row[k], expected[k].item<double>(), 1e-5);
  // The clusters' intercepts still separate the classes.
  EXPECT_GT(model.evaluate(sim.data, PredictMode::mixed)["overall"]["accuracy"].get<double>(),
            model.evaluate(sim.data, PredictMode::fixed)["overall"]["accuracy"].get<double>() + 0.05);
}

TEST(ExactRandomEffects, ANetworkLinearInTheFormulasTermsGivesTheLinearMixedModel) {
  // The network's output is a combination of the formula's terms: the stage's [1, output] spans
  // what lmer's [1, Days] does, so its fit is lmer's.
  ModelConfig config;
  DataSpec spec;
  config.task = spec.task = "regression";
  apply_formula(parse_formula("Reaction ~ Days + (1 | Subject)"), /*network=*/true, config, spec);
  const ClusteredData data = load_clustered_csv(std::string(ARMED_TEST_DATA) + "/sleepstudy.csv", spec);
  const auto linear = [](int64_t inputs) { return std::make_shared<LinearNetworkImpl>(inputs); };
  const auto model = MixedEffectsModel::fit(test::exact_stage_armed("regression", 3), data, nullptr, linear);
  const auto e = model.effects();
  const auto exact = exact_fit("Reaction ~ Days + (1 | Subject)", "sleepstudy.csv", "regression");
  EXPECT_FALSE(e["network_dropped"].get<bool>());
  EXPECT_NEAR(e["residual_sd"].get<double>(), exact["residual_sd"].get<double>(), 1e-4 * exact["residual_sd"].get<double>());
  expect_same_variance_components(e, exact, 1e-4);
  // Rows 1 and 2 are the first subject's days 0 and 1: the fixed part's slope on Days.
  const auto fixed = model.predict(data, PredictMode::fixed).value;
  EXPECT_NEAR(fixed[1] - fixed[0], exact["fixed_effects"]["Days"].get<double>(), 1e-3);
}

TEST(ExactRandomEffects, QuadratureBeyondOneRandomInterceptIsRefusedBeforeTraining) {
  const GlmmData sim = simulated("classification");
  auto config = test::exact_stage_armed("classification", 3);
  config.random_slopes = "hidden";
  config.nagq = 5;
  std::ostringstream progress;
  try {
    MixedEffectsModel::fit(config, sim.data, &progress);
    FAIL() << "fitted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--nagq 5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("random slopes on hidden"), std::string::npos) << e.what();
  }
  EXPECT_EQ(progress.str().find("epoch"), std::string::npos) << progress.str();
}

}  // namespace armed
