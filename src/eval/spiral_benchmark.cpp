#include "armed/eval/spiral_benchmark.h"

#include <cstdio>

#include "armed/data/split.h"
#include "armed/error.h"
#include "armed/models/model.h"

namespace armed {

namespace {

double mean(const std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v) sum += x;
  return v.empty() ? NAN : sum / static_cast<double>(v.size());
}

struct ModelRuns {
  std::vector<double> auroc, accuracy;
  std::vector<std::vector<double>> gradients;  // per run, per feature
};

}  // namespace

nlohmann::json run_spiral_benchmark(const SpiralBenchmarkOptions& options, std::ostream* progress) {
  if (options.repeats < 1) throw Error("--repeats must be at least 1");
  if (options.models.empty()) throw Error("--models: name at least one model");
  std::map<std::string, ModelRuns> runs;
  std::vector<uint64_t> seeds;
  std::vector<std::string> feature_names;
  int64_t train_rows = 0, test_rows = 0;
  for (int64_t r = 0; r < options.repeats; ++r) {
    const uint64_t seed = options.config.seed + static_cast<uint64_t>(r);
    seeds.push_back(seed);
    SpiralOptions spiral = options.spiral;
    spiral.seed = seed;
    const ClusteredData data = simulate_spiral(spiral).data;
    feature_names = data.feature_names;
    auto y = data.y.to(torch::kInt64).contiguous();
    const std::vector<int64_t> strata(y.data_ptr<int64_t>(), y.data_ptr<int64_t>() + y.numel());
    const Split split = split_within_clusters(data.clusters, strata, options.test_fraction, seed);
    const ClusteredData train = subset(data, split.train), test = subset(data, split.test);
    train_rows = train.rows();
    test_rows = test.rows();
    auto mean_x = test.x.to(torch::kFloat64).mean(0).contiguous();
    const std::vector<double> mean_input(mean_x.data_ptr<double>(), mean_x.data_ptr<double>() + mean_x.numel());

    for (const auto& name : options.models) {
      ModelConfig config = options.config;
      config.model = name;
      config.seed = seed;
      if (progress) *progress << "== " << name << " (seed " << seed << ")" << std::endl;
      const auto model = MixedEffectsModel::fit(config, train, progress);
      const auto overall = model.evaluate(test)["overall"];
      runs[name].auroc.push_back(overall["auroc"].get<double>());
      runs[name].accuracy.push_back(overall["accuracy"].get<double>());
      if (spiral.confounders > 0) runs[name].gradients.push_back(model.fixed_effects_gradient(mean_input));
    }
  }

  nlohmann::json models = nlohmann::json::object();
  for (const auto& name : options.models) {
    const ModelRuns& m = runs[name];
    nlohmann::json entry = {{"seen",
                             {{"auroc", mean(m.auroc)},
                              {"accuracy", mean(m.accuracy)},
                              {"runs", {{"auroc", m.auroc}, {"accuracy", m.accuracy}}}}}};
    if (!m.gradients.empty()) {
      nlohmann::json g = nlohmann::json::object();
      std::vector<double> real, conf;
      for (size_t j = 0; j < feature_names.size(); ++j) {
        std::vector<double> per_run;
        for (const auto& run : m.gradients) per_run.push_back(std::abs(run[j]));
        g[feature_names[j]] = mean(per_run);
        (j < 2 ? real : conf).push_back(mean(per_run));
      }
      entry["gradients"] = g;
      entry["confounder_ratio"] = mean(conf) / mean(real);
    }
    models[name] = entry;
  }
  SpiralOptions described = options.spiral;
  described.seed = options.config.seed;
  return {{"data", truth_to_json(described, {})["options"]},
          {"seeds", seeds},
          {"train_rows", train_rows},
          {"test_rows", test_rows},
          {"epochs", options.config.epochs},
          {"models", models}};
}

std::string benchmark_table(const nlohmann::json& results) {
  std::string out;
  char line[256];
  const auto& models = results.at("models");
  const bool gradients = !models.empty() && models.begin()->contains("gradients");
  std::vector<std::string> features;
  if (gradients)
    for (const auto& item : models.begin()->at("gradients").items()) features.push_back(item.key());
  std::snprintf(line, sizeof line, "%-16s %10s %10s", "model", "seen AUROC", "seen acc");
  out += line;
  for (const auto& f : features) {
    std::snprintf(line, sizeof line, " %9s", ("|d/d" + f + "|").c_str());
    out += line;
  }
  out += gradients ? "  conf/x ratio\n" : "\n";
  for (const auto& item : models.items()) {
    const auto& seen = item.value().at("seen");
    auto num = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : NAN; };
    std::snprintf(line, sizeof line, "%-16s %10.4f %10.4f", item.key().c_str(), num(seen.at("auroc")),
                  num(seen.at("accuracy")));
    out += line;
    for (const auto& f : features) {
      std::snprintf(line, sizeof line, " %9.4f", num(item.value().at("gradients").at(f)));
      out += line;
    }
    if (gradients) {
      std::snprintf(line, sizeof line, "  %12.4f", num(item.value().at("confounder_ratio")));
      out += line;
    }
    out += "\n";
  }
  return out;
}

}  // namespace armed
