#include "armed/sim/spiral.h"

#include <algorithm>
#include <cmath>

#include "armed/error.h"
#include "random.h"

namespace armed {

void SpiralOptions::validate() const {
  if (clusters < 2) throw Error("--clusters must be at least 2");
  if (points_per_cluster < 4) throw Error("--points-per-cluster must be at least 4");
  if (variant != "radius" && variant != "slope") throw Error("--variant must be 'radius' or 'slope', not '" + variant + "'");
  if (radius_sd < 0 || slope_sd < 0 || noise < 0 || confound_sd < 0) throw Error("standard deviations must be >= 0");
  if (degrees <= 0) throw Error("--degrees must be positive");
  if (confounders < 0) throw Error("--confounders must be >= 0");
}

SpiralData simulate_spiral(const SpiralOptions& o) {
  o.validate();
  Rng rng(o.seed);
  const double t_max = o.degrees * M_PI / 180.0;
  const bool confounded = o.confounders > 0 || o.confound_sd > 0;
  const int64_t p = 2 + o.confounders, n = o.clusters * o.points_per_cluster;

  SpiralData out;
  out.data.source = "spiral";
  out.data.feature_names = {"x1", "x2"};
  for (int64_t k = 1; k <= o.confounders; ++k) out.data.feature_names.push_back("conf" + std::to_string(k));
  out.data.feature_columns = out.data.feature_names;
  out.data.factors = {{"cluster", {}}};
  out.data.x = torch::empty({n, p}, torch::kFloat32);
  out.data.y = torch::empty({n}, torch::kFloat32);
  float* x = out.data.x.data_ptr<float>();
  float* y = out.data.y.data_ptr<float>();

  int64_t row = 0;
  for (int64_t c = 0; c < o.clusters; ++c) {
    SpiralClusterTruth truth{std::to_string(c), 1.0, 0.0, 0.5};
    if (o.variant == "radius") truth.radius = std::max(0.05, rng.normal(1.0, o.radius_sd));
    else truth.slope = rng.normal(0.0, o.slope_sd);
    if (confounded) truth.class_ratio = std::clamp(rng.normal(0.5, o.confound_sd), 0.1, 0.9);
    // A slope near -1 would send x2 to infinity; keep the divisor away from zero.
    double divisor = 1.0 + truth.slope;
    if (std::abs(divisor) < 0.05) divisor = divisor < 0 ? -0.05 : 0.05;

    const int64_t n0 = static_cast<int64_t>(std::floor(o.points_per_cluster * truth.class_ratio));
    std::vector<int> labels(o.points_per_cluster, 1);
    std::fill(labels.begin(), labels.begin() + n0, 0);
    rng.shuffle(labels);
    for (int label : labels) {
      const double t = rng.uniform() * t_max, phase = label * M_PI;
      float* xr = x + row * p;
      xr[0] = static_cast<float>(-std::cos(t - phase) * t * truth.radius / t_max + rng.normal(0, o.noise));
      xr[1] = static_cast<float>((std::sin(t - phase) * t * truth.radius / t_max + rng.normal(0, o.noise)) / divisor);
      for (int64_t k = 0; k < o.confounders; ++k) xr[2 + k] = static_cast<float>(rng.normal(truth.class_ratio, 0.2));
      y[row] = static_cast<float>(label);
      out.data.factors[0].labels.push_back(truth.label);
      ++row;
    }
    out.truth.push_back(truth);
  }
  return out;
}

nlohmann::json truth_to_json(const SpiralOptions& o, const std::vector<SpiralClusterTruth>& truth) {
  nlohmann::json clusters = nlohmann::json::array();
  for (const auto& t : truth)
    clusters.push_back({{"cluster", t.label}, {"radius", t.radius}, {"slope", t.slope}, {"class_ratio", t.class_ratio}});
  return {{"generator", "spiral"},
          {"options",
           {{"clusters", o.clusters}, {"points_per_cluster", o.points_per_cluster}, {"variant", o.variant},
            {"radius_sd", o.radius_sd}, {"slope_sd", o.slope_sd}, {"noise", o.noise}, {"degrees", o.degrees},
            {"confounders", o.confounders}, {"confound_sd", o.confound_sd}, {"seed", o.seed}}},
          {"clusters", clusters}};
}

}  // namespace armed
