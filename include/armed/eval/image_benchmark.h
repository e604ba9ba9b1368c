#pragma once
#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "armed/config.h"
#include "armed/sim/images.h"

namespace armed {

// The configuration the image benchmark trains every model with: ModelConfig's defaults but for
// what suits these images (see its definition).
ModelConfig image_benchmark_config();

// How the image benchmarks compare models on seen and unseen clusters. The clusters are
// partitioned into `folds` groups; each of the first `runs` folds holds its group out as unseen
// clusters and `test_fraction` of every other cluster's images as the seen-cluster test. Every
// model trains on the rest with the same configuration and seed.
struct ImageComparisonOptions {
  ModelConfig config = image_benchmark_config();  // shared by every model; `model` is set per model
  double test_fraction = 0.2;
  int64_t folds = 5;
  int64_t runs = 5;
  std::vector<std::string> models = model_names(/*images=*/true);  // every kind of the table
};

// The image models on simulated clustered images.
struct ImageBenchmarkOptions {
  ImageSimOptions images;  // its seed is replaced by config.seed
  ImageComparisonOptions comparison;
};

// {"data", "folds", "runs", "models": {"<name>": {"seen": {...}, "unseen": {...}, "autoencoder": {...}}}}. seen and
// unseen hold "auroc" (multiclass: the macro AUROC) and "accuracy" (means over runs, with 95%
// t-intervals when runs > 1). An armed model is also reported as "<name>-fixed" (Z = 0).
// Autoencoders add "reconstruction_mse" (fixed-effects decoder, seen-cluster test images),
// "mixed_reconstruction_mse" (aec-armed: each image in its own cluster's style),
// "latent_cluster_probe": the seen-cluster test accuracy of a linear probe predicting the cluster
// from the fixed-effects latent (trained on the training images' latents), with "probe_chance" =
// 1 / training clusters, and the seen-cluster test latents' "davies_bouldin" and
// "calinski_harabasz" scores grouped by cluster (high and low: the latent does not group by cluster).
nlohmann::json run_image_benchmark(const ImageBenchmarkOptions& options, std::ostream* progress);

std::string image_benchmark_table(const nlohmann::json& results);

}  // namespace armed
