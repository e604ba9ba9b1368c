#include "armed/eval/image_benchmark.h"

#include <cstdio>

#include "eval/image_comparison.h"

namespace armed {

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
  ImageSimOptions images = options.images;
  images.seed = options.comparison.config.seed;
  const ClusteredData data = simulate_images(images).data;
  return {{"data", truth_to_json(images, {})["options"]},
          {"folds", options.comparison.folds},
          {"runs", options.comparison.runs},
          {"test_fraction", options.comparison.test_fraction},
          {"epochs", options.comparison.config.epochs},
          {"models", compare_image_models(data, options.comparison, {}, progress)}};
}

std::string image_benchmark_table(const nlohmann::json& results) {
  std::string out;
  char line[256];
  const auto value = image_measure;
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
