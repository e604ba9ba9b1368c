#include "armed/sim/images.h"

#include <algorithm>
#include <cmath>

#include "armed/error.h"
#include "random.h"

namespace armed {

void ImageSimOptions::validate() const {
  if (clusters < 2) throw Error("--clusters must be at least 2");
  if (images_per_cluster < 4) throw Error("--images-per-cluster must be at least 4");
  if (size < 16 || size > 512) throw Error("--size must be between 16 and 512 pixels");
  for (auto [flag, value] : {std::pair{"--brightness-sd", brightness_sd}, {"--contrast-sd", contrast_sd},
                             {"--texture-sd", texture_sd}, {"--confound-sd", confound_sd}, {"--noise", noise}})
    if (!(value >= 0)) throw Error(std::string(flag) + " must be >= 0");
}

ImageSimData simulate_images(const ImageSimOptions& o) {
  o.validate();
  Rng rng(o.seed);
  const int64_t n = o.clusters * o.images_per_cluster, s = o.size;
  const double scale = static_cast<double>(s) / 32.0;
  ImageSimData out;
  out.data.source = "simulated images";
  out.data.factors = {{"cluster", {}}};
  out.data.x = torch::empty({n, 1, s, s}, torch::kFloat32);
  out.data.y = torch::empty({n}, torch::kFloat32);
  float* x = out.data.x.data_ptr<float>();
  float* y = out.data.y.data_ptr<float>();
  int64_t row = 0;
  for (int64_t c = 0; c < o.clusters; ++c) {
    ImageClusterTruth t;
    t.label = "c" + std::to_string(c);
    t.brightness = rng.normal(0, o.brightness_sd);
    t.contrast = std::exp(rng.normal(0, o.contrast_sd));
    t.texture_amplitude = std::abs(rng.normal(0, o.texture_sd));
    t.texture_orientation = rng.uniform() * M_PI;
    t.texture_frequency = 0.1 + 0.25 * rng.uniform();
    t.class1_share = std::clamp(rng.normal(0.5, o.confound_sd), 0.1, 0.9);
    const double cos_t = std::cos(t.texture_orientation), sin_t = std::sin(t.texture_orientation);
    for (int64_t i = 0; i < o.images_per_cluster; ++i, ++row) {
      const int label = rng.uniform() < t.class1_share ? 1 : 0;
      const double half = (5 + 4 * rng.uniform()) * scale;
      // The square's corners reach half * sqrt(2) from its centre; keep the whole shape inside.
      const double reach = label ? half * std::sqrt(2.0) : half;
      const double cx = reach + rng.uniform() * (s - 1 - 2 * reach), cy = reach + rng.uniform() * (s - 1 - 2 * reach);
      const double angle = rng.uniform() * M_PI / 12, ca = std::cos(angle), sa = std::sin(angle);
      const double phase = rng.uniform() * 2 * M_PI;
      float* img = x + row * s * s;
      for (int64_t r = 0; r < s; ++r) {
        for (int64_t q = 0; q < s; ++q) {
          const double dx = q - cx, dy = r - cy;
          bool inside;
          if (label == 0) {
            inside = dx * dx + dy * dy <= half * half;
          } else {
            const double u = dx * ca + dy * sa, v = -dx * sa + dy * ca;
            inside = std::abs(u) <= half && std::abs(v) <= half;
          }
          double value = 0.35 + t.brightness + (inside ? 0.3 * t.contrast : 0.0) +
                         t.texture_amplitude * std::sin(2 * M_PI * t.texture_frequency * (q * cos_t + r * sin_t) + phase) +
                         rng.normal(0, o.noise);
          img[r * s + q] = static_cast<float>(std::clamp(value, 0.0, 1.0));
        }
      }
      y[row] = static_cast<float>(label);
      out.data.factors[0].labels.push_back(t.label);
    }
    out.truth.push_back(t);
  }
  return out;
}

nlohmann::json truth_to_json(const ImageSimOptions& o, const std::vector<ImageClusterTruth>& truth) {
  nlohmann::json clusters = nlohmann::json::array();
  for (const auto& t : truth)
    clusters.push_back({{"cluster", t.label},
                        {"brightness", t.brightness},
                        {"contrast", t.contrast},
                        {"texture_amplitude", t.texture_amplitude},
                        {"texture_orientation", t.texture_orientation},
                        {"texture_frequency", t.texture_frequency},
                        {"class1_share", t.class1_share}});
  return {{"generator", "images"},
          {"options",
           {{"clusters", o.clusters}, {"images_per_cluster", o.images_per_cluster}, {"size", o.size},
            {"brightness_sd", o.brightness_sd}, {"contrast_sd", o.contrast_sd}, {"texture_sd", o.texture_sd},
            {"confound_sd", o.confound_sd}, {"noise", o.noise}, {"seed", o.seed}}},
          {"clusters", clusters}};
}

}  // namespace armed
