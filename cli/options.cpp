#include <type_traits>
#include <vector>

#include "commands.h"

namespace armed::cli {
namespace {

template <typename T>
struct is_vector : std::false_type {};
template <typename T>
struct is_vector<std::vector<T>> : std::true_type {};

}  // namespace

void add_config_options(CLI::App* cmd, ModelConfig& config, const std::set<std::string>& skip) {
  for_each_field(config, [&](const char* name, auto& field, const char* help) {
    using T = std::decay_t<decltype(field)>;
    if (skip.count(name)) return;
    if constexpr (std::is_same_v<T, bool>) {
      cmd->add_flag(option_flag(name), field, help);
    } else {
      auto* opt = cmd->add_option(option_flag(name), field, help)->capture_default_str();
      if constexpr (is_vector<T>::value) opt->delimiter(',');
    }
  });
}

void add_spiral_options(CLI::App* cmd, SpiralOptions& o, bool with_seed) {
  cmd->add_option("--clusters", o.clusters, "number of clusters")->capture_default_str();
  cmd->add_option("--points-per-cluster", o.points_per_cluster, "rows per cluster")->capture_default_str();
  cmd->add_option("--variant", o.variant, "random effect: radius (per-cluster radius) | slope (on x2)")->capture_default_str();
  cmd->add_option("--radius-sd", o.radius_sd, "SD of the per-cluster radius around 1")->capture_default_str();
  cmd->add_option("--slope-sd", o.slope_sd, "SD of the per-cluster slope (variant slope)")->capture_default_str();
  cmd->add_option("--noise", o.noise, "SD of Gaussian noise on x1, x2")->capture_default_str();
  cmd->add_option("--degrees", o.degrees, "length of each spiral arm in degrees")->capture_default_str();
  cmd->add_option("--confounders", o.confounders, "extra features drawn around each cluster's class ratio")->capture_default_str();
  cmd->add_option("--confound-sd", o.confound_sd, "SD of the per-cluster class ratio around 0.5 (clipped to [0.1, 0.9])")
      ->capture_default_str();
  if (with_seed) cmd->add_option("--seed", o.seed, "random seed")->capture_default_str();
}

void add_glmm_outcome_options(CLI::App* cmd, GlmmOptions& o) {
  cmd->add_option("--task", o.task, "classification (Bernoulli, logit link) | regression (Gaussian) | count (Poisson, log link) | multiclass (softmax)")->capture_default_str();
  cmd->add_option("--classes", o.classes, "multiclass: classes K, each with its own random intercepts")->capture_default_str();
  cmd->add_option("--noise", o.noise, "regression: residual SD")->capture_default_str();
}

void add_glmm_options(CLI::App* cmd, GlmmOptions& o, bool with_seed) {
  cmd->add_option("--rows", o.rows, "rows")->capture_default_str();
  cmd->add_option("--features", o.features, "features p")->capture_default_str();
  cmd->add_option("--clusters", o.clusters, "levels of each grouping factor, comma-separated (two or more: crossed factors)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--variances", o.variances, "random-intercept variance of each factor, or one for all")
      ->delimiter(',')
      ->capture_default_str();
  add_glmm_outcome_options(cmd, o);
  if (with_seed) cmd->add_option("--seed", o.seed, "random seed")->capture_default_str();
}

void add_image_sim_options(CLI::App* cmd, ImageSimOptions& o, bool with_seed) {
  cmd->add_option("--clusters", o.clusters, "number of clusters")->capture_default_str();
  cmd->add_option("--images-per-cluster", o.images_per_cluster, "images per cluster")->capture_default_str();
  cmd->add_option("--size", o.size, "image height and width in pixels")->capture_default_str();
  cmd->add_option("--brightness-sd", o.brightness_sd, "SD of the per-cluster brightness offset")->capture_default_str();
  cmd->add_option("--contrast-sd", o.contrast_sd, "SD of the per-cluster log contrast of the shape")->capture_default_str();
  cmd->add_option("--texture-sd", o.texture_sd, "SD of the per-cluster stripe texture amplitude")->capture_default_str();
  cmd->add_option("--confound-sd", o.confound_sd, "SD of the per-cluster share of class 1 around 0.5 (clipped to [0.1, 0.9])")
      ->capture_default_str();
  cmd->add_option("--noise", o.noise, "SD of per-pixel Gaussian noise")->capture_default_str();
  if (with_seed) cmd->add_option("--seed", o.seed, "random seed")->capture_default_str();
}

void add_fashion_sites_options(CLI::App* cmd, FashionSitesOptions& o, bool with_seed) {
  cmd->add_option("--fashion-dir", o.source, "directory of Fashion-MNIST's four .gz files (Debian's dataset-fashion-mnist)")->capture_default_str();
  cmd->add_option("--sites", o.sites, "imaging sites (the clusters)")->capture_default_str();
  cmd->add_option("--images-per-site", o.images_per_site, "pictures per site, drawn without replacement")->capture_default_str();
  cmd->add_option("--artifact-sites", o.artifact_sites, "sites stamping a marker on most pictures of one class")->capture_default_str();
  std::string targets;
  for (const auto& t : fashion_targets()) targets += std::string(targets.empty() ? "" : "; ") + t.name + ": " + t.description;
  cmd->add_option("--fashion-target", o.target, "what to tell from a picture: " + targets)->capture_default_str();
  cmd->add_option("--prevalence-sd", o.prevalence_sd, "SD of a site's log weight of each class")->capture_default_str();
  cmd->add_option("--rotation-sd", o.rotation_sd, "SD of a site's rotation, degrees")->capture_default_str();
  cmd->add_option("--contrast-sd", o.contrast_sd, "SD of a site's log contrast")->capture_default_str();
  cmd->add_option("--brightness-sd", o.brightness_sd, "a site's brightness offset ~ |N(0, SD)|")->capture_default_str();
  cmd->add_option("--max-blur", o.max_blur, "blurring sites: Gaussian SD ~ U(0, MAX) pixels")->capture_default_str();
  cmd->add_option("--max-noise", o.max_noise, "noisy sites: pixel noise SD ~ U(0.02, MAX)")->capture_default_str();
  cmd->add_option("--max-vignette", o.max_vignette, "a site's corner darkening ~ U(0, MAX)")->capture_default_str();
  cmd->add_option("--acquisition-scale", o.acquisition_scale,
                  "multiplies every site's acquisition as drawn (rotation, blur, noise, vignette, log contrast, brightness): 0 none, 1 as "
                  "drawn, 2 twice; the same sites, pictures, prevalences and markers")
      ->capture_default_str();
  cmd->add_option("--marker-rate", o.marker_rate, "artifact sites: share of the marked class's pictures with the marker")->capture_default_str();
  cmd->add_option("--marker-false-rate", o.marker_false_rate, "artifact sites: share of the other pictures with the marker")->capture_default_str();
  if (with_seed) cmd->add_option("--seed", o.seed, "random seed")->capture_default_str();
}

void add_image_comparison_options(CLI::App* cmd, ImageComparisonOptions& o, const std::set<std::string>& skip) {
  add_config_options(cmd, o.config, skip);
  cmd->add_option("--models", o.models, "models to compare")->delimiter(',')->capture_default_str();
  cmd->add_option("--test-fraction", o.test_fraction, "share of every training cluster's images held out (seen-cluster test)")->capture_default_str();
  cmd->add_option("--folds", o.folds, "the clusters are partitioned into this many groups")->capture_default_str();
  cmd->add_option("--runs", o.runs, "how many of the folds to run, each holding one group out as unseen clusters")->capture_default_str();
}

}  // namespace armed::cli
