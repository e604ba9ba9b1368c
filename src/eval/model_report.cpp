// armed report: what a fitted model learned, as charts (Vega-Lite) in one HTML file.
#include <cmath>
#include <map>
#include <set>

#include "armed/error.h"
#include "armed/eval/report.h"
#include "eval/image_report.h"
#include "likelihood/likelihood.h"
#include "random.h"

namespace armed {
namespace {

using nlohmann::json;

std::string fmt(double v, int digits = 4) {
  if (!std::isfinite(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

json line_chart(const json& rows, const std::string& y_title, const json& extra_layer = nullptr) {
  json layers = json::array({{{"mark", "line"},
                              {"encoding",
                               {{"x", {{"field", "epoch"}, {"type", "quantitative"}}},
                                {"y", {{"field", "value"}, {"type", "quantitative"}, {"title", y_title}, {"scale", {{"zero", false}}}}},
                                {"color", {{"field", "series"}, {"type", "nominal"}}}}}}});
  if (!extra_layer.is_null()) layers.push_back(extra_layer);
  return {{"data", {{"values", rows}}}, {"width", 500}, {"height", 220}, {"layer", layers}};
}

void training_curves(HtmlReport& report, const MixedEffectsModel& model) {
  const auto& history = model.history();
  json losses = json::array(), metrics = json::array(), adversary = json::array(), kl = json::array();
  std::string metric = likelihood(model.config().task).metric_name();
  std::transform(metric.begin(), metric.end(), metric.begin(), [](unsigned char c) { return std::toupper(c); });
  for (const auto& e : history.epochs) {
    auto add = [&](json& rows, const std::string& series, double v) {
      if (std::isfinite(v)) rows.push_back({{"epoch", e.epoch}, {"series", series}, {"value", v}});
    };
    add(losses, "objective", e.loss);
    add(losses, "validation loss", e.val_loss);
    add(metrics, std::string("training ") + metric, e.metric);
    add(metrics, std::string("validation ") + metric, e.val_metric);
    for (const auto& [term, v] : e.terms) {
      if (term == "adversary_accuracy") add(adversary, "adversary accuracy", v);
      else if (term == "kl") add(kl, "KL divergence", v);
      else add(losses, term + " loss", v);
    }
  }
  report.heading("Training");
  report.paragraph("Every loss term per epoch (per L-BFGS step for full-batch fits). The objective is w_mixed L(mixed) + "
                   "w_fixed L(fixed) - w_adversary CE(adversary) + KL term; best epoch kept: " +
                   std::to_string(history.best_epoch) + ".");
  report.chart(line_chart(losses, "loss"));
  report.chart(line_chart(metrics, metric));
  if (!adversary.empty()) {
    // With several factors the accuracy is the adversaries' mean, and so is chance.
    const size_t factors = model.factor_names().size();
    double chance = 0;
    for (size_t f = 0; f < factors; ++f) chance += 1.0 / static_cast<double>(model.clusters(f).size()) / static_cast<double>(factors);
    report.paragraph(std::string(factors == 1 ? "The adversary's accuracy at predicting the cluster"
                                              : "The adversaries' mean accuracy at predicting each factor's cluster") +
                     " from the fixed-effects hidden activations, against chance (1/clusters = " + fmt(chance, 3) +
                     "): near chance means the fixed effects carry little cluster information.");
    report.chart(line_chart(adversary, "accuracy",
                            {{"mark", {{"type", "rule"}, {"strokeDash", {4, 4}}}},
                             {"data", {{"values", {{{"chance", chance}}}}}},
                             {"encoding", {{"y", {{"field", "chance"}, {"type", "quantitative"}}}}}}));
  }
  if (!kl.empty()) report.chart(line_chart(kl, "KL divergence"));
}

void random_effects(HtmlReport& report, const MixedEffectsModel& model) {
  const json e = model.effects();
  const json& factors = e.at("factors");
  for (size_t f = 0; f < factors.size(); ++f) {
    const json& factor = factors[f];
    json rows = json::array(), names = json::array();
    std::vector<std::vector<std::string>> table;
    for (const auto& effect : factor.at("random_effects")) {
      const std::string name = effect.at("name");
      names.push_back(name);
      for (const auto& [cluster, post] : effect.at("clusters").items()) {
        const double m = post.at("mean"), s = post.at("sd");
        rows.push_back({{"effect", name}, {"cluster", cluster}, {"mean", m}, {"lo", m - 1.96 * s}, {"hi", m + 1.96 * s}});
      }
      table.push_back({name, effect.at("prior"), fmt(effect.at("prior_sd")), fmt(effect.at("inter_cluster_sd")),
                       factor.contains("random_effects_sd") ? fmt(factor.at("random_effects_sd").value(name, NAN)) : "-"});
    }
    report.heading(factors.size() == 1 ? std::string("Random effects") : "Random effects of " + factor.at("name").get<std::string>());
    report.paragraph("Each cluster's posterior mean with its 95% interval (mean +- 1.96 posterior SD), on the " +
                     e.at("scale").get<std::string>() + " scale, sorted by mean: a caterpillar plot.");
    report.chart({{"data", {{"values", rows}}},
                  // The effects' own order: Vega-Lite sorts facets as text otherwise (h1, h10, h11, ..., h2).
                  {"facet", {{"field", "effect"}, {"type", "nominal"}, {"sort", names}}},
                  {"columns", 4},
                  {"spec",
                   {{"width", 180},
                    {"height", std::max<int64_t>(120, 12 * model.clusters(f).size())},
                    {"layer",
                     {{{"mark", "rule"},
                       {"encoding",
                        {{"y", {{"field", "cluster"}, {"type", "nominal"}, {"sort", {{"field", "mean"}}}}},
                         {"x", {{"field", "lo"}, {"type", "quantitative"}, {"title", "random effect"}}},
                         {"x2", {{"field", "hi"}}}}}},
                      {{"mark", {{"type", "point"}, {"filled", true}}},
                       {"encoding",
                        {{"y", {{"field", "cluster"}, {"type", "nominal"}, {"sort", {{"field", "mean"}}}}},
                         {"x", {{"field", "mean"}, {"type", "quantitative"}}}}}}}}}},
                  {"resolve", {{"scale", {{"x", "independent"}, {"y", "independent"}}}}}});
    report.paragraph("Variance components: the prior SD (fixed, or learned by empirical Bayes), the inter-cluster SD "
                     "estimated from the posteriors, and, for effects on input features, the SD on the original scale.");
    report.table({"effect", "prior", "prior SD", "inter-cluster SD", "SD (original scale)"}, table);
    if (factor.contains("random_effects_corr"))
      for (const auto& [pair, r] : factor.at("random_effects_corr").items())
        report.paragraph("Correlation " + pair + ": " + fmt(r.get<double>(), 3));
  }
  if (e.contains("fixed_effects")) {
    std::vector<std::vector<std::string>> fixed;
    for (const auto& [name, v] : e.at("fixed_effects").items()) fixed.push_back({name, fmt(v.get<double>())});
    report.paragraph("Fixed effects (linear part, original scale):");
    report.table({"term", "estimate"}, fixed);
  }
  if (e.contains("residual_sd")) report.paragraph("Residual SD: " + fmt(e.at("residual_sd").get<double>()));
}

void cluster_metrics(HtmlReport& report, const MixedEffectsModel& model, const ClusteredData& data) {
  if (!data.has_target()) return;
  const Likelihood& family = likelihood(model.config().task);
  const auto headline = family.headline_metrics();
  const json ev = model.evaluate(data);
  json rows = json::array();
  const std::set<std::string> seen(model.clusters().vocabulary().begin(), model.clusters().vocabulary().end());
  if (ev.contains("clusters"))
    for (const auto& [cluster, m] : ev.at("clusters").items())
      for (const auto& [metric, label] : headline)
        if (m.at(metric).is_number())
          rows.push_back({{"cluster", cluster}, {"metric", metric}, {"value", m.at(metric)},
                          {"cluster seen in training", seen.count(cluster) ? "seen" : "unseen"}});
  report.heading("Metrics on " + data.source);
  std::string unseen = "the fixed effects for new ones";
  if (model.config().has_random_effects()) {
    const auto& records = model.history().membership;
    const MembershipRecord m = records.empty() ? MembershipRecord{} : records.front();
    const std::string choice = m.infer_unseen ? "inferred membership for new ones" : "the fixed effects for new ones";
    unseen = m.held_out_clusters > 0
                 ? choice + ": on " + std::to_string(m.held_out_clusters) + " training clusters, each held out of a second " +
                       "membership predictor's training, the task's loss was " + fmt(m.unseen_loss_inferred) +
                       " with inferred membership and " + fmt(m.unseen_loss_fixed) + " with the fixed effects"
             : m.infer_unseen  // a model written before the judgement on held-out clusters
                 ? choice + ": the membership predictor's held-out accuracy " + fmt(m.held_out_accuracy) + " beat chance (" + fmt(m.chance) + ")"
                 : choice + ": inferred membership was not judged on held-out clusters (it takes three or more)";
  }
  report.paragraph("Per cluster" + (model.factor_names().size() > 1 ? " of " + model.cluster_name() : std::string()) +
                   ", as predict serves each row by default (mixed for clusters seen in training, " + unseen + ").");
  if (!rows.empty())
    report.chart({{"data", {{"values", rows}}},
                  {"mark", "bar"},
                  {"width", std::max<int64_t>(200, 14 * static_cast<int64_t>(rows.size() / 2))},
                  {"height", 140},
                  {"encoding",
                   {{"row", {{"field", "metric"}, {"type", "nominal"}}},
                    {"x", {{"field", "cluster"}, {"type", "nominal"}, {"sort", nullptr}}},
                    {"y", {{"field", "value"}, {"type", "quantitative"}}},
                    {"color", {{"field", "cluster seen in training"}, {"type", "nominal"}}}}},
                  {"resolve", {{"scale", {{"y", "independent"}}}}}});
  // The same data served each way, where the model offers it: seen and unseen results side by side.
  std::vector<std::vector<std::string>> table;
  // With several factors, a row is served by the combination of its factors' modes.
  const Predictions served = model.predict(data);
  std::map<std::string, std::vector<int64_t>> by_mode;
  for (size_t i = 0; i < served.value.size(); ++i) by_mode[served.combined_mode(i)].push_back(static_cast<int64_t>(i));
  for (const char* mode : {"mixed", "inferred", "fixed"}) {
    auto it = by_mode.find(mode);
    if (it == by_mode.end()) continue;
    const json o = model.evaluate(subset(data, it->second))["overall"];
    table.push_back({std::string(mode), std::to_string(it->second.size()), fmt(o.value(headline[0].first, NAN)),
                     fmt(o.value(headline[1].first, NAN))});
    by_mode.erase(it);
  }
  for (const auto& [mode, index] : by_mode) {
    const json o = model.evaluate(subset(data, index))["overall"];
    table.push_back({mode, std::to_string(index.size()), fmt(o.value(headline[0].first, NAN)), fmt(o.value(headline[1].first, NAN))});
  }
  report.table({"served as", "rows", headline[0].second, headline[1].second}, table);
}

double overall_metric(const MixedEffectsModel& model, const ClusteredData& data) {
  const json o = model.evaluate(data)["overall"];
  return likelihood(model.config().task).score(o);
}

void feature_sensitivity(HtmlReport& report, const MixedEffectsModel& model, const ClusteredData& data, uint64_t seed) {
  const auto& names = model.feature_names();
  auto mean_x = data.x.to(torch::kFloat64).mean(0).contiguous();
  // A multiclass prediction is one probability per class: no single gradient.
  const bool per_class = likelihood(model.config().task).one_column_per_class();
  const auto gradient =
      per_class ? std::vector<double>(names.size(), NAN)
                : model.fixed_effects_gradient(std::vector<double>(mean_x.data_ptr<double>(), mean_x.data_ptr<double>() + mean_x.numel()));
  const double base = data.has_target() ? overall_metric(model, data) : NAN;
  Rng rng(seed);
  json rows = json::array();
  std::vector<std::vector<std::string>> table;
  for (size_t j = 0; j < names.size(); ++j) {
    // Share of the feature's variance between clusters (eta squared): high means the cluster predicts it.
    double association = NAN;
    if (data.has_clusters()) {
      std::map<std::string, std::pair<double, double>> sums;
      auto col = data.x.select(1, static_cast<int64_t>(j)).to(torch::kFloat64).contiguous();
      const double* v = col.data_ptr<double>();
      double total = 0.0, mean = col.mean().item<double>();
      for (int64_t i = 0; i < data.rows(); ++i) {
        sums[data.clusters()[i]].first += v[i];
        sums[data.clusters()[i]].second += 1.0;
        total += (v[i] - mean) * (v[i] - mean);
      }
      double between = 0.0;
      for (const auto& [c, s] : sums) between += s.second * std::pow(s.first / s.second - mean, 2);
      association = total > 0 ? between / total : 0.0;
    }
    double importance = NAN;
    if (data.has_target()) {
      ClusteredData permuted = data;
      std::vector<int64_t> order(static_cast<size_t>(data.rows()));
      for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
      rng.shuffle(order);
      permuted.x = data.x.clone();
      permuted.x.select(1, static_cast<int64_t>(j)).copy_(data.x.select(1, static_cast<int64_t>(j)).index_select(0, torch::tensor(order)));
      importance = base - overall_metric(model, permuted);
    }
    const std::string flag = association > 0.1 ? "cluster-associated" : "not cluster-associated";
    if (!per_class)
      rows.push_back({{"feature", names[j]}, {"measure", "|gradient| at mean input"}, {"value", std::abs(gradient[j])}, {"cluster", flag}});
    if (std::isfinite(importance))
      rows.push_back({{"feature", names[j]}, {"measure", "permutation importance"}, {"value", importance}, {"cluster", flag}});
    table.push_back({names[j], fmt(std::abs(gradient[j])), fmt(importance), fmt(association, 3)});
  }
  report.heading("Feature sensitivity");
  report.paragraph("Fixed-effects part: absolute gradient of its prediction with respect to each standardized feature at "
                   "the mean input (Z = 0), and permutation importance (drop in " +
                   std::string(likelihood(model.config().task).score_label()) +
                   " when the feature is shuffled). Features whose variance lies largely between clusters (eta squared > "
                   "0.1) are marked: the cluster predicts them, so they may be confounders.");
  report.chart({{"data", {{"values", rows}}},
                {"mark", "bar"},
                {"width", std::max<size_t>(160, 40 * names.size())},
                {"height", 160},
                {"encoding",
                 {{"column", {{"field", "measure"}, {"type", "nominal"}}},
                  {"x", {{"field", "feature"}, {"type", "nominal"}, {"sort", nullptr}}},
                  {"y", {{"field", "value"}, {"type", "quantitative"}}},
                  {"color", {{"field", "cluster"}, {"type", "nominal"}, {"title", "feature"}}}}},
                {"resolve", {{"scale", {{"y", "independent"}}}}}});
  report.table({"feature", "|gradient|", "permutation importance", "eta squared by cluster"}, table);
}

void decision_boundaries(HtmlReport& report, const MixedEffectsModel& model, const ClusteredData& data) {
  // Panels per cluster of the model's first factor; other factors' effects are left out (fixed).
  const GroupingFactor* first = data.factor(model.cluster_name());
  const Likelihood& family = likelihood(model.config().task);
  if (model.feature_names().size() != 2 || !family.predicts_probability() || family.one_column_per_class() || !first) return;
  constexpr int64_t grid = 40, max_panels = 12, max_points = 250;
  auto lo = std::get<0>(data.x.min(0)), hi = std::get<0>(data.x.max(0));
  auto margin = (hi - lo) * 0.05;
  lo = lo - margin;
  hi = hi + margin;
  auto g1 = torch::linspace(lo[0].item<double>(), hi[0].item<double>(), grid);
  auto g2 = torch::linspace(lo[1].item<double>(), hi[1].item<double>(), grid);
  auto mesh = torch::meshgrid({g1, g2}, "ij");
  ClusteredData grid_data;
  grid_data.source = "grid";
  grid_data.feature_columns = data.feature_columns;
  grid_data.feature_names = data.feature_names;
  grid_data.x = torch::stack({mesh[0].flatten(), mesh[1].flatten()}, 1).to(torch::kFloat32);
  const int64_t cells = grid * grid;
  json rows = json::array();
  auto add_panel = [&](const std::string& panel, const Predictions& p, const std::vector<int64_t>& points) {
    for (int64_t i = 0; i < cells; ++i)
      rows.push_back({{"panel", panel}, {"kind", "grid"}, {"x1", grid_data.x[i][0].item<float>()},
                      {"x2", grid_data.x[i][1].item<float>()}, {"p", p.value[i]}});
    for (int64_t i : points)
      rows.push_back({{"panel", panel}, {"kind", "data"}, {"x1", data.x[i][0].item<float>()}, {"x2", data.x[i][1].item<float>()},
                      {"class", std::to_string(static_cast<int>(data.y.defined() ? data.y[i].item<float>() : 0))}});
  };
  std::map<std::string, std::vector<int64_t>> by_cluster;
  for (int64_t i = 0; i < data.rows(); ++i) by_cluster[first->labels[i]].push_back(i);
  std::vector<int64_t> all_points;
  for (int64_t i = 0; i < data.rows(); i += std::max<int64_t>(1, data.rows() / max_points)) all_points.push_back(i);
  add_panel("fixed effects (Z = 0)", model.predict(grid_data, PredictMode::fixed), all_points);
  int64_t panels = 0;
  for (const auto& [cluster, index] : by_cluster) {
    if (model.clusters().id(cluster) < 0 || !model.config().has_random_effects() || ++panels > max_panels) continue;
    grid_data.factors = {{model.cluster_name(), std::vector<std::string>(static_cast<size_t>(cells), cluster)}};
    std::vector<int64_t> points;
    for (size_t k = 0; k < index.size(); k += std::max<size_t>(1, index.size() / max_points)) points.push_back(index[k]);
    add_panel("cluster " + cluster + " (mixed)", model.predict(grid_data, PredictMode::automatic, UnseenMode::fixed), points);
  }
  report.heading("Decision boundaries");
  report.paragraph("Predicted probability of class 1 over the two features: the fixed effects alone, and the mixed "
                   "prediction of each seen cluster with that cluster's points (up to " + std::to_string(max_panels) +
                   " clusters" + (model.factor_names().size() > 1 ? " of " + model.cluster_name() + ", the other factors' effects left out" : "") +
                   ").");
  const json x = {{"field", "x1"}, {"type", "quantitative"}, {"title", data.feature_names[0]}};
  const json y = {{"field", "x2"}, {"type", "quantitative"}, {"title", data.feature_names[1]}};
  report.chart({{"data", {{"values", rows}}},
                {"facet", {{"field", "panel"}, {"type", "nominal"}, {"title", nullptr}}},
                {"columns", 4},
                {"spec",
                 {{"width", 200},
                  {"height", 200},
                  {"layer",
                   {{{"transform", {{{"filter", "datum.kind === 'grid'"}}}},
                     {"mark", {{"type", "square"}, {"size", 40}, {"opacity", 0.8}}},
                     {"encoding", {{"x", x}, {"y", y}, {"color", {{"field", "p"}, {"type", "quantitative"}, {"scale", {{"scheme", "blueorange"}, {"domain", {0, 1}}}}}}}}},
                    {{"transform", {{{"filter", "datum.kind === 'data'"}}}},
                     {"mark", {{"type", "point"}, {"size", 8}, {"filled", true}}},
                     {"encoding", {{"x", x}, {"y", y}, {"shape", {{"field", "class"}, {"type", "nominal"}}},
                                   {"color", {{"value", "black"}}}}}}}}}}});
}

void compared_metrics(HtmlReport& report, const MixedEffectsModel& model, const MixedEffectsModel& compare, const ClusteredData& data) {
  if (!data.has_target()) return;
  const auto headline = likelihood(model.config().task).headline_metrics();
  std::vector<std::vector<std::string>> table;
  for (const MixedEffectsModel* m : {&model, &compare}) {
    const json overall = m->evaluate(data)["overall"];
    table.push_back({m->config().model, fmt(overall.value(headline[0].first, NAN)), fmt(overall.value(headline[1].first, NAN))});
  }
  report.heading("Compared with " + compare.config().model);
  report.paragraph("Both models on the same rows, each served as predict serves it by default.");
  report.table({"model", headline[0].second, headline[1].second}, table);
}

}  // namespace

void write_model_report(const MixedEffectsModel& model, const ClusteredData& data, const std::string& path, uint64_t seed,
                        const MixedEffectsModel* compare) {
  const auto& cfg = model.config();
  if (compare) {
    if (compare->config().for_images() != cfg.for_images() || compare->input_shape() != model.input_shape())
      throw Error("--compare: a '" + compare->config().model + "' model does not read the same inputs as the '" + cfg.model + "' model");
    if (compare->target_name() != model.target_name())
      throw Error("--compare: the models predict different targets ('" + compare->target_name() + "' and '" + model.target_name() + "')");
  }
  HtmlReport report("armed report: " + cfg.model + " model");
  std::string features;
  if (cfg.for_images()) {
    const auto& shape = model.input_shape();
    features = "images " + std::to_string(shape[1]) + " x " + std::to_string(shape[2]) + " x " + std::to_string(shape[0]);
  }
  for (const auto& f : model.feature_names()) features += (features.empty() ? "" : ", ") + f;
  std::string clusters;  // per factor, with its name when there are several
  for (size_t f = 0; f < model.factor_names().size(); ++f)
    clusters += (clusters.empty() ? "" : ", ") + (model.factor_names().size() == 1 ? "" : model.factor_names()[f] + " ") +
                std::to_string(model.clusters(f).size());
  report.table({"model", "task", "fixed effects", "training clusters", "features", "epochs run", "data rows"},
               {{cfg.model, cfg.task, cfg.fe, clusters, features,
                 std::to_string(model.history().epochs.size()), std::to_string(data.rows())}});
  if (!cfg.formula.empty()) report.paragraph("Formula: " + cfg.formula);
  training_curves(report, model);
  if (cfg.has_random_effects()) random_effects(report, model);
  cluster_metrics(report, model, data);
  if (compare) compared_metrics(report, model, *compare, data);
  if (cfg.for_images()) {
    add_image_sections(report, model, data, compare, seed);
  } else {
    feature_sensitivity(report, model, data, seed);
    decision_boundaries(report, model, data);
  }
  report.write(path);
}

}  // namespace armed
