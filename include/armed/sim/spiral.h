#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "armed/data/clustered_data.h"
#include "armed/seed.h"

namespace armed {

// The paper's synthetic benchmark: two interleaved spirals (class = spiral arm) in equal-sized
// clusters, each cluster distorted by a random effect.
struct SpiralOptions {
  int64_t clusters = 10;
  int64_t points_per_cluster = 1000;
  std::string variant = "radius";  // "radius": radius ~ N(1, radius_sd); "slope": x2 / (1 + N(0, slope_sd))
  double radius_sd = 0.3;
  double slope_sd = 0.3;
  double noise = 0.1;              // SD of Gaussian noise added to x1, x2
  double degrees = 360;            // length of each arm
  int64_t confounders = 0;         // extra features drawn around each cluster's class ratio
  double confound_sd = 0.0;        // SD of the per-cluster class ratio around 0.5, clipped to [0.1, 0.9]
  uint64_t seed = kDefaultSeed;

  void validate() const;
};

struct SpiralClusterTruth {
  std::string label;
  double radius;
  double slope;
  double class_ratio;  // fraction of class 0
};

struct SpiralData {
  ClusteredData data;  // features x1, x2, conf1..confN; target y; cluster labels 0..K-1
  std::vector<SpiralClusterTruth> truth;
};

SpiralData simulate_spiral(const SpiralOptions& options);
nlohmann::json truth_to_json(const SpiralOptions& options, const std::vector<SpiralClusterTruth>& truth);

}  // namespace armed
