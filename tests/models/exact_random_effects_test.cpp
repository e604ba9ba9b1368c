// A network's exact final stage: variance components from the exact likelihood given the trained
// network, where the variational posterior of minibatch training estimates them too low.
#include <gtest/gtest.h>

#include <cmath>

#include "../test_util.h"
#include "model_fixtures.h"
#include "armed/model.h"
#include "armed/sim/glmm.h"

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
