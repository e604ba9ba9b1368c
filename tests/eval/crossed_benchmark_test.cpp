#include "armed/eval/crossed_benchmark.h"

#include <gtest/gtest.h>

#include "armed/error.h"

namespace armed {

// Strong random intercepts of both factors: armed with both beats the conventional network, which
// can model neither, and the table lists every model.
TEST(CrossedBenchmark, ArmedWithBothFactorsBeatsTheConventionalNetwork) {
  CrossedBenchmarkOptions o;
  o.glmm.rows = 3000;
  o.glmm.features = 3;
  o.glmm.clusters = {12, 8};
  o.glmm.variances = {4.0, 4.0};
  o.config.epochs = 15;
  o.repeats = 1;
  const auto results = run_crossed_benchmark(o, nullptr);
  const auto& models = results["models"];
  ASSERT_EQ(models.size(), 4u);
  EXPECT_EQ(models[0]["name"], "conventional");
  EXPECT_EQ(models[3]["name"], "armed (cluster1 + cluster2)");
  EXPECT_GT(models[3]["seen"]["auroc"].get<double>(), models[0]["seen"]["auroc"].get<double>() + 0.05);
  const std::string table = crossed_benchmark_table(results);
  EXPECT_NE(table.find("armed (cluster2)"), std::string::npos);
  o.glmm.clusters = {12};
  EXPECT_THROW(run_crossed_benchmark(o, nullptr), Error);
}

}  // namespace armed
