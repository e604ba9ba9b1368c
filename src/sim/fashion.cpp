#include "armed/sim/fashion.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "armed/error.h"
#include "data/idx.h"
#include "random.h"

namespace armed {
namespace {

constexpr int64_t kSource = 28;  // Fashion-MNIST's side
constexpr int64_t kSide = 32;    // the canvas: the autoencoders' three stride-2 blocks divide it
constexpr int kClasses = 10;
constexpr const char* kClassNames[kClasses] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// The 70,000 pictures ([N, 28, 28] uint8) and their classes ([N] uint8), training then test files.
std::pair<torch::Tensor, torch::Tensor> load_fashion_mnist(const std::string& dir) {
  std::vector<torch::Tensor> images, labels;
  for (const char* part : {"train", "t10k"}) {
    const std::string image_file = dir + "/" + part + "-images-idx3-ubyte.gz", label_file = dir + "/" + part + "-labels-idx1-ubyte.gz";
    for (const auto& file : {image_file, label_file})
      if (!std::filesystem::exists(file))
        throw Error("--fashion-dir " + dir + ": no " + std::filesystem::path(file).filename().string() +
                    "; install Debian's dataset-fashion-mnist (`make fashion` does) or name the directory of Fashion-MNIST's four .gz files");
    auto x = read_idx(image_file), y = read_idx(label_file);
    if (x.dim() != 3 || x.size(1) != kSource || x.size(2) != kSource) throw Error(image_file + ": not 28x28 pictures");
    if (y.dim() != 1 || y.size(0) != x.size(0)) throw Error(label_file + ": not one label per picture of " + image_file);
    if (y.max().item<int>() >= kClasses) throw Error(label_file + ": a label above 9");
    images.push_back(x);
    labels.push_back(y);
  }
  return {torch::cat(images), torch::cat(labels)};
}

// Separable Gaussian blur of one 28x28 picture, edges clamped.
void blur(std::vector<double>& img, double sd) {
  if (sd < 0.05) return;
  const int radius = static_cast<int>(std::ceil(3 * sd));
  std::vector<double> kernel(2 * radius + 1);
  double total = 0;
  for (int k = -radius; k <= radius; ++k) total += kernel[k + radius] = std::exp(-0.5 * k * k / (sd * sd));
  for (auto& w : kernel) w /= total;
  std::vector<double> tmp(img.size());
  const auto at = [](int64_t i) { return std::clamp<int64_t>(i, 0, kSide - 1); };
  for (int64_t r = 0; r < kSide; ++r)
    for (int64_t q = 0; q < kSide; ++q) {
      double v = 0;
      for (int k = -radius; k <= radius; ++k) v += kernel[k + radius] * img[r * kSide + at(q + k)];
      tmp[r * kSide + q] = v;
    }
  for (int64_t r = 0; r < kSide; ++r)
    for (int64_t q = 0; q < kSide; ++q) {
      double v = 0;
      for (int k = -radius; k <= radius; ++k) v += kernel[k + radius] * tmp[at(r + k) * kSide + q];
      img[r * kSide + q] = v;
    }
}

// The site's acquisition of one picture, centred on the canvas, before the marker and noise:
// rotation (bilinear, black outside), blur, vignette, contrast and brightness.
std::vector<double> acquire(const uint8_t* picture, const FashionSite& site) {
  const double centre = (kSide - 1) / 2.0, angle = site.rotation_degrees * M_PI / 180;
  const double c = std::cos(angle), s = std::sin(angle);
  const int64_t margin = (kSide - kSource) / 2;
  const auto pixel = [&](int64_t r, int64_t q) {
    r -= margin;
    q -= margin;
    return r < 0 || q < 0 || r >= kSource || q >= kSource ? 0.0 : picture[r * kSource + q] / 255.0;
  };
  std::vector<double> img(kSide * kSide);
  for (int64_t r = 0; r < kSide; ++r)
    for (int64_t q = 0; q < kSide; ++q) {
      const double dy = r - centre, dx = q - centre;
      const double sy = centre + c * dy - s * dx, sx = centre + s * dy + c * dx;
      const auto r0 = static_cast<int64_t>(std::floor(sy)), q0 = static_cast<int64_t>(std::floor(sx));
      const double fy = sy - r0, fx = sx - q0;
      img[r * kSide + q] = (1 - fy) * ((1 - fx) * pixel(r0, q0) + fx * pixel(r0, q0 + 1)) +
                           fy * ((1 - fx) * pixel(r0 + 1, q0) + fx * pixel(r0 + 1, q0 + 1));
    }
  blur(img, site.blur);
  const double farthest = 2 * centre * centre;
  for (int64_t r = 0; r < kSide; ++r)
    for (int64_t q = 0; q < kSide; ++q) {
      const double d2 = (r - centre) * (r - centre) + (q - centre) * (q - centre);
      auto& v = img[r * kSide + q];
      v = site.brightness + site.contrast * v * (1 - site.vignette * d2 / farthest);
    }
  return img;
}

// The picture as stored: the marker (a 4x4 white square one pixel from the site's corner) if
// `marked`, then the noise, clipped to [0, 1].
void finish(const std::vector<double>& img, const std::vector<double>& noise, const FashionSite& site, bool marked, float* out) {
  const int64_t top = site.marker_corner >= 2 ? kSide - 5 : 1, left = site.marker_corner % 2 == 1 ? kSide - 5 : 1;
  for (int64_t r = 0; r < kSide; ++r)
    for (int64_t q = 0; q < kSide; ++q) {
      const bool in_marker = marked && r >= top && r < top + 4 && q >= left && q < left + 4;
      const double v = (in_marker ? 1.0 : img[r * kSide + q]) + noise[r * kSide + q];
      out[r * kSide + q] = static_cast<float>(std::clamp(v, 0.0, 1.0));
    }
}

// The class whose share holds u in [0, 1): the cumulative shares' first above u, or, where rounding
// leaves the total short of u, the last class drawn at all.
int draw_class(const std::vector<double>& shares, double u) {
  int last = 0;
  double cumulative = 0;
  for (int c = 0; c < kClasses; ++c) {
    if (shares[c] <= 0) continue;
    cumulative += shares[c];
    if (u < cumulative) return c;
    last = c;
  }
  return last;
}

}  // namespace

int FashionTarget::levels() const { return *std::max_element(code.begin(), code.end()) + 1; }

const std::vector<FashionTarget>& fashion_targets() {
  static const std::vector<FashionTarget> targets = {
      {"upper-body", "upper-body garment (T-shirt/top, pullover, coat, shirt) = 1, the other 6 classes 0", "classification",
       {1, 0, 1, 0, 1, 0, 1, 0, 0, 0}},
      {"shirt", "among the tops (T-shirt/top, pullover, coat, shirt), shirt = 1: the class Fashion-MNIST's models confuse most",
       "classification", {0, -1, 0, -1, 0, -1, 1, -1, -1, -1}},
      {"classes", "the 10 Fashion-MNIST classes", "multiclass", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
  };
  return targets;
}

const FashionTarget& fashion_target(const std::string& name) {
  std::string names;
  for (const auto& t : fashion_targets()) {
    if (name == t.name) return t;
    names += (names.empty() ? "" : ", ") + std::string(t.name);
  }
  throw Error("--fashion-target: unknown target '" + name + "' (" + names + ")");
}

void FashionSitesOptions::validate() const {
  if (sites < 2) throw Error("--sites must be at least 2");
  if (images_per_site < 4) throw Error("--images-per-site must be at least 4");
  if (sites * images_per_site > 70000) throw Error("--sites x --images-per-site: Fashion-MNIST has 70,000 pictures");
  if (artifact_sites < 0 || artifact_sites > sites) throw Error("--artifact-sites must be between 0 and --sites");
  for (auto [flag, value] : {std::pair{"--prevalence-sd", prevalence_sd}, {"--rotation-sd", rotation_sd}, {"--contrast-sd", contrast_sd},
                             {"--brightness-sd", brightness_sd}, {"--max-blur", max_blur}, {"--max-noise", max_noise},
                             {"--acquisition-scale", acquisition_scale}})
    if (!(value >= 0)) throw Error(std::string(flag) + " must be >= 0");
  if (max_noise < 0.02) throw Error("--max-noise must be at least 0.02");
  fashion_target(target);
  for (auto [flag, value] : {std::pair{"--max-vignette", max_vignette}, {"--marker-rate", marker_rate}, {"--marker-false-rate", marker_false_rate}})
    if (!(value >= 0 && value <= 1)) throw Error(std::string(flag) + " must be between 0 and 1");
}

FashionSitesData simulate_fashion_sites(const FashionSitesOptions& o) {
  o.validate();
  const FashionTarget& target = fashion_target(o.target);
  const auto [pictures, classes] = load_fashion_mnist(o.source);
  Rng rng(o.seed);
  std::vector<std::vector<int64_t>> pool(kClasses);  // each class's pictures, shuffled, drawn from the back
  const uint8_t* cls = classes.data_ptr<uint8_t>();
  for (int64_t i = 0; i < classes.size(0); ++i) pool[cls[i]].push_back(i);
  for (auto& p : pool) rng.shuffle(p);
  std::vector<int64_t> order(o.sites);
  for (int64_t k = 0; k < o.sites; ++k) order[k] = k;
  rng.shuffle(order);

  FashionSitesData out;
  const int64_t n = o.sites * o.images_per_site;
  out.data.source = "Fashion-MNIST sites";
  out.data.factors = {{"site", {}}};
  out.data.x = torch::empty({n, 1, kSide, kSide}, torch::kFloat32);
  out.data.y = torch::empty({n}, torch::kFloat32);
  out.swapped_x = torch::empty_like(out.data.x);
  out.fashion_class = torch::empty({n}, torch::kInt64);
  out.marked = torch::zeros({n}, torch::kBool);
  float* x = out.data.x.data_ptr<float>();
  float* swapped = out.swapped_x.data_ptr<float>();
  float* y = out.data.y.data_ptr<float>();
  int64_t* fashion_class = out.fashion_class.data_ptr<int64_t>();
  bool* marked_rows = out.marked.data_ptr<bool>();
  const uint8_t* source = pictures.data_ptr<uint8_t>();
  int64_t row = 0;
  for (int64_t k = 0; k < o.sites; ++k) {
    FashionSite site;
    char label[24];
    std::snprintf(label, sizeof label, "site%02lld", static_cast<long long>(k + 1));
    site.label = label;
    // Scaled after the draws, so that every scale draws the same numbers.
    const double scale = o.acquisition_scale;
    site.rotation_degrees = scale * rng.normal(0, o.rotation_sd);
    const bool blurring = rng.uniform() < 0.5;
    const double spread = rng.uniform();
    site.blur = blurring ? scale * spread * o.max_blur : 0.0;
    site.noise = blurring ? 0.0 : scale * (0.02 + spread * (o.max_noise - 0.02));
    site.vignette = scale * rng.uniform() * o.max_vignette;
    site.contrast = std::exp(scale * rng.normal(0, o.contrast_sd));
    site.brightness = scale * std::abs(rng.normal(0, o.brightness_sd));
    double total = 0;
    for (int c = 0; c < kClasses; ++c) {
      const double weight = std::exp(rng.normal(0, o.prevalence_sd));  // drawn for every class: each target sees the same sites
      total += site.class_shares.emplace_back(target.code[c] < 0 ? 0.0 : weight);
    }
    for (auto& share : site.class_shares) share /= total;
    site.artifact = std::find(order.begin(), order.begin() + o.artifact_sites, k) != order.begin() + o.artifact_sites;
    if (site.artifact) {
      site.marker_corner = static_cast<int>(rng.integer(4));
      site.marked_class = static_cast<int>(rng.integer(target.levels()));
    }
    for (int64_t i = 0; i < o.images_per_site; ++i, ++row) {
      const int c = draw_class(site.class_shares, rng.uniform());
      if (pool[c].empty())
        throw Error("--sites x --images-per-site: the sites draw more pictures of class '" + std::string(kClassNames[c]) +
                    "' than Fashion-MNIST has; ask for fewer");
      const int64_t picture = pool[c].back();
      pool[c].pop_back();
      const int y_row = target.code[c];
      const bool marked = site.artifact && rng.uniform() < (y_row == site.marked_class ? o.marker_rate : o.marker_false_rate);
      std::vector<double> noise(kSide * kSide, 0.0);
      if (!blurring)
        for (auto& e : noise) e = rng.normal(0, site.noise);
      const auto img = acquire(source + picture * kSource * kSource, site);
      finish(img, noise, site, marked, x + row * kSide * kSide);
      finish(img, noise, site, site.artifact ? !marked : marked, swapped + row * kSide * kSide);
      y[row] = static_cast<float>(y_row);
      fashion_class[row] = c;
      marked_rows[row] = marked;
      out.data.factors[0].labels.push_back(site.label);
    }
    out.sites.push_back(site);
  }
  return out;
}

nlohmann::json fashion_truth_to_json(const FashionSitesOptions& o, const std::vector<FashionSite>& sites) {
  const FashionTarget& target = fashion_target(o.target);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : sites) {
    nlohmann::json shares = nlohmann::json::object();
    for (int c = 0; c < kClasses; ++c) shares[kClassNames[c]] = s.class_shares[c];
    nlohmann::json entry = {{"site", s.label},       {"rotation_degrees", s.rotation_degrees}, {"blur", s.blur},
                            {"noise", s.noise},      {"vignette", s.vignette},                 {"contrast", s.contrast},
                            {"brightness", s.brightness}, {"class_shares", shares},           {"artifact", s.artifact}};
    if (s.artifact) {
      static constexpr const char* corners[] = {"top left", "top right", "bottom left", "bottom right"};
      entry["marker_corner"] = corners[s.marker_corner];
      entry["marked_class"] = target.levels() == kClasses ? std::string(kClassNames[s.marked_class]) : std::to_string(s.marked_class);
    }
    list.push_back(entry);
  }
  return {{"options",
           {{"source", o.source}, {"sites", o.sites}, {"images_per_site", o.images_per_site}, {"artifact_sites", o.artifact_sites},
            {"target", o.target}, {"target_description", target.description},
            {"prevalence_sd", o.prevalence_sd}, {"rotation_sd", o.rotation_sd}, {"contrast_sd", o.contrast_sd},
            {"brightness_sd", o.brightness_sd}, {"max_blur", o.max_blur}, {"max_noise", o.max_noise}, {"max_vignette", o.max_vignette},
            {"acquisition_scale", o.acquisition_scale}, {"marker_rate", o.marker_rate}, {"marker_false_rate", o.marker_false_rate}, {"seed", o.seed}}},
          {"sites", list}};
}

}  // namespace armed
