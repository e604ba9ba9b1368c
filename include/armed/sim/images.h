#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "armed/data/clustered_data.h"
#include "armed/seed.h"

namespace armed {

// Synthetic clustered images: the class is the shape (0: disk, 1: square at a random angle), and
// each cluster, like a scanner site or an experimental batch, has its own brightness, contrast of
// the shape, stripe texture and share of class 1, drawn from random-effects distributions.
struct ImageSimOptions {
  int64_t clusters = 10;
  int64_t images_per_cluster = 200;
  int64_t size = 32;             // height = width, one channel
  double brightness_sd = 0.15;   // cluster brightness offset ~ N(0, sd)
  double contrast_sd = 0.4;      // the shape's intensity is scaled by exp(N(0, sd))
  double texture_sd = 0.15;      // stripe amplitude |N(0, sd)|; orientation U(0, pi), frequency U(0.1, 0.35) cycles/px
  double confound_sd = 0.2;      // share of class 1 ~ N(0.5, sd) clipped to [0.1, 0.9]
  double noise = 0.1;            // per-pixel Gaussian noise SD
  uint64_t seed = kDefaultSeed;

  void validate() const;  // throws armed::Error naming the flag
};

struct ImageClusterTruth {
  std::string label;
  double brightness, contrast, texture_amplitude, texture_orientation, texture_frequency, class1_share;
};

struct ImageSimData {
  ClusteredData data;  // x: [N, 1, size, size] in [0, 1]; target y; cluster labels c0..c(K-1)
  std::vector<ImageClusterTruth> truth;
};

ImageSimData simulate_images(const ImageSimOptions& options);
nlohmann::json truth_to_json(const ImageSimOptions& options, const std::vector<ImageClusterTruth>& truth);

}  // namespace armed
