#pragma once
#include <nlohmann/json.hpp>

#include <array>
#include <string>
#include <vector>

#include "armed/data/clustered_data.h"
#include "armed/seed.h"

namespace armed {

// Where Debian's dataset-fashion-mnist puts Zalando's Fashion-MNIST: 70,000 real 28x28 grey
// pictures of clothing in 10 classes, as four gzip-compressed IDX files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// What a model is asked to tell from a picture: a row of fashion_targets().
struct FashionTarget {
  const char* name;         // the --fashion-target value
  const char* description;  // for the truth JSON and --help
  const char* task;         // the --task that trains on it
  // The target of each Fashion-MNIST class; -1: the class is not drawn.
  std::array<int, 10> code;
  int levels() const;  // distinct targets
};
const std::vector<FashionTarget>& fashion_targets();
const FashionTarget& fashion_target(const std::string& name);  // throws armed::Error listing the names

// Fashion-MNIST pictures spread over imaging "sites" with realistic site effects. Every site has
// its own acquisition (rotation, blur or noise, vignette, contrast and brightness) and its own
// class prevalence; `artifact_sites` of them also stamp a marker in one corner of most images of
// one class (a confounder: at that site the marker tells the class, elsewhere it means nothing).
struct FashionSitesOptions {
  std::string source = kFashionMnistDir;  // the directory of the four .gz files
  int64_t sites = 20;
  int64_t images_per_site = 200;    // drawn without replacement from the 70,000
  int64_t artifact_sites = 6;       // the first sites of a seeded order
  std::string target = "upper-body";  // a FashionTarget's name
  double prevalence_sd = 0.8;       // a site's weight of each drawn class ~ exp(N(0, sd))
  double rotation_sd = 10.0;        // degrees
  double contrast_sd = 0.3;         // intensity scaled by exp(N(0, sd))
  double brightness_sd = 0.1;       // offset ~ |N(0, sd)|
  double max_blur = 1.2;            // blurring sites: Gaussian SD ~ U(0, max) pixels
  double max_noise = 0.15;          // the other sites: pixel noise SD ~ U(0.02, max)
  double max_vignette = 0.6;        // corner darkening ~ U(0, max)
  // Multiplies every site's acquisition as drawn (rotation, blur, noise, vignette, log contrast,
  // brightness): 0 none, 1 as above, 2 twice. The sites, their pictures, prevalences and markers
  // stay those of the seed.
  double acquisition_scale = 1.0;
  double marker_rate = 0.9;         // share of the marked class's images carrying the marker
  double marker_false_rate = 0.05;  // share of the other images carrying it
  uint64_t seed = kDefaultSeed;

  void validate() const;  // throws armed::Error naming the flag
};

struct FashionSite {
  std::string label;
  double rotation_degrees, blur, noise, vignette, contrast, brightness;
  std::vector<double> class_shares;  // of the 10 Fashion-MNIST classes (0 for those not drawn)
  bool artifact = false;
  int marker_corner = -1;  // 0 top left, 1 top right, 2 bottom left, 3 bottom right
  int marked_class = -1;   // in the target's coding
};

struct FashionSitesData {
  // x: [N, 1, 32, 32] in [0, 1], each 28x28 picture centred on a 32x32 canvas (as LeNet's MNIST
  // inputs; the autoencoders' stride-2 blocks halve the sides three times); target y; the site.
  ClusteredData data;
  torch::Tensor fashion_class;   // [N] int64, the picture's Fashion-MNIST class
  torch::Tensor marked;          // [N] bool, the picture carries its site's marker
  // The same pictures with the artifact swapped: at artifact sites exactly the pictures that lacked
  // the marker carry it (so it points to the other classes); elsewhere identical to data.x.
  torch::Tensor swapped_x;
  std::vector<FashionSite> sites;
};

FashionSitesData simulate_fashion_sites(const FashionSitesOptions& options);
nlohmann::json fashion_truth_to_json(const FashionSitesOptions& options, const std::vector<FashionSite>& sites);

}  // namespace armed
