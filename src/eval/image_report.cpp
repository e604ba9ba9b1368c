// armed report on an image model: pictures of where it looks, of its sites' styles and of its
// latent, and its block random effects.
#include "eval/image_report.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "armed/error.h"
#include "eval/probe.h"
#include "io/png_writer.h"
#include "metrics/separation.h"
#include "random.h"

namespace armed {
namespace {

using nlohmann::json;

constexpr int64_t kSamplePictures = 8;   // sample pictures per grid (at least one per class)
constexpr size_t kSitesShown = 6;        // sites per grid
constexpr int64_t kRowsPerMean = 48;     // pictures averaged per class or site
constexpr int64_t kLatentPoints = 2000;  // points drawn in the latent map
constexpr int kDisplayPx = 84;

// The value range pictures are drawn in: the data's, so every picture shares one scale.
struct Range {
  double lo, hi;
  torch::Tensor unit(const torch::Tensor& values) const {  // in [0, 1]
    return ((values.to(torch::kFloat64) - lo) / std::max(hi - lo, 1e-12)).clamp(0, 1);
  }
};

// `count` of the labels, spread over their order rather than the first few; all when fewer.
std::vector<std::string> evenly_spread(const std::vector<std::string>& labels, size_t count) {
  if (labels.size() <= count) return labels;
  std::vector<std::string> spread;
  for (size_t k = 0; k < count; ++k) spread.push_back(labels[k * labels.size() / count]);
  return spread;
}

std::string to_png(torch::Tensor hwc) {  // [H, W, channels] in [0, 1]
  hwc = hwc.mul(255).round().clamp(0, 255).to(torch::kUInt8).contiguous();
  return encode_png(hwc.data_ptr<uint8_t>(), hwc.size(1), hwc.size(0), static_cast<int>(hwc.size(2)));
}

// [C, H, W] as stored: gray or RGB (other channel counts: their mean, in gray).
std::string picture_png(const torch::Tensor& image, const Range& range) {
  torch::Tensor chw = image.to(torch::kFloat64);
  if (chw.size(0) != 1 && chw.size(0) != 3) chw = chw.mean(0, /*keepdim=*/true);
  return to_png(range.unit(chw).permute({1, 2, 0}));
}

// The picture in dimmed gray under a heat map of `map` (0: none; `top` and above: full), from red to yellow.
std::string saliency_png(const torch::Tensor& image, const torch::Tensor& map, const Range& range, double top) {
  const auto gray = range.unit(image.to(torch::kFloat64).mean(0)) * 0.6;
  const auto heat = (map.to(torch::kFloat64) / top).clamp(0, 1);
  const auto under = gray * (1 - heat);
  return to_png(torch::stack({under + heat, under + heat * heat, under}, 2));
}

// A map's scale for drawing: its 99th percentile, so one bright pixel does not wash out the rest.
double top_of(const torch::Tensor& map) {
  const double q = torch::quantile(map.flatten().to(torch::kFloat64), 0.99).item<double>();
  return q > 0 ? q : 1.0;
}

// Each class's name: the target's levels where it has them ("class 0", "class 1" otherwise).
std::vector<std::string> class_names(const MixedEffectsModel& model, const std::vector<int64_t>& labels) {
  std::vector<std::string> names = model.data_spec().target_levels;
  const int64_t classes = labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end()) + 1;
  for (int64_t c = static_cast<int64_t>(names.size()); c < classes; ++c) names.push_back("class " + std::to_string(c));
  return names;
}

// A site's label, led by the factor's name unless it already is (site01, not site site01).
std::string site_label(const ClusteredData& data, const std::string& site) {
  const std::string& factor = data.cluster_name();
  return site.rfind(factor, 0) == 0 ? site : factor + " " + site;
}

// Whether every grouping factor of the row's was seen in training: its mixed prediction exists.
std::vector<bool> seen_rows(const MixedEffectsModel& model, const ClusteredData& data) {
  std::vector<bool> seen(static_cast<size_t>(data.rows()), true);
  for (size_t f = 0; f < model.factor_names().size(); ++f) {
    const GroupingFactor* factor = data.factor(model.factor_names()[f]);
    for (size_t i = 0; i < seen.size(); ++i) seen[i] = seen[i] && factor && model.clusters(f).id(factor->labels[i]) >= 0;
  }
  return seen;
}

// What the pictures show: sample rows spread over classes and sites, and rows to average per
// class and per site; seen rows where there are any, as only they have a mixed prediction.
struct Picks {
  std::vector<int64_t> samples;
  std::vector<std::pair<std::string, std::vector<int64_t>>> groups;  // label, rows
  std::vector<std::string> sites;                                      // the sites shown
};

Picks pick_rows(const ClusteredData& data, const std::vector<int64_t>& labels, const std::vector<std::string>& names,
                const std::vector<bool>& seen) {
  const bool any_seen = std::find(seen.begin(), seen.end(), true) != seen.end();
  std::map<std::string, std::map<int64_t, std::vector<int64_t>>> by_site_class;
  for (int64_t i = 0; i < data.rows(); ++i)
    if (seen[static_cast<size_t>(i)] || !any_seen)
      by_site_class[data.has_clusters() ? data.clusters()[i] : std::string()][labels.empty() ? 0 : labels[i]].push_back(i);
  Picks picks;
  std::vector<std::string> sites;
  for (const auto& [site, classes] : by_site_class) sites.push_back(site);
  picks.sites = evenly_spread(sites, kSitesShown);
  // Sample pictures from one site after another, the class shifting with the site, so the rows
  // cover the classes and as many sites as they can.
  const int64_t classes = std::max<int64_t>(1, static_cast<int64_t>(names.size()));
  const size_t wanted = static_cast<size_t>(std::max(kSamplePictures, classes));
  for (size_t round = 0; picks.samples.size() < wanted; ++round) {
    const size_t before = picks.samples.size();
    for (int64_t shift = 0; shift < classes; ++shift) {
      int64_t s = 0;
      for (auto site = by_site_class.begin(); site != by_site_class.end() && picks.samples.size() < wanted; ++site, ++s) {
        const auto rows = site->second.find((s + shift) % classes);
        if (rows != site->second.end() && round < rows->second.size()) picks.samples.push_back(rows->second[round]);
      }
    }
    if (picks.samples.size() == before) break;
  }
  for (int64_t c = 0; c < static_cast<int64_t>(names.size()); ++c) {
    std::vector<int64_t> rows;  // round-robin over the sites, so no site dominates a class's mean
    for (size_t round = 0; static_cast<int64_t>(rows.size()) < kRowsPerMean; ++round) {
      const size_t before = rows.size();
      for (const auto& [site, per_class] : by_site_class) {
        const auto it = per_class.find(c);
        if (it != per_class.end() && round < it->second.size() && static_cast<int64_t>(rows.size()) < kRowsPerMean)
          rows.push_back(it->second[round]);
      }
      if (rows.size() == before) break;
    }
    if (!rows.empty()) picks.groups.push_back({names[static_cast<size_t>(c)], rows});
  }
  for (const auto& site : picks.sites) {
    std::vector<int64_t> rows;
    for (const auto& [c, r] : by_site_class[site]) rows.insert(rows.end(), r.begin(), r.end());
    std::sort(rows.begin(), rows.end());
    rows.resize(std::min<size_t>(rows.size(), kRowsPerMean));
    picks.groups.push_back({site_label(data, site), rows});
  }
  return picks;
}

std::string row_label(const ClusteredData& data, const std::vector<int64_t>& labels, const std::vector<std::string>& names, int64_t i) {
  std::string label = labels.empty() ? "" : names[static_cast<size_t>(labels[i])];
  if (data.has_clusters()) label += (label.empty() ? "" : ", ") + site_label(data, data.clusters()[i]);
  return label;
}

void saliency_section(HtmlReport& report, const MixedEffectsModel& model, const ClusteredData& data, const MixedEffectsModel* compare,
                      const std::vector<int64_t>& labels, const std::vector<std::string>& names, const Picks& picks,
                      const Range& range) {
  // Every row a grid shows, once.
  std::vector<int64_t> rows = picks.samples;
  for (const auto& [label, group] : picks.groups) rows.insert(rows.end(), group.begin(), group.end());
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  std::map<int64_t, int64_t> position;
  for (size_t k = 0; k < rows.size(); ++k) position[rows[k]] = static_cast<int64_t>(k);
  const ClusteredData shown = subset(data, rows);
  const std::vector<bool> seen = seen_rows(model, shown);
  const bool all_seen = std::find(seen.begin(), seen.end(), false) == seen.end();

  std::vector<std::pair<std::string, torch::Tensor>> columns = {
      {"fixed effects", model.saliency(shown, PredictMode::fixed)}};
  if (model.config().has_random_effects() && all_seen)
    columns.push_back({"mixed (the picture's site)", model.saliency(shown, PredictMode::mixed)});
  if (compare) {
    const std::vector<bool> seen_by_compare = seen_rows(*compare, shown);
    const bool mixed = compare->config().has_random_effects() &&
                       std::find(seen_by_compare.begin(), seen_by_compare.end(), false) == seen_by_compare.end();
    columns.push_back({compare->config().model + (mixed ? " (mixed)" : ""),
                       compare->saliency(shown, mixed ? PredictMode::mixed : PredictMode::fixed)});
  }
  std::vector<std::string> header = {"picture"};
  for (const auto& [name, maps] : columns) header.push_back(name);

  report.heading("Where the network looks");
  report.paragraph("Occlusion saliency: how far the prediction's logit (multiclass: the most probable class's) moves when a "
                   "square of the picture (a seventh of its side) is covered with the data's typical background, per pixel "
                   "averaged over the squares covering it; red to yellow over the dimmed picture, each map scaled to its 99th "
                   "percentile. The fixed effects are what the model serves for sites it never saw; the mixed prediction adds "
                   "the picture's site's random effects." +
                   std::string(model.config().has_random_effects() && !all_seen
                                   ? " (No mixed column: some pictures come from sites the model did not see.)"
                                   : ""));
  std::vector<std::string> row_labels;
  std::vector<std::vector<std::string>> cells;
  for (const int64_t i : picks.samples) {
    const int64_t k = position[i];
    row_labels.push_back(row_label(data, labels, names, i));
    std::vector<std::string> row = {picture_png(data.x[i], range)};
    for (const auto& [name, maps] : columns) row.push_back(saliency_png(data.x[i], maps[k], range, top_of(maps[k])));
    cells.push_back(row);
  }
  report.picture_grid(header, row_labels, cells, kDisplayPx);

  report.paragraph("Averaged over up to " + std::to_string(kRowsPerMean) + " pictures of each class (spread over the sites) and " +
                   "of each of " + std::to_string(picks.sites.size()) + " sites: where the model looks for a class, and " +
                   "what it looks at in one site's pictures (a site's marker or artifact shows as a spot the other sites lack).");
  row_labels.clear();
  cells.clear();
  header[0] = "mean picture";
  for (const auto& [label, group] : picks.groups) {
    std::vector<int64_t> at;
    for (const int64_t i : group) at.push_back(position[i]);
    const auto index = torch::tensor(at, torch::kInt64);
    const torch::Tensor mean_picture = shown.x.index_select(0, index).mean(0);
    row_labels.push_back(label + " (" + std::to_string(group.size()) + ")");
    std::vector<std::string> row = {picture_png(mean_picture, range)};
    for (const auto& [name, maps] : columns) {
      const torch::Tensor mean_map = maps.index_select(0, index).mean(0);
      row.push_back(saliency_png(mean_picture, mean_map, range, top_of(mean_map)));
    }
    cells.push_back(row);
  }
  report.picture_grid(header, row_labels, cells, kDisplayPx);
}

void sites_styles_section(HtmlReport& report, const MixedEffectsModel& model, const ClusteredData& data, const Picks& picks,
                          const Range& range, const std::vector<int64_t>& labels, const std::vector<std::string>& names) {
  const auto& vocabulary = model.clusters().vocabulary();
  const std::vector<std::string> sites = evenly_spread(vocabulary, kSitesShown);
  std::vector<int64_t> rows(picks.samples.begin(), picks.samples.begin() + std::min<size_t>(picks.samples.size(), 4));
  const ClusteredData pictures = subset(data, rows);
  std::vector<torch::Tensor> decoded = {model.reconstruct(pictures)};
  for (const auto& site : sites) decoded.push_back(model.reconstruct(pictures, site));
  std::vector<std::string> header = {"picture", "fixed-effects decoder"};
  for (const auto& site : sites) header.push_back("as " + site_label(data, site));
  std::vector<std::string> row_labels;
  std::vector<std::vector<std::string>> cells;
  for (size_t r = 0; r < rows.size(); ++r) {
    row_labels.push_back(row_label(data, labels, names, rows[r]));
    std::vector<std::string> row = {picture_png(data.x[rows[r]], range)};
    for (const auto& d : decoded) row.push_back(picture_png(d[static_cast<int64_t>(r)], range));
    cells.push_back(row);
  }
  report.heading("The sites' styles");
  report.paragraph("Each picture's latent decoded without a site (the fixed-effects decoder) and by the random-effects decoder as " +
                   std::to_string(sites.size()) + " of the " + std::to_string(vocabulary.size()) +
                   " training sites: what each site's acquisition does to a picture, as the model learned it.");
  report.picture_grid(header, row_labels, cells, kDisplayPx);
}

void latent_section(HtmlReport& report, const MixedEffectsModel& model, const ClusteredData& data, const std::vector<int64_t>& labels,
                    const std::vector<std::string>& names, uint64_t seed) {
  const torch::Tensor latent = model.embed(data).to(torch::kFloat64);
  const torch::Tensor centred = latent - latent.mean(0);
  const auto [u, s, vh] = torch::linalg::svd(centred, /*full_matrices=*/false, /*driver=*/c10::nullopt);
  const int64_t dims = std::min<int64_t>(2, s.size(0));
  const torch::Tensor coords = u.narrow(1, 0, dims) * s.narrow(0, 0, dims);
  const torch::Tensor variance = s.square() / s.square().sum();

  // Sites as 0..k-1 in the data's own sorted labels (unseen sites included).
  std::map<std::string, int64_t> site_id;
  if (data.has_clusters())
    for (const auto& c : data.clusters()) site_id.emplace(c, 0);
  int64_t next = 0;
  for (auto& [site, id] : site_id) id = next++;
  json points = json::array();
  const int64_t step = std::max<int64_t>(1, data.rows() / kLatentPoints);
  for (int64_t i = 0; i < data.rows(); i += step)
    points.push_back({{"pc1", coords[i][0].item<double>()}, {"pc2", dims > 1 ? coords[i][1].item<double>() : 0.0},
                      {"site", data.has_clusters() ? data.clusters()[i] : ""},
                      {"class", labels.empty() ? "" : names[static_cast<size_t>(labels[i])]}});
  const auto panel = [&](const std::string& field) {
    return json{{"width", 360},
                {"height", 300},
                {"title", "coloured by " + field},
                {"mark", {{"type", "circle"}, {"size", 14}, {"opacity", 0.6}}},
                {"encoding",
                 {{"x", {{"field", "pc1"}, {"type", "quantitative"}, {"title", "PC1"}}},
                  {"y", {{"field", "pc2"}, {"type", "quantitative"}, {"title", "PC2"}}},
                  {"color", {{"field", field}, {"type", "nominal"}, {"scale", {{"scheme", "category20"}}}}}}}};
  };
  report.heading("The latent map");
  char share[64];
  std::snprintf(share, sizeof share, "%.0f%% and %.0f%%", 100 * variance[0].item<double>(), dims > 1 ? 100 * variance[1].item<double>() : 0.0);
  report.paragraph("The fixed-effects latent of every picture (up to " + std::to_string(kLatentPoints) +
                   " drawn) projected on its first two principal components (" + share +
                   " of its variance): a latent free of the site mixes the sites' colours and separates the classes.");
  report.chart({{"data", {{"values", points}}}, {"hconcat", {panel("site"), panel("class")}}, {"resolve", {{"scale", {{"color", "independent"}}}}}});
  if (site_id.size() < 2 || static_cast<int64_t>(site_id.size()) >= data.rows()) return;
  std::vector<int64_t> site(static_cast<size_t>(data.rows()));
  for (int64_t i = 0; i < data.rows(); ++i) site[static_cast<size_t>(i)] = site_id.at(data.clusters()[i]);
  const auto groups = torch::tensor(site, torch::kInt64);
  std::vector<int64_t> order(site.size());
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed);
  rng.shuffle(order);
  const auto half = static_cast<int64_t>(order.size() / 2);
  const auto train = torch::tensor(std::vector<int64_t>(order.begin(), order.begin() + half), torch::kInt64);
  const auto test = torch::tensor(std::vector<int64_t>(order.begin() + half, order.end()), torch::kInt64);
  const double probe = linear_probe_accuracy(latent.index_select(0, train).to(torch::kFloat32), groups.index_select(0, train),
                                             latent.index_select(0, test).to(torch::kFloat32), groups.index_select(0, test), next);
  char chance[32], probe_text[32], db[32], ch[32];
  std::snprintf(chance, sizeof chance, "%.3f", 1.0 / static_cast<double>(next));
  std::snprintf(probe_text, sizeof probe_text, "%.3f", probe);
  std::snprintf(db, sizeof db, "%.2f", davies_bouldin(latent, groups));
  std::snprintf(ch, sizeof ch, "%.2f", calinski_harabasz(latent, groups));
  report.paragraph("How much of the site the latent carries: a linear probe's accuracy at telling the site (trained on half the "
                   "pictures, tested on the other half; chance 1/sites), and the latent grouped by site scored as the ARMED "
                   "paper does (Davies-Bouldin high and Calinski-Harabasz low: the sites do not separate).");
  report.table({"sites", "site probe accuracy", "chance", "Davies-Bouldin", "Calinski-Harabasz"},
               {{std::to_string(next), probe_text, chance, db, ch}});
}

void block_effects_section(HtmlReport& report, const MixedEffectsModel& model) {
  const json effects = model.effects();
  for (const auto& factor : effects.at("factors")) {
    if (!factor.contains("block_effects")) continue;
    std::map<int64_t, json> by_block;  // block -> rows
    for (const auto& unit : factor.at("block_effects")) {
      json& rows = by_block[unit.at("block").get<int64_t>()];
      if (rows.is_null()) rows = json::array();
      for (const auto& [cluster, post] : unit.at("clusters").items()) {
        const double m = post.at("mean"), s = post.at("sd");
        rows.push_back({{"effect", unit.at("effect")}, {"filter", unit.at("filter")}, {"cluster", cluster},
                        {"mean", m}, {"lo", m - 1.96 * s}, {"hi", m + 1.96 * s}});
      }
    }
    report.heading("Block random effects" + (effects.at("factors").size() > 1 ? " of " + factor.at("name").get<std::string>() : ""));
    report.paragraph("Each site's scale (gamma) and bias (beta) per filter after a convolution block's normalization, "
                     "(1 + gamma) h + beta: posterior means (points, coloured by site) with their 95% intervals (lines). "
                     "Filters whose sites spread wide are where the sites' pictures differ for the network.");
    for (const auto& [block, rows] : by_block) {
      const json y = {{"field", "filter"}, {"type", "ordinal"}};
      report.chart({{"data", {{"values", rows}}},
                    {"title", "block " + std::to_string(block)},
                    {"facet", {{"column", {{"field", "effect"}, {"type", "nominal"}, {"sort", json::array({"scale", "bias"})}}}}},
                    {"spec",
                     {{"width", 260},
                      {"height", std::max<int64_t>(120, 10 * static_cast<int64_t>(rows.size()) / 2 /
                                                             std::max<int64_t>(1, model.clusters().size()))},
                      {"layer",
                       {{{"mark", {{"type", "rule"}, {"opacity", 0.3}}},
                         {"encoding", {{"y", y}, {"x", {{"field", "lo"}, {"type", "quantitative"}, {"title", "random effect"}}},
                                       {"x2", {{"field", "hi"}}}, {"color", {{"field", "cluster"}, {"type", "nominal"}}}}}},
                        {{"mark", {{"type", "point"}, {"filled", true}, {"size", 16}}},
                         {"encoding", {{"y", y}, {"x", {{"field", "mean"}, {"type", "quantitative"}}},
                                       {"color", {{"field", "cluster"}, {"type", "nominal"}, {"title", "site"},
                                                  {"scale", {{"scheme", "category20"}}}}}}}}}}}},
                    {"resolve", {{"scale", {{"x", "independent"}}}}}});
    }
  }
}

}  // namespace

void add_image_sections(HtmlReport& report, const MixedEffectsModel& model, const ClusteredData& data,
                        const MixedEffectsModel* compare, uint64_t seed) {
  if (data.rows() == 0) throw Error(data.source + ": no pictures to report on");
  const std::vector<int64_t> labels = data.has_target() ? target_labels(data) : std::vector<int64_t>();
  const std::vector<std::string> names = class_names(model, labels);
  const Range range{data.x.min().item<double>(), data.x.max().item<double>()};
  const Picks picks = pick_rows(data, labels, names, seen_rows(model, data));
  saliency_section(report, model, data, compare, labels, names, picks, range);
  if (model.config().kind().backbone == Backbone::autoencoder) {
    if (model.config().has_random_effects()) sites_styles_section(report, model, data, picks, range, labels, names);
    latent_section(report, model, data, labels, names, seed);
  }
  block_effects_section(report, model);
}

}  // namespace armed
