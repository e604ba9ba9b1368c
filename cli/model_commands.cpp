// armed predict, evaluate.
#include <fstream>
#include <iostream>
#include <limits>

#include "armed/data/csv.h"
#include "armed/data/images.h"
#include "armed/error.h"
#include "eval/effects_text.h"
#include "armed/eval/report.h"
#include "armed/model.h"
#include "commands.h"

namespace armed::cli {

void add_image_options(CLI::App* cmd, ImageSource& images) {
  cmd->add_option("--images", images.npy, "image models: .npy of N images (N x H x W or N x H x W x C) matching --data's rows");
  cmd->add_option("--image-column", images.image_column, "image models: --data is a manifest whose column holds PNG paths");
}

ClusteredData load_for_model(const MixedEffectsModel& model, const std::string& path, const ImageSource& images) {
  const bool given = !images.npy.empty() || !images.image_column.empty();
  if (model.config().for_images() && !given)
    throw Error("a '" + model.config().model + "' model reads images: give --images FILE.npy or --image-column COLUMN");
  if (!model.config().for_images() && given)
    throw Error(std::string(images.npy.empty() ? "--image-column" : "--images") + ": a '" + model.config().model +
                "' model reads a CSV of features, not images");
  return given ? load_image_data(path, images, model.data_spec()) : load_clustered_csv(path, model.data_spec());
}

void add_predict(CLI::App& app, const GlobalOptions& global) {
  struct Args {
    std::string model, data, out, mode = "auto", unseen = "auto";
    double interval = 0;
    ImageSource images;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("predict", "write one prediction per input row");
  add_image_options(cmd, a->images);
  cmd->add_option("--model", a->model, "model directory written by armed train")->required();
  cmd->add_option("--data", a->data, "CSV with the model's feature columns (target optional)")->required();
  cmd->add_option("--out", a->out, "predictions CSV to write (cluster, prediction, mode; with several grouping factors each one's cluster and mode)")->required();
  cmd->add_option("--mode", a->mode,
                  "auto: mixed for seen clusters, --unseen for new ones | mixed | fixed (Z = 0) | inferred (Z predicted)")
      ->capture_default_str();
  cmd->add_option("--unseen", a->unseen, "with --mode auto, rows of new clusters or without a cluster: auto (inferred where the membership predictor beat "
                  "chance on held-out rows, else fixed) | inferred | fixed")
      ->capture_default_str();
  cmd->add_option("--interval", a->interval,
                  "add lower and upper columns covering this share (e.g. 0.95): regression, the target (random effects and residual); "
                  "classification, the probability; counts, the expected count (random effects)");
  cmd->callback([a, &global] {
    global.apply();
    const PredictMode mode = parse_predict_mode(a->mode);
    const UnseenMode unseen = parse_unseen_mode(a->unseen);
    const auto model = MixedEffectsModel::load(a->model);
    const ClusteredData data = load_for_model(model, a->data, a->images);
    const Predictions p = model.predict(data, mode, unseen, a->interval);
    // Each factor's label, the prediction (multiclass: the most probable class, then each class's
    // probability as p_<class>), then each factor's mode (mode_<factor> with several).
    const auto& factors = model.factor_names();
    const auto& classes = model.data_spec().target_levels;
    std::vector<std::string> header = factors;
    header.push_back("prediction");
    if (!p.probabilities.empty())
      for (const auto& level : classes) header.push_back("p_" + level);
    if (!p.lower.empty()) header.insert(header.end(), {"lower", "upper"});
    for (const auto& name : factors) header.push_back(factors.size() == 1 ? "mode" : "mode_" + name);
    std::vector<const GroupingFactor*> labels;
    for (const auto& name : factors) labels.push_back(data.factor(name));
    std::vector<std::vector<std::string>> rows;
    for (int64_t i = 0; i < data.rows(); ++i) {
      std::vector<std::string> row;
      for (const auto* factor : labels) row.push_back(factor ? factor->labels[i] : "");
      if (p.probabilities.empty()) {
        row.push_back(format_number(p.value[i]));
      } else {
        row.push_back(classes.at(static_cast<size_t>(p.value[i])));
        for (double probability : p.probabilities[i]) row.push_back(format_number(probability));
      }
      if (!p.lower.empty()) row.insert(row.end(), {format_number(p.lower[i]), format_number(p.upper[i])});
      for (const auto& modes : p.mode) row.push_back(modes[i]);
      rows.push_back(std::move(row));
    }
    write_csv(a->out, header, rows);
  });
}

void add_evaluate(CLI::App& app, const GlobalOptions& global) {
  struct Args {
    std::string model, data, mode = "auto", unseen = "auto";
    double threshold = std::numeric_limits<double>::quiet_NaN();
    ImageSource images;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("evaluate", "print metrics (overall and per cluster) as JSON on stdout");
  add_image_options(cmd, a->images);
  cmd->add_option("--model", a->model, "model directory written by armed train")->required();
  cmd->add_option("--data", a->data, "CSV with the model's feature and target columns")->required();
  cmd->add_option("--mode", a->mode, "auto | mixed | fixed | inferred (see predict)")->capture_default_str();
  cmd->add_option("--unseen", a->unseen, "auto | inferred | fixed (see predict)")->capture_default_str();
  cmd->add_option("--threshold", a->threshold,
                  "binary targets: the decision threshold to report sensitivity, specificity, PPV, NPV and F1 at (default: "
                  "the Youden point of the model's validation rows, when it was trained with --validation-fraction)");
  cmd->callback([a, &global] {
    global.apply();
    const PredictMode mode = parse_predict_mode(a->mode);
    const UnseenMode unseen = parse_unseen_mode(a->unseen);
    const auto model = MixedEffectsModel::load(a->model);
    std::cout << model.evaluate(load_for_model(model, a->data, a->images), mode, unseen, a->threshold).dump(2) << std::endl;
  });
}

void add_report(CLI::App& app, const GlobalOptions& global) {
  struct Args {
    std::string model, data, out, compare;
    uint64_t seed = kDefaultSeed;
    ImageSource images;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("report", "write a self-contained HTML report of a fitted model on a data file");
  add_image_options(cmd, a->images);
  cmd->add_option("--model", a->model, "model directory written by armed train")->required();
  cmd->add_option("--data", a->data, "CSV to evaluate the model on (e.g. the test file)")->required();
  cmd->add_option("--out", a->out, "HTML file to write")->required();
  cmd->add_option("--compare", a->compare,
                  "another model directory of the same data (e.g. the conventional cnn): its metrics and, for image models, "
                  "its saliency beside the model's");
  cmd->add_option("--seed", a->seed, "random seed (permutation importance, saliency noise, the latent's probe split)")->capture_default_str();
  cmd->callback([a, &global] {
    global.apply();
    const auto model = MixedEffectsModel::load(a->model);
    const ClusteredData data = load_for_model(model, a->data, a->images);
    if (a->compare.empty()) {
      write_model_report(model, data, a->out, a->seed);
    } else {
      const auto compare = MixedEffectsModel::load(a->compare);
      write_model_report(model, data, a->out, a->seed, &compare);
    }
    if (global.progress()) *global.progress() << "wrote " << a->out << std::endl;
  });
}

void add_effects(CLI::App& app, const GlobalOptions& global) {
  struct Args {
    std::string model, format = "json";
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("effects", "print the fixed and random effects (per cluster, variance components) as JSON or as a summary like lme4's");
  cmd->add_option("--model", a->model, "model directory written by armed train")->required();
  cmd->add_option("--format", a->format, "json | text (a summary laid out as lme4's)")->capture_default_str()->check(CLI::IsMember({"json", "text"}));
  cmd->callback([a, &global] {
    global.apply();
    const auto effects = MixedEffectsModel::load(a->model).effects();
    if (a->format == "text") std::cout << effects_text(effects);
    else std::cout << effects.dump(2) << std::endl;
  });
}

}  // namespace armed::cli
