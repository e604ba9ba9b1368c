#include "armed/eval/fashion_benchmark.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "armed/error.h"
#include "eval/image_comparison.h"

namespace armed {

ModelConfig fashion_benchmark_config() {
  ModelConfig c = image_benchmark_config();
  c.epochs = 15;
  return c;
}

namespace {

// One draw of the sites at `seed`: its truth and the models compared on it.
std::pair<nlohmann::json, nlohmann::json> compare_on_draw(const FashionBenchmarkOptions& options, uint64_t seed, std::ostream* progress) {
  FashionSitesOptions sites = options.sites;
  sites.seed = seed;
  ImageComparisonOptions comparison = options.comparison;
  comparison.config.seed = seed;
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
  return {fashion_truth_to_json(sites, made.sites), compare_image_models(made.data, comparison, artifact, progress)};
}

}  // namespace

nlohmann::json run_fashion_benchmark(const FashionBenchmarkOptions& options, std::ostream* progress) {
  if (options.repeats < 1) throw Error("--repeats must be at least 1");
  std::vector<uint64_t> seeds;
  std::vector<nlohmann::json> draws;
  nlohmann::json first_truth;
  for (int64_t r = 0; r < options.repeats; ++r) {
    seeds.push_back(options.comparison.config.seed + static_cast<uint64_t>(r));
    if (progress && options.repeats > 1) *progress << "== draw " << r + 1 << " of the sites (seed " << seeds.back() << ")" << std::endl;
    auto [truth, models] = compare_on_draw(options, seeds.back(), progress);
    if (r == 0) first_truth = std::move(truth);
    draws.push_back(std::move(models));
  }
  nlohmann::json models = pool_image_results(draws);
  add_paired_differences(models);
  return {{"data", first_truth},
          {"seeds", seeds},
          {"folds", options.comparison.folds},
          {"runs", options.comparison.runs},
          {"test_fraction", options.comparison.test_fraction},
          {"epochs", options.comparison.config.epochs},
          {"models", models}};
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
  bool paired = false;
  for (const auto& item : models.items()) {
    if (!item.value().contains("paired")) continue;
    const auto& p = item.value().at("paired");
    if (!paired) {
      std::snprintf(line, sizeof line, "\n%-*s %-9s %16s %16s %16s %16s\n", width, "paired", "against", "seen AUC", "unseen AUC", "unseen acc",
                    "swapped");
      out += line;
      paired = true;
    }
    const auto cell = [&](const char* part, const char* metric) {
      if (!p.contains(part) || !p.at(part).contains(metric)) return std::string("nan");
      const auto& d = p.at(part).at(metric);
      // A difference that rounds to zero prints as +0.0000, not -0.0000.
      const double mean = std::abs(d.at("mean").get<double>()) < 5e-5 ? 0.0 : d.at("mean").get<double>();
      char text[32];
      if (d.at("ci").at(0).is_null())
        std::snprintf(text, sizeof text, "%+.4f", mean);
      else
        std::snprintf(text, sizeof text, "%+.4f ±%.4f", mean, (d.at("ci").at(1).get<double>() - d.at("ci").at(0).get<double>()) / 2);
      return std::string(text);
    };
    std::snprintf(line, sizeof line, "%-*s %-9s %16s %16s %16s %16s\n", width, item.key().c_str(), p.at("against").get<std::string>().c_str(),
                  cell("seen", "auroc").c_str(), cell("unseen", "auroc").c_str(), cell("unseen", "accuracy").c_str(),
                  cell("artifact", "swapped_accuracy").c_str());
    out += line;
  }
  const auto seeds = results.value("seeds", nlohmann::json::array());
  const int levels = fashion_target(results.at("data").at("options").at("target").get<std::string>()).levels();
  out += "(means over " + std::to_string(results.at("runs").get<int64_t>()) + " fold(s) of " +
         std::to_string(results.at("folds").get<int64_t>()) + " grouped by site" +
         (seeds.size() > 1 ? " in each of " + std::to_string(seeds.size()) + " draws of the sites (seeds " + seeds.front().dump() + " to " +
                                 seeds.back().dump() + ")"
                           : std::string()) +
         "; " +
         (levels > 2 ? "AUC: macro AUROC over the " + std::to_string(levels) + " classes; " : std::string()) +
         "artifact: accuracy on the seen-site test\n"
         " pictures of the artifact sites, swapped: the same pictures with the marker on exactly those that lacked it";
  if (paired)
    out += ";\n paired: the model's minus the conventional model's, run by run on the same pictures, mean ± half-width of\n"
           " its 95% t-interval";
  if (!first)
    out += ";\n recon: MSE of the fixed-effects reconstruction, recon RE: aec-armed's in each picture's site style; latent\n"
           " probe: accuracy of a linear probe predicting the site from the latent, chance " + chance +
           "; DB, CH: Davies-Bouldin and\n Calinski-Harabasz of the seen-site test latents grouped by site (high DB, low CH: the latent does\n"
           " not group by site)";
  out += ")\n";
  return out;
}

}  // namespace armed
