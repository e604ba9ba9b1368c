#include "armed/eval/glmm_benchmark.h"

#include <gtest/gtest.h>

namespace armed {

// A small grid cell: the oracle (true f + b) bounds every model's AUROC, armed with random
// intercepts beats the conventional network, and the variance errors are against sigma2 and the
// drawn effects.
TEST(GlmmBenchmark, OracleBoundsTheModelsAndErrorsAreRelative) {
  GlmmBenchmarkOptions o;
  o.glmm.rows = 4000;
  o.glmm.features = 3;
  o.clusters = {40};
  o.variances = {2.0};
  o.config.hidden = {16, 8};
  o.config.epochs = 8;
  const auto results = run_glmm_benchmark(o, nullptr);
  ASSERT_EQ(results["cells"].size(), 1u);
  const auto& cell = results["cells"][0];
  const double oracle = cell["oracle"].get<double>(), armed = cell["armed"].get<double>();
  EXPECT_GT(oracle, armed);
  EXPECT_GT(armed, cell["conventional"].get<double>() + 0.03);
  const double estimate = cell["estimated_variance"].get<double>(), drawn = cell["realized_variance"].get<double>();
  EXPECT_DOUBLE_EQ(cell["relative_error"].get<double>(), std::abs(estimate - 2.0) / 2.0);
  EXPECT_DOUBLE_EQ(cell["relative_error_to_drawn"].get<double>(), std::abs(estimate - drawn) / drawn);
  EXPECT_NE(glmm_benchmark_table(results).find("oracle AUROC"), std::string::npos);
}

}  // namespace armed
