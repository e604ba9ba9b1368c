#include "armed/eval/glmm_benchmark.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "armed/data/split.h"
#include "armed/error.h"
#include "armed/metrics.h"
#include "armed/model.h"
#include "likelihood/likelihood.h"

namespace armed {
namespace {

double mean(const std::vector<double>& v) { return mean_confidence_interval(v).mean; }

struct Timed {
  MixedEffectsModel model;
  double seconds;
};

Timed fit_timed(const ModelConfig& config, const ClusteredData& data, std::ostream* progress) {
  const auto start = std::chrono::steady_clock::now();
  MixedEffectsModel model = MixedEffectsModel::fit(config, data, progress);
  return {std::move(model), std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

}  // namespace

nlohmann::json run_glmm_benchmark(const GlmmBenchmarkOptions& options, std::ostream* progress) {
  if (options.repeats < 1) throw Error("--repeats must be at least 1");
  if (options.clusters.empty() || options.variances.empty()) throw Error("--clusters and --variances need at least one value each");
  for (const double v : options.variances)
    if (!(v > 0)) throw Error("--variances: every variance of the grid must be positive (the error is relative to it)");
  ModelConfig base = options.config;
  base.task = options.glmm.task;
  base.validate();
  if (!options.config.has_random_effects())
    throw Error("--model: the GLMM benchmark estimates variance components with an armed model, not '" + options.config.model + "'");
  const Likelihood& family = likelihood(options.glmm.task);
  const std::string metric = !family.predicts_probability() ? "rmse" : family.one_column_per_class() ? "macro_auroc" : "auroc";
  nlohmann::json cells = nlohmann::json::array();
  std::vector<uint64_t> seeds;
  for (int64_t r = 0; r < options.repeats; ++r) seeds.push_back(options.config.seed + static_cast<uint64_t>(r));
  for (const int64_t q : options.clusters) {
    for (const double variance : options.variances) {
      std::vector<double> conventional, mixed, fixed, oracle, estimated, realized, ratio;
      nlohmann::json runs = nlohmann::json::array();
      for (const uint64_t seed : seeds) {
        GlmmOptions glmm = options.glmm;
        glmm.clusters = {q};
        glmm.variances = {variance};
        glmm.seed = seed;
        const GlmmData sim = simulate_glmm(glmm);
        // Not stratified by the outcome: holding out a share of each cluster's events and of its
        // non-events, rounded per cluster, changes the mix of the small clusters' training rows and
        // biases every estimate of the variance component low (q = 10,000, true f: 0.77 for 1.0).
        const Split split = split_within_clusters(sim.data.clusters(), {}, options.test_fraction, seed);
        const ClusteredData train = subset(sim.data, split.train), test = subset(sim.data, split.test);
        ModelConfig armed = base, plain = base.for_model("conventional");
        armed.seed = plain.seed = seed;
        if (progress) *progress << "== q " << q << ", variance " << variance << ", seed " << seed << ": conventional" << std::endl;
        const Timed c = fit_timed(plain, train, progress);
        if (progress) *progress << "== q " << q << ", variance " << variance << ", seed " << seed << ": " << armed.model << std::endl;
        const Timed a = fit_timed(armed, train, progress);
        // The oracle predicts by the true f + b: the best any model can do on these rows.
        oracle.push_back(family.metric(sim.eta.index_select(0, torch::tensor(split.test, torch::kInt64)), test.y, {}, 1.0));
        conventional.push_back(c.model.evaluate(test)["overall"][metric].get<double>());
        mixed.push_back(a.model.evaluate(test)["overall"][metric].get<double>());
        fixed.push_back(a.model.evaluate(test, PredictMode::fixed)["overall"][metric].get<double>());
        // Multiclass: the mean over the classes' intercepts.
        double variance_sum = 0;
        const auto sds = a.model.effects()["random_effects_sd"];
        for (const auto& sd : sds) variance_sum += sd.get<double>() * sd.get<double>();
        estimated.push_back(variance_sum / static_cast<double>(sds.size()));
        realized.push_back(torch::tensor(sim.effects[0], torch::kFloat64).var(/*unbiased=*/false).item<double>());
        ratio.push_back(a.seconds / c.seconds);
        runs.push_back({{"seed", seed}, {"conventional", conventional.back()}, {"armed", mixed.back()}, {"armed-fixed", fixed.back()},
                        {"oracle", oracle.back()}, {"estimated_variance", estimated.back()}, {"realized_variance", realized.back()},
                        {"conventional_seconds", c.seconds}, {"armed_seconds", a.seconds}});
      }
      std::vector<double> error, error_to_drawn;
      for (size_t r = 0; r < estimated.size(); ++r) {
        error.push_back(std::abs(estimated[r] - variance) / variance);
        error_to_drawn.push_back(std::abs(estimated[r] - realized[r]) / realized[r]);
      }
      cells.push_back({{"clusters", q},
                       {"variance", variance},
                       {"realized_variance", mean(realized)},
                       {"conventional", mean(conventional)},
                       {"armed", mean(mixed)},
                       {"armed-fixed", mean(fixed)},
                       {"oracle", mean(oracle)},
                       {"estimated_variance", mean(estimated)},
                       {"relative_error", mean(error)},
                       {"relative_error_to_drawn", mean(error_to_drawn)},
                       {"time_ratio", mean(ratio)},
                       {"runs", runs}});
    }
  }
  GlmmOptions described = options.glmm;
  described.clusters = options.clusters;
  described.variances = options.variances;
  described.seed = options.config.seed;
  return {{"data", truth_to_json(described, {})["options"]},
          {"seeds", seeds},
          {"test_fraction", options.test_fraction},
          {"metric", metric},
          {"config", config_to_json(base)},
          {"cells", cells}};
}

std::string glmm_benchmark_table(const nlohmann::json& results) {
  const std::string metric = results.at("metric").get<std::string>();
  const std::string label = metric == "auroc" ? "AUROC" : metric == "macro_auroc" ? "mAUROC" : "RMSE";
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%6s %8s %10s %10s %12s %11s %9s %9s %9s %9s %8s\n", "q", "sigma2", ("conv " + label).c_str(),
                ("armed " + label).c_str(), ("a-fixed " + label).c_str(), ("oracle " + label).c_str(), "drawn s2", "est. s2", "rel.err",
                "err.drawn", "time x");
  out += line;
  for (const auto& c : results.at("cells")) {
    std::snprintf(line, sizeof line, "%6lld %8g %10.4f %10.4f %12.4f %11.4f %9.4f %9.4f %9.3f %9.3f %8.2f\n",
                  static_cast<long long>(c.at("clusters").get<int64_t>()), c.at("variance").get<double>(), c.at("conventional").get<double>(),
                  c.at("armed").get<double>(), c.at("armed-fixed").get<double>(), c.at("oracle").get<double>(),
                  c.at("realized_variance").get<double>(), c.at("estimated_variance").get<double>(), c.at("relative_error").get<double>(),
                  c.at("relative_error_to_drawn").get<double>(), c.at("time_ratio").get<double>());
    out += line;
  }
  out += "(means over " + std::to_string(results.at("seeds").size()) +
         " repeats; oracle: the true f + b; drawn s2: variance of the simulated effects; rel.err: |est. - sigma2| / sigma2; err.drawn: "
         "|est. - drawn| / drawn; time x: armed's fit over the conventional's)\n";
  return out;
}

}  // namespace armed
