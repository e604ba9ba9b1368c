#include "armed/eval/crossed_benchmark.h"

#include <cstdio>
#include <map>

#include "armed/data/split.h"
#include "armed/error.h"
#include "armed/model.h"
#include "eval/interval_table.h"

namespace armed {
namespace {

// The data with only the factors `keep` (indices).
ClusteredData with_factors(const ClusteredData& data, const std::vector<size_t>& keep) {
  ClusteredData out = data;
  out.factors.clear();
  for (size_t f : keep) out.factors.push_back(data.factors[f]);
  return out;
}

}  // namespace

nlohmann::json run_crossed_benchmark(const CrossedBenchmarkOptions& options, std::ostream* progress) {
  if (options.glmm.clusters.size() != 2) throw Error("--clusters: the crossed benchmark needs two grouping factors, e.g. 40,25");
  if (options.glmm.task != "classification") throw Error("--task: the crossed benchmark compares classifiers");
  if (options.repeats < 1) throw Error("--repeats must be at least 1");
  if (!options.config.kind().has_random_effects())
    throw Error("--model: the crossed benchmark compares armed models (with random effects), not '" + options.config.model + "'");
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> runs;
  std::vector<std::string> names;
  std::vector<uint64_t> seeds;
  for (int64_t r = 0; r < options.repeats; ++r) {
    const uint64_t seed = options.config.seed + static_cast<uint64_t>(r);
    seeds.push_back(seed);
    GlmmOptions glmm = options.glmm;
    glmm.seed = seed;
    const ClusteredData data = simulate_glmm(glmm).data;
    const Split split = split_within_clusters(data.clusters(), target_labels(data), options.test_fraction, seed);
    const ClusteredData train = subset(data, split.train), test = subset(data, split.test);
    const std::string first = data.factors[0].name, second = data.factors[1].name;
    const std::vector<std::pair<std::string, std::vector<size_t>>> armed_models{
        {options.config.model + " (" + first + ")", {0}},
        {options.config.model + " (" + second + ")", {1}},
        {options.config.model + " (" + first + " + " + second + ")", {0, 1}}};
    std::vector<std::tuple<std::string, ModelConfig, std::vector<size_t>>> models{
        {"conventional", options.config.for_model("conventional"), {0}}};
    for (const auto& [name, factors] : armed_models) models.emplace_back(name, options.config, factors);
    for (auto& [name, config, factors] : models) {
      config.seed = seed;
      if (r == 0) names.push_back(name);
      if (progress) *progress << "== " << name << " (seed " << seed << ")" << std::endl;
      const auto model = MixedEffectsModel::fit(config, with_factors(train, factors), progress);
      const auto overall = model.evaluate(with_factors(test, factors))["overall"];
      runs[name].first.push_back(overall["auroc"].get<double>());
      runs[name].second.push_back(overall["accuracy"].get<double>());
    }
  }
  nlohmann::json models = nlohmann::json::array();
  for (const auto& name : names) models.push_back({{"name", name}, {"seen", interval_summary(runs[name].first, runs[name].second)}});
  GlmmOptions described = options.glmm;
  described.seed = options.config.seed;
  return {{"data", truth_to_json(described, {})["options"]},
          {"seeds", seeds},
          {"test_fraction", options.test_fraction},
          {"epochs", options.config.epochs},
          {"models", models}};
}

std::string crossed_benchmark_table(const nlohmann::json& results) {
  std::string out;
  char line[256];
  int width = 15;  // the model column fits the longest name
  for (const auto& m : results.at("models")) width = std::max(width, static_cast<int>(m.at("name").get<std::string>().size()) + 1);
  std::snprintf(line, sizeof line, "%-*s %14s %14s\n", width, "model", "seen AUROC", "seen acc");
  out += line;
  for (const auto& m : results.at("models")) {
    std::snprintf(line, sizeof line, "%-*s", width, m.at("name").get<std::string>().c_str());
    out += line;
    out += interval_cell(m.at("seen"), "auroc") + interval_cell(m.at("seen"), "accuracy") + "\n";
  }
  out += "(means over " + std::to_string(results.at("seeds").size()) + " repeats, ± half-width of the 95% t-interval)\n";
  return out;
}

}  // namespace armed
