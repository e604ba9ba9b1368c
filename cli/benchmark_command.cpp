// armed benchmark spiral.
#include <iostream>

#include "armed/eval/report.h"
#include "armed/eval/spiral_benchmark.h"
#include "armed/io/atomic_file.h"
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
  add_config_options(spiral, a->options.config, {"model"});
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
}

}  // namespace armed::cli
