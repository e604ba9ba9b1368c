#pragma once
#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

#include "armed/eval/image_benchmark.h"
#include "armed/sim/fashion.h"

namespace armed {

// image_benchmark_config, trained for 15 epochs: the networks fit the training pictures by then,
// and the whole benchmark stays within 15 minutes on two cores.
ModelConfig fashion_benchmark_config();

// The image models on real pictures with site effects: Fashion-MNIST spread over imaging sites
// (simulate_fashion_sites), compared as the image benchmark compares them.
struct FashionBenchmarkOptions {
  FashionSitesOptions sites;  // its seed is replaced by config.seed
  ImageComparisonOptions comparison{fashion_benchmark_config()};  // its config.task is the sites' target's
};

// As run_image_benchmark's results, and for every model (and "<name>-fixed") "artifact":
// "accuracy" on the seen-site test pictures of the artifact sites, and "swapped_accuracy" on the
// same pictures with the artifact swapped (the marker on exactly the pictures that lacked it): how
// much the model leans on a site's confounder. "data" holds the sites' options.
nlohmann::json run_fashion_benchmark(const FashionBenchmarkOptions& options, std::ostream* progress);

std::string fashion_benchmark_table(const nlohmann::json& results);

}  // namespace armed
