#include "armed/eval/fashion_benchmark.h"

#include <algorithm>
#include <cstdio>

#include "eval/image_comparison.h"

namespace armed {

ModelConfig fashion_benchmark_config() {
  ModelConfig c = image_benchmark_config();
  c.epochs = 15;
  return c;
}

nlohmann::json run_fashion_benchmark(const FashionBenchmarkOptions& options, std::ostream* progress) {
  FashionSitesOptions sites = options.sites;
  sites.seed = options.comparison.config.seed;
  ImageComparisonOptions comparison = options.comparison;
  comparison.config.task = fashion_target(sites.target).task;
  const FashionSitesData made = simulate_fashion_sites(sites);
  std::vector<bool> artifact_site;
  for (const auto& label : made.data.clusters())
    artifact_site.push_back(std::find_if(made.sites.begin(), made.sites.end(), [&](const FashionSite& s) { return s.label == label; })->artifact);

  const auto artifact = [&](const MixedEffectsModel& model, const ImageFold& fold,
                            const std::vector<std::pair<std::string, PredictMode>>& served_as, ImageMeasures& out) {
    std::vector<int64_t> rows;
    for (const int64_t row : fold.seen_rows)
      if (artifact_site[row]) rows.push_back(row);
    if (rows.empty()) return;
    ClusteredData original = subset(made.data, rows), swapped = original;
    swapped.x = made.swapped_x.index_select(0, torch::tensor(rows, torch::kInt64));
    for (const auto& [name, mode] : served_as) {
      out[name]["artifact.accuracy"].push_back(model.evaluate(original, mode)["overall"]["accuracy"].get<double>());
      out[name]["artifact.swapped_accuracy"].push_back(model.evaluate(swapped, mode)["overall"]["accuracy"].get<double>());
    }
  };
  return {{"data", fashion_truth_to_json(sites, made.sites)},
          {"folds", options.comparison.folds},
          {"runs", options.comparison.runs},
          {"test_fraction", options.comparison.test_fraction},
          {"epochs", options.comparison.config.epochs},
          {"models", compare_image_models(made.data, comparison, artifact, progress)}};
}

std::string fashion_benchmark_table(const nlohmann::json& results) {
  const auto& models = results.at("models");
  int width = 20;
  for (const auto& item : models.items()) width = std::max(width, static_cast<int>(item.key().size()) + 1);
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-*s %9s %9s %10s %10s %9s %9s\n", width, "model", "seen AUC", "seen acc", "unseen AUC", "unseen acc",
                "artifact", "swapped");
  out += line;
  for (const auto& item : models.items()) {
    const auto& m = item.value();
    std::snprintf(line, sizeof line, "%-*s %9.4f %9.4f %10.4f %10.4f %9.4f %9.4f\n", width, item.key().c_str(), image_measure(m, "seen", "auroc"),
                  image_measure(m, "seen", "accuracy"), image_measure(m, "unseen", "auroc"), image_measure(m, "unseen", "accuracy"),
                  image_measure(m, "artifact", "accuracy"), image_measure(m, "artifact", "swapped_accuracy"));
    out += line;
  }
  std::string chance = "nan";
  bool first = true;
  for (const auto& item : models.items()) {
    const auto& m = item.value();
    if (!m.contains("autoencoder")) continue;
    if (first) {
      std::snprintf(line, sizeof line, "\n%-*s %9s %9s %12s %9s %9s\n", width, "autoencoder", "recon", "recon RE", "latent probe", "DB", "CH");
      out += line;
      first = false;
    }
    chance = std::to_string(image_measure(m, "autoencoder", "probe_chance")).substr(0, 6);
    std::snprintf(line, sizeof line, "%-*s %9.5f %9.5f %12.4f %9.3f %9.1f\n", width, item.key().c_str(),
                  image_measure(m, "autoencoder", "reconstruction_mse"), image_measure(m, "autoencoder", "mixed_reconstruction_mse"),
                  image_measure(m, "autoencoder", "latent_cluster_probe"), image_measure(m, "autoencoder", "davies_bouldin"),
                  image_measure(m, "autoencoder", "calinski_harabasz"));
    out += line;
  }
  const int levels = fashion_target(results.at("data").at("options").at("target").get<std::string>()).levels();
  out += "(means over " + std::to_string(results.at("runs").get<int64_t>()) + " fold(s) of " +
         std::to_string(results.at("folds").get<int64_t>()) + " grouped by site; " +
         (levels > 2 ? "AUC: macro AUROC over the " + std::to_string(levels) + " classes; " : std::string()) +
         "artifact: accuracy on the seen-site test\n"
         " pictures of the artifact sites, swapped: the same pictures with the marker on exactly those that lacked it";
  if (!first)
    out += ";\n recon: MSE of the fixed-effects reconstruction, recon RE: aec-armed's in each picture's site style; latent\n"
           " probe: accuracy of a linear probe predicting the site from the latent, chance " + chance +
           "; DB, CH: Davies-Bouldin and\n Calinski-Harabasz of the seen-site test latents grouped by site (high DB, low CH: the latent does\n"
           " not group by site)";
  out += ")\n";
  return out;
}

}  // namespace armed
