// armed benchmark spiral, images, fashion, crossed, glmm.
#include <iostream>

#include "armed/eval/crossed_benchmark.h"
#include "armed/eval/fashion_benchmark.h"
#include "armed/eval/glmm_benchmark.h"
#include "armed/eval/image_benchmark.h"
#include "armed/eval/report.h"
#include "armed/eval/spiral_benchmark.h"
#include "io/atomic_file.h"
#include "commands.h"

namespace armed::cli {

void add_benchmark(CLI::App& app, const GlobalOptions& global) {
  struct Args {
    SpiralBenchmarkOptions options;
    std::string json, report;
  };
  auto a = std::make_shared<Args>();
  auto* bench = app.add_subcommand("benchmark", "compare models on simulated clustered data");
  bench->require_subcommand(1);
  auto* spiral = bench->add_subcommand("spiral", "the paper's spiral benchmark: every model on seen and unseen clusters");
  add_spiral_options(spiral, a->options.spiral, /*with_seed=*/false);
  add_config_options(spiral, a->options.config, {"model", "formula"});
  spiral->add_option("--models", a->options.models, "models to compare")->delimiter(',')->capture_default_str();
  spiral->add_option("--test-fraction", a->options.test_fraction, "share of every training cluster's rows held out (seen-cluster test)")->capture_default_str();
  spiral->add_option("--folds", a->options.folds, "grouped k-fold over clusters: each fold holds out whole clusters")
      ->capture_default_str();
  spiral->add_option("--repeats", a->options.repeats, "repeats on new data with seeds seed, seed+1, ...")
      ->capture_default_str();
  spiral->add_option("--json", a->json, "also write the results as JSON to this file");
  spiral->add_option("--report", a->report, "also write the results as an HTML report with charts");
  spiral->callback([a, &global] {
    global.apply();
    const auto results = run_spiral_benchmark(a->options, global.progress());
    if (!a->json.empty()) write_file_atomic(a->json, [&](std::ostream& os) { os << results.dump(2) << '\n'; });
    if (!a->report.empty()) write_benchmark_report(results, a->report);
    std::cout << benchmark_table(results);
  });

  struct ImageArgs {
    ImageBenchmarkOptions options;
    std::string json;
  };
  auto b = std::make_shared<ImageArgs>();
  auto* images = bench->add_subcommand("images", "image models (cnn*, aec*) on simulated clustered images, seen and unseen clusters");
  add_image_sim_options(images, b->options.images, /*with_seed=*/false);
  add_image_comparison_options(images, b->options.comparison);
  images->add_option("--json", b->json, "also write the results as JSON to this file");
  images->callback([b, &global] {
    global.apply();
    const auto results = run_image_benchmark(b->options, global.progress());
    if (!b->json.empty()) write_file_atomic(b->json, [&](std::ostream& os) { os << results.dump(2) << '\n'; });
    std::cout << image_benchmark_table(results);
  });

  struct FashionArgs {
    FashionBenchmarkOptions options;
    std::string json;
  };
  auto fa = std::make_shared<FashionArgs>();
  auto* fashion = bench->add_subcommand(
      "fashion", "image models (cnn*, aec*) on Fashion-MNIST pictures spread over sites with acquisition effects and a confounding marker");
  add_fashion_sites_options(fashion, fa->options.sites, /*with_seed=*/false);
  add_image_comparison_options(fashion, fa->options.comparison, {"model", "formula", "task"});  // the task follows --fashion-target
  fashion->add_option("--repeats", fa->options.repeats, "draws of the sites with seeds seed, seed+1, ...; their folds pooled")
      ->capture_default_str();
  fashion->add_option("--json", fa->json, "also write the results as JSON to this file");
  fashion->callback([fa, &global] {
    global.apply();
    const auto results = run_fashion_benchmark(fa->options, global.progress());
    if (!fa->json.empty()) write_file_atomic(fa->json, [&](std::ostream& os) { os << results.dump(2) << '\n'; });
    std::cout << fashion_benchmark_table(results);
  });

  struct CrossedArgs {
    CrossedBenchmarkOptions options;
    std::string json;
  };
  auto c = std::make_shared<CrossedArgs>();
  auto* crossed = bench->add_subcommand(
      "crossed", "armed with two crossed grouping factors against the conventional network and armed with either factor alone (simulate glmm data)");
  add_glmm_options(crossed, c->options.glmm, /*with_seed=*/false);
  add_config_options(crossed, c->options.config, {"formula", "task"});
  crossed->add_option("--test-fraction", c->options.test_fraction, "share of every cluster's rows held out (seen-cluster test)")
      ->capture_default_str();
  crossed->add_option("--repeats", c->options.repeats, "repeats on new data with seeds seed, seed+1, ...")->capture_default_str();
  crossed->add_option("--json", c->json, "also write the results as JSON to this file");
  crossed->callback([c, &global] {
    global.apply();
    const auto results = run_crossed_benchmark(c->options, global.progress());
    if (!c->json.empty()) write_file_atomic(c->json, [&](std::ostream& os) { os << results.dump(2) << '\n'; });
    std::cout << crossed_benchmark_table(results);
  });

  struct GlmmArgs {
    GlmmBenchmarkOptions options;
    std::string json;
  };
  auto g = std::make_shared<GlmmArgs>();
  auto* glmm = bench->add_subcommand(
      "glmm", "variance components and accuracy over LMMNN's simulation grid: q clusters x sigma2, conventional against armed");
  auto& sim = g->options.glmm;
  glmm->add_option("--rows", sim.rows, "rows per data set")->capture_default_str();
  glmm->add_option("--features", sim.features, "features p")->capture_default_str();
  add_glmm_outcome_options(glmm, sim);
  glmm->add_option("--clusters", g->options.clusters, "the grid's numbers of clusters, comma-separated")->delimiter(',')->capture_default_str();
  glmm->add_option("--variances", g->options.variances, "the grid's random-intercept variances, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  add_config_options(glmm, g->options.config, {"formula", "task"});
  glmm->add_option("--test-fraction", g->options.test_fraction, "share of every cluster's rows held out")->capture_default_str();
  glmm->add_option("--repeats", g->options.repeats, "repeats per cell on new data with seeds seed, seed+1, ...")->capture_default_str();
  glmm->add_option("--json", g->json, "also write the results as JSON to this file");
  glmm->callback([g, &global] {
    global.apply();
    const auto results = run_glmm_benchmark(g->options, global.progress());
    if (!g->json.empty()) write_file_atomic(g->json, [&](std::ostream& os) { os << results.dump(2) << '\n'; });
    std::cout << glmm_benchmark_table(results);
  });
}

}  // namespace armed::cli
