#include "armed/eval/image_benchmark.h"

#include <cstdio>

#include "armed/data/split.h"
#include "armed/error.h"
#include "armed/metrics.h"
#include "eval/probe.h"
#include "armed/model.h"

namespace armed {
namespace {

nlohmann::json summary(const std::vector<double>& values) {
  const auto m = mean_confidence_interval(values);
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  return {{"mean", m.mean}, {"ci", {num(m.lo), num(m.hi)}}, {"runs", values}};
}

// Per reported name, per metric path ("seen.accuracy", "autoencoder.reconstruction_mse", ...), one value per run.
using Collected = std::map<std::string, std::map<std::string, std::vector<double>>>;

void add_classification(Collected& out, const std::string& name, const std::string& part, const nlohmann::json& evaluation) {
  out[name][part + ".auroc"].push_back(evaluation["overall"]["auroc"].get<double>());
  out[name][part + ".accuracy"].push_back(evaluation["overall"]["accuracy"].get<double>());
}

torch::Tensor cluster_ids(const MixedEffectsModel& model, const ClusteredData& data) { return model.clusters().encode(data.clusters()); }

}  // namespace

ModelConfig image_benchmark_config() {
  // The image models converge in fewer passes than the spiral MLPs; a 4-unit adversary is too
  // weak for conv features, and against one that is strong enough the reversed loss keeps cluster
  // information under relabelled clusters, which the confusion objective does not allow. The
  // simulated clusters differ in their share of squares, so the adversary sees the target. An
  // 8-dimensional latent leaves the autoencoders less room to keep cluster traces in unused
  // directions than ModelConfig's 16.
  ModelConfig c;
  c.epochs = 20;
  c.adversary_hidden = {32, 32};
  c.adversary_objective = "confusion";
  c.adversary_sees_target = true;
  c.latent = 8;
  return c;
}

nlohmann::json run_image_benchmark(const ImageBenchmarkOptions& options, std::ostream* progress) {
  if (options.models.empty()) throw Error("--models: name at least one model");
  if (options.runs < 1 || options.runs > options.folds) throw Error("--runs must be between 1 and --folds");
  for (const auto& name : options.models) {
    const ModelConfig c = options.config.for_model(name);
    c.validate();
    if (!c.for_images()) throw Error("--models: '" + name + "' is not an image model (" + model_kind_names(true) + ")");
  }
  ImageSimOptions images = options.images;
  images.seed = options.config.seed;
  const ClusteredData data = simulate_images(images).data;
  const uint64_t seed = options.config.seed;
  const auto folds = grouped_kfold(data.clusters(), options.folds, seed);
  Collected collected;
  std::vector<std::string> names;
  for (int64_t f = 0; f < options.runs; ++f) {
    const ClusteredData seen_clusters = subset(data, folds[f].train), unseen = subset(data, folds[f].test);
    const Split split = split_within_clusters(seen_clusters.clusters(), target_labels(seen_clusters), options.test_fraction, seed + f);
    const ClusteredData train = subset(seen_clusters, split.train), seen = subset(seen_clusters, split.test);
    for (const auto& model_name : options.models) {
      ModelConfig config = options.config.for_model(model_name);
      config.seed = seed + f;
      if (progress) *progress << "== " << model_name << " (fold " << f + 1 << ")" << std::endl;
      const auto model = MixedEffectsModel::fit(config, train, progress);
      std::vector<std::pair<std::string, PredictMode>> served_as{{model_name, PredictMode::automatic}};
      if (config.has_random_effects()) served_as.push_back({model_name + "-fixed", PredictMode::fixed});
      for (const auto& [name, mode] : served_as) {
        if (f == 0) names.push_back(name);
        add_classification(collected, name, "seen", model.evaluate(seen, mode));
        add_classification(collected, name, "unseen", model.evaluate(unseen, mode));
      }
      if (config.kind().backbone != Backbone::autoencoder) continue;
      auto& ae = collected[model_name];
      ae["autoencoder.reconstruction_mse"].push_back(torch::mse_loss(model.reconstruct(seen), seen.x).item<double>());
      if (config.has_random_effects()) {
        double squared = 0;
        for (const auto& label : model.clusters().vocabulary()) {
          std::vector<int64_t> rows;
          for (int64_t i = 0; i < seen.rows(); ++i)
            if (seen.clusters()[i] == label) rows.push_back(i);
          if (rows.empty()) continue;
          const ClusteredData part = subset(seen, rows);
          squared += (model.reconstruct(part, label) - part.x).square().sum().item<double>();
        }
        ae["autoencoder.mixed_reconstruction_mse"].push_back(squared / static_cast<double>(seen.x.numel()));
      }
      ae["autoencoder.latent_cluster_probe"].push_back(linear_probe_accuracy(
          model.embed(train), cluster_ids(model, train), model.embed(seen), cluster_ids(model, seen), model.clusters().size()));
      ae["autoencoder.probe_chance"].push_back(1.0 / static_cast<double>(model.clusters().size()));
    }
  }
  nlohmann::json models = nlohmann::json::object();
  for (const auto& name : names) {
    nlohmann::json entry = nlohmann::json::object();
    for (const auto& [path, values] : collected[name]) {
      const auto dot = path.find('.');
      entry[path.substr(0, dot)][path.substr(dot + 1)] = summary(values);
    }
    models[name] = entry;
  }
  return {{"data", truth_to_json(images, {})["options"]},
          {"folds", options.folds},
          {"runs", options.runs},
          {"test_fraction", options.test_fraction},
          {"epochs", options.config.epochs},
          {"models", models}};
}

std::string image_benchmark_table(const nlohmann::json& results) {
  std::string out;
  char line[256];
  auto value = [](const nlohmann::json& m, const char* part, const char* metric) {
    return m.contains(part) && m.at(part).contains(metric) ? m.at(part).at(metric).at("mean").get<double>() : NAN;
  };
  int width = 20;  // the model column fits the longest name
  for (const auto& item : results.at("models").items()) width = std::max(width, static_cast<int>(item.key().size()) + 1);
  std::snprintf(line, sizeof line, "%-*s %9s %9s %10s %10s %9s %9s %12s\n", width, "model", "seen AUC", "seen acc", "unseen AUC",
                "unseen acc", "recon", "recon RE", "latent probe");
  out += line;
  for (const auto& item : results.at("models").items()) {
    const auto& m = item.value();
    std::snprintf(line, sizeof line, "%-*s %9.4f %9.4f %10.4f %10.4f %9.5f %9.5f %12.4f\n", width, item.key().c_str(),
                  value(m, "seen", "auroc"), value(m, "seen", "accuracy"), value(m, "unseen", "auroc"),
                  value(m, "unseen", "accuracy"), value(m, "autoencoder", "reconstruction_mse"),
                  value(m, "autoencoder", "mixed_reconstruction_mse"), value(m, "autoencoder", "latent_cluster_probe"));
    out += line;
  }
  std::string chance = "nan";
  for (const auto& item : results.at("models").items())
    if (item.value().contains("autoencoder"))
      chance = std::to_string(item.value().at("autoencoder").at("probe_chance").at("mean").get<double>()).substr(0, 6);
  out += "(means over " + std::to_string(results.at("runs").get<int64_t>()) +
         " fold(s); recon: MSE of the fixed-effects reconstruction (aec-armed: in no cluster's style, from a\n"
         " decoder that does not shape the latent), recon RE: aec-armed's own, in each image's cluster style;\n"
         " latent probe: accuracy of a linear probe predicting the cluster from the latent, chance " + chance + ")\n";
  return out;
}

}  // namespace armed
