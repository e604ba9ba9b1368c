#include "armed/eval/spiral_benchmark.h"

#include <cstdio>

#include "armed/data/split.h"
#include "armed/error.h"
#include "armed/metrics.h"
#include "armed/model.h"
#include "eval/interval_table.h"

namespace armed {
namespace {

struct Runs {
  std::vector<double> auroc, accuracy;
  void add(const nlohmann::json& evaluation) {
    auroc.push_back(evaluation["overall"]["auroc"].get<double>());
    accuracy.push_back(evaluation["overall"]["accuracy"].get<double>());
  }
  nlohmann::json summary() const { return interval_summary(auroc, accuracy); }
};

struct ModelResults {
  Runs seen, unseen;
  std::vector<std::vector<double>> gradients;  // per run, per feature
};

// The rows a trained model is reported as: name and prediction mode. A kind with random effects is
// also served with the fixed effects alone and with inferred membership everywhere.
std::vector<std::pair<std::string, PredictMode>> served_as(const std::string& model) {
  if (!model_kind(model).has_random_effects()) return {{model, PredictMode::automatic}};
  return {{model, PredictMode::automatic}, {model + "-fixed", PredictMode::fixed}, {model + "-inferred", PredictMode::inferred}};
}

}  // namespace

nlohmann::json run_spiral_benchmark(const SpiralBenchmarkOptions& options, std::ostream* progress) {
  if (options.repeats < 1) throw Error("--repeats must be at least 1");
  if (options.models.empty()) throw Error("--models: name at least one model");
  std::map<std::string, ModelResults> results;
  std::vector<std::string> names, feature_names;
  for (const auto& model : options.models)
    for (const auto& [name, mode] : served_as(model)) names.push_back(name);
  std::vector<uint64_t> seeds;

  for (int64_t r = 0; r < options.repeats; ++r) {
    const uint64_t seed = options.config.seed + static_cast<uint64_t>(r);
    seeds.push_back(seed);
    SpiralOptions spiral = options.spiral;
    spiral.seed = seed;
    const ClusteredData data = simulate_spiral(spiral).data;
    feature_names = data.feature_names;
    auto mean_x = data.x.to(torch::kFloat64).mean(0).contiguous();
    const std::vector<double> mean_input(mean_x.data_ptr<double>(), mean_x.data_ptr<double>() + mean_x.numel());
    const auto folds = grouped_kfold(data.clusters(), options.folds, seed);
    for (size_t f = 0; f < folds.size(); ++f) {
      const ClusteredData seen_clusters = subset(data, folds[f].train), unseen = subset(data, folds[f].test);
      const Split split =
          split_within_clusters(seen_clusters.clusters(), target_labels(seen_clusters), options.test_fraction, seed + f);
      const ClusteredData train = subset(seen_clusters, split.train), seen = subset(seen_clusters, split.test);
      for (const auto& model_name : options.models) {
        ModelConfig config = options.config.for_model(model_name);
        config.seed = seed + f;
        if (progress) *progress << "== " << model_name << " (seed " << seed << ", fold " << f + 1 << ")" << std::endl;
        const auto model = MixedEffectsModel::fit(config, train, progress);
        for (const auto& [name, mode] : served_as(model_name)) {
          results[name].seen.add(model.evaluate(seen, mode));
          results[name].unseen.add(model.evaluate(unseen, mode));
        }
        if (spiral.confounders > 0) results[model_name].gradients.push_back(model.fixed_effects_gradient(mean_input));
      }
    }
  }

  nlohmann::json models = nlohmann::json::object();
  for (const auto& name : names) {
    const ModelResults& m = results[name];
    nlohmann::json entry = {{"seen", m.seen.summary()}, {"unseen", m.unseen.summary()}};
    if (!m.gradients.empty()) {
      nlohmann::json g = nlohmann::json::object();
      std::vector<double> real, conf;
      for (size_t j = 0; j < feature_names.size(); ++j) {
        std::vector<double> per_run;
        for (const auto& run : m.gradients) per_run.push_back(std::abs(run[j]));
        const double mean = mean_confidence_interval(per_run).mean;
        g[feature_names[j]] = mean;
        (j < 2 ? real : conf).push_back(mean);
      }
      entry["gradients"] = g;
      entry["confounder_ratio"] = mean_confidence_interval(conf).mean / mean_confidence_interval(real).mean;
    }
    models[name] = entry;
  }
  SpiralOptions described = options.spiral;
  described.seed = options.config.seed;
  return {{"data", truth_to_json(described, {})["options"]},
          {"seeds", seeds},
          {"folds", options.folds},
          {"test_fraction", options.test_fraction},
          {"epochs", options.config.epochs},
          {"models", models}};
}

std::string benchmark_table(const nlohmann::json& results) {
  std::string out;
  char line[256];
  auto num = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : NAN; };
  const auto& models = results.at("models");
  std::vector<std::string> features;
  for (const auto& item : models.items())
    if (item.value().contains("gradients") && features.empty())
      for (const auto& g : item.value().at("gradients").items()) features.push_back(g.key());
  int width = 15;  // the model column fits the longest name
  for (const auto& item : models.items()) width = std::max(width, static_cast<int>(item.key().size()) + 1);
  std::snprintf(line, sizeof line, "%-*s %14s %14s %14s %14s", width, "model", "seen AUROC", "seen acc", "unseen AUROC",
                "unseen acc");
  out += line;
  for (const auto& f : features) {
    std::snprintf(line, sizeof line, " %8s", ("d/d" + f).c_str());
    out += line;
  }
  out += features.empty() ? "\n" : "  conf/x\n";
  for (const auto& item : models.items()) {
    const auto& m = item.value();
    std::snprintf(line, sizeof line, "%-*s", width, item.key().c_str());
    out += line;
    out += interval_cell(m.at("seen"), "auroc") + interval_cell(m.at("seen"), "accuracy") + interval_cell(m.at("unseen"), "auroc") +
           interval_cell(m.at("unseen"), "accuracy");
    if (m.contains("gradients")) {
      for (const auto& f : features) {
        std::snprintf(line, sizeof line, " %8.4f", num(m.at("gradients").at(f)));
        out += line;
      }
      std::snprintf(line, sizeof line, "  %6.4f", num(m.at("confounder_ratio")));
      out += line;
    }
    out += "\n";
  }
  out += "(means over " + std::to_string(results.at("seeds").size() * results.at("folds").get<size_t>()) +
         " folds x repeats, ± half-width of the 95% t-interval)\n";
  return out;
}

}  // namespace armed
