#include "eval/image_comparison.h"

#include <cmath>

#include "armed/data/split.h"
#include "armed/error.h"
#include "armed/metrics.h"
#include "armed/model_kind.h"
#include "eval/probe.h"
#include "metrics/separation.h"

namespace armed {
namespace {

nlohmann::json summary(const std::vector<double>& values) {
  const auto m = mean_confidence_interval(values);
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  return {{"mean", m.mean}, {"ci", {num(m.lo), num(m.hi)}}, {"runs", values}};
}

void add_classification(ImageMeasures& out, const std::string& name, const std::string& part, const nlohmann::json& evaluation) {
  const auto& overall = evaluation.at("overall");
  out[name][part + ".auroc"].push_back(overall.at(overall.contains("auroc") ? "auroc" : "macro_auroc").get<double>());
  out[name][part + ".accuracy"].push_back(overall.at("accuracy").get<double>());
}

std::vector<int64_t> compose(const std::vector<int64_t>& outer, const std::vector<int64_t>& inner) {
  std::vector<int64_t> rows;
  for (const int64_t i : inner) rows.push_back(outer[i]);
  return rows;
}

void add_autoencoder_measures(const MixedEffectsModel& model, const ImageFold& fold, std::map<std::string, std::vector<double>>& ae) {
  const ClusteredData& seen = fold.seen;
  ae["autoencoder.reconstruction_mse"].push_back(torch::mse_loss(model.reconstruct(seen), seen.x).item<double>());
  if (model.config().has_random_effects()) {
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
  const auto ids = [&](const ClusteredData& data) { return model.clusters().encode(data.clusters()); };
  const auto latent = model.embed(seen);
  ae["autoencoder.latent_cluster_probe"].push_back(
      linear_probe_accuracy(model.embed(fold.train), ids(fold.train), latent, ids(seen), model.clusters().size()));
  ae["autoencoder.probe_chance"].push_back(1.0 / static_cast<double>(model.clusters().size()));
  ae["autoencoder.davies_bouldin"].push_back(davies_bouldin(latent, ids(seen)));
  ae["autoencoder.calinski_harabasz"].push_back(calinski_harabasz(latent, ids(seen)));
}

}  // namespace

nlohmann::json compare_image_models(const ClusteredData& data, const ImageComparisonOptions& options, const ExtraImageMeasures& extra,
                                    std::ostream* progress) {
  if (options.models.empty()) throw Error("--models: name at least one model");
  if (options.runs < 1 || options.runs > options.folds) throw Error("--runs must be between 1 and --folds");
  for (const auto& name : options.models) {
    const ModelConfig c = options.config.for_model(name);
    c.validate();
    if (!c.for_images()) throw Error("--models: '" + name + "' is not an image model (" + model_kind_names(true) + ")");
  }
  const uint64_t seed = options.config.seed;
  const auto folds = grouped_kfold(data.clusters(), options.folds, seed);
  ImageMeasures collected;
  std::vector<std::string> names;
  for (int64_t f = 0; f < options.runs; ++f) {
    const ClusteredData seen_clusters = subset(data, folds[f].train);
    const Split split = split_within_clusters(seen_clusters.clusters(), target_labels(seen_clusters), options.test_fraction, seed + f);
    ImageFold fold{subset(seen_clusters, split.train), subset(seen_clusters, split.test), subset(data, folds[f].test),
                   compose(folds[f].train, split.test), folds[f].test};
    for (const auto& model_name : options.models) {
      ModelConfig config = options.config.for_model(model_name);
      config.seed = seed + f;
      if (progress) *progress << "== " << model_name << " (fold " << f + 1 << ")" << std::endl;
      const auto model = MixedEffectsModel::fit(config, fold.train, progress);
      std::vector<std::pair<std::string, PredictMode>> served_as{{model_name, PredictMode::automatic}};
      if (config.has_random_effects()) served_as.push_back({model_name + "-fixed", PredictMode::fixed});
      for (const auto& [name, mode] : served_as) {
        if (f == 0) names.push_back(name);
        add_classification(collected, name, "seen", model.evaluate(fold.seen, mode));
        add_classification(collected, name, "unseen", model.evaluate(fold.unseen, mode));
      }
      if (config.kind().backbone == Backbone::autoencoder) add_autoencoder_measures(model, fold, collected[model_name]);
      if (extra) extra(model, fold, served_as, collected);
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
  return models;
}

nlohmann::json pool_image_results(const std::vector<nlohmann::json>& draws) {
  if (draws.size() == 1) return draws.front();
  // A measure can be missing from a draw (no artifact site among its seen test pictures, say): it
  // pools the draws that have it.
  std::map<std::string, std::map<std::string, std::map<std::string, std::vector<double>>>> runs;
  for (const auto& draw : draws)
    for (const auto& [name, parts] : draw.items())
      for (const auto& [part, metrics] : parts.items())
        for (const auto& [metric, values] : metrics.items())
          for (const double v : values.at("runs")) runs[name][part][metric].push_back(v);
  nlohmann::json pooled = nlohmann::json::object();
  for (const auto& [name, parts] : runs)
    for (const auto& [part, metrics] : parts)
      for (const auto& [metric, values] : metrics) pooled[name][part][metric] = summary(values);
  return pooled;
}

void add_paired_differences(nlohmann::json& models) {
  const auto conventional_of = [&](const std::string& name) -> std::string {
    for (const auto& kind : model_kinds()) {
      if (name != kind.name && name != kind.name + "-fixed") continue;
      for (const auto& other : model_kinds())
        if (other.backbone == kind.backbone && other.method == Method::conventional && other.name != name) return other.name;
    }
    return "";
  };
  for (auto& [name, model] : models.items()) {
    const std::string against = conventional_of(name);
    if (against.empty() || !models.contains(against)) continue;
    const auto& reference = models.at(against);
    nlohmann::json paired = {{"against", against}};
    for (const auto& [part, metrics] : model.items()) {
      if (!reference.contains(part)) continue;
      for (const auto& [metric, values] : metrics.items()) {
        if (!reference.at(part).contains(metric)) continue;
        const auto runs = values.at("runs").get<std::vector<double>>();
        const auto base = reference.at(part).at(metric).at("runs").get<std::vector<double>>();
        std::vector<double> differences;
        for (size_t i = 0; i < runs.size(); ++i) differences.push_back(runs[i] - base.at(i));
        paired[part][metric] = summary(differences);
      }
    }
    model["paired"] = paired;
  }
}

double image_measure(const nlohmann::json& model, const char* part, const char* metric) {
  return model.contains(part) && model.at(part).contains(metric) ? model.at(part).at(metric).at("mean").get<double>() : NAN;
}

}  // namespace armed
