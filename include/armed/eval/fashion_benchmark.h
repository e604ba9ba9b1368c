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
  // Draws of the sites with seeds config.seed, config.seed + 1, ...: one draw tells little about a
  // confounder at six sites; their folds are pooled, run after run.
  int64_t repeats = 1;
};

// As run_image_benchmark's results, and for every model (and "<name>-fixed") "artifact":
// "accuracy" on the seen-site test pictures of the artifact sites, and "swapped_accuracy" on the
// same pictures with the artifact swapped (the marker on exactly the pictures that lacked it): how
// much the model leans on a site's confounder; and "paired" (add_paired_differences) against its
// backbone's conventional model when it is compared too. "data" holds the first draw's options
// and sites (`armed simulate fashion --seed S` writes any other's), "seeds" every draw's seed.
nlohmann::json run_fashion_benchmark(const FashionBenchmarkOptions& options, std::ostream* progress);

std::string fashion_benchmark_table(const nlohmann::json& results);

}  // namespace armed
