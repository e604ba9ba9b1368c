// A linear mixed model fitted exactly predicts with its estimates, and keeps them through a model file.
#include <gtest/gtest.h>

#include "armed/error.h"
#include "armed/formula.h"
#include "armed/model.h"
#include "armed/sim/glmm.h"
#include "test_util.h"

namespace armed {
namespace {

MixedEffectsModel fit_sleepstudy(const std::string& formula, ClusteredData* out_data = nullptr) {
  ModelConfig config;
  DataSpec spec;
  config.task = spec.task = "regression";
  apply_formula(parse_formula(formula), /*network=*/false, config, spec);
  const auto data = load_clustered_csv(std::string(ARMED_TEST_DATA) + "/sleepstudy.csv", spec);
  if (out_data) *out_data = data;
  return MixedEffectsModel::fit(config, data);
}

TEST(LinearMixedModel, PredictsTheFixedEffectsPlusTheLevelsConditionalModes) {
  ClusteredData data;
  const auto model = fit_sleepstudy("Reaction ~ Days + (Days | Subject)", &data);
  const auto e = model.effects();
  const auto p = model.predict(data);
  const auto days = data.x.select(1, 0);
  for (int64_t i = 0; i < data.rows(); i += 17) {
    const auto& level = e["random_effects"][0]["clusters"][data.clusters()[i]];
    const auto& slope = e["random_effects"][1]["clusters"][data.clusters()[i]];
    const double d = days[i].item<double>();
    const double expected = e["fixed_effects"]["(Intercept)"].get<double>() + level["mean"].get<double>() +
                            (e["fixed_effects"]["Days"].get<double>() + slope["mean"].get<double>()) * d;
    EXPECT_NEAR(p.value[i], expected, 1e-3) << "row " << i;
    EXPECT_EQ(p.mode[0][i], "mixed");
  }
  // A subject not seen in training gets the fixed effects alone (no membership predictor).
  data.factors[0].labels.assign(data.rows(), "new subject");
  const auto unseen = model.predict(data);
  EXPECT_EQ(unseen.mode[0][0], "fixed");
  EXPECT_NEAR(unseen.value[0], e["fixed_effects"]["(Intercept)"].get<double>() + e["fixed_effects"]["Days"].get<double>() * days[0].item<double>(),
              1e-3);
  EXPECT_THROW(model.predict(data, PredictMode::inferred), Error);
}

TEST(LinearMixedModel, ConditionalSdsShrinkWithTheLevelsRows) {
  const auto e = fit_sleepstudy("Reaction ~ Days + (1 | Subject)").effects();
  // Every subject has 10 rows: one conditional SD, below the variance component's SD.
  const auto& clusters = e["random_effects"][0]["clusters"];
  const double sd = clusters.begin()->at("sd").get<double>();
  for (const auto& level : clusters) EXPECT_NEAR(level["sd"].get<double>(), sd, 1e-9);
  EXPECT_GT(sd, 0);
  EXPECT_LT(sd, e["random_effects_sd"]["(Intercept)"].get<double>());
  // sigma^2 / (10 + sigma^2 / tau^2) for an intercept per level of 10 rows.
  const double tau = e["random_effects_sd"]["(Intercept)"].get<double>(), sigma = e["residual_sd"].get<double>();
  EXPECT_NEAR(sd * sd, sigma * sigma / (10 + sigma * sigma / (tau * tau)), 1e-6 * sd * sd);
}

TEST(LinearMixedModel, ASmallVarianceComponentIsFoundNotLeftAtZero) {
  // cluster2 was simulated without variance; lmer (REML = FALSE) on this data, written as a CSV by
  // `armed simulate glmm --task regression --rows 2000 --features 2 --clusters 30,20 --variances 1,0
  // --seed 3`: SD cluster1 1.11219713, cluster2 0.08553658, residual 1.05915937, logLik -3020.118852.
  // The deviance is flat at a zero variance, where a search that passes by would stop.
  const GlmmOptions options{/*rows=*/2000, /*features=*/2, /*clusters=*/{30, 20}, /*variances=*/{1, 0}, "regression", /*noise=*/1.0, /*seed=*/3};
  test::TempDir dir;
  const std::string csv = dir.file("sim.csv");
  write_clustered_csv(csv, simulate_glmm(options).data);
  ModelConfig config;
  DataSpec spec;
  config.task = spec.task = "regression";
  apply_formula(parse_formula("y ~ x1 + x2 + (1 | cluster1) + (1 | cluster2)"), /*network=*/false, config, spec);
  const auto e = MixedEffectsModel::fit(config, load_clustered_csv(csv, spec)).effects();
  EXPECT_NEAR(e["factors"][0]["random_effects_sd"]["(Intercept)"].get<double>(), 1.11219713, 1e-3 * 1.112);
  EXPECT_NEAR(e["factors"][1]["random_effects_sd"]["(Intercept)"].get<double>(), 0.08553658, 1e-3 * 0.0855);
  EXPECT_NEAR(e["residual_sd"].get<double>(), 1.05915937, 1e-3 * 1.059);
  EXPECT_NEAR(e["linear_mixed_model"]["log_likelihood"].get<double>(), -3020.118852, 1e-3 * 3020);
}

TEST(LinearMixedModel, AModelFileKeepsTheExactFit) {
  const auto model = fit_sleepstudy("Reaction ~ Days + (Days || Subject)");
  test::TempDir dir;
  model.save(dir.file("m"));
  const auto loaded = MixedEffectsModel::load(dir.file("m"));
  EXPECT_EQ(loaded.effects(), model.effects());
}

}  // namespace
}  // namespace armed
