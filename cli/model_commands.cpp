// armed train, predict, evaluate.
#include <cstring>
#include <fstream>
#include <iostream>

#include "armed/data/csv.h"
#include "armed/data/images.h"
#include "armed/error.h"
#include "eval/effects_text.h"
#include "armed/eval/report.h"
#include "armed/formula.h"
#include "armed/model.h"
#include "likelihood/likelihood.h"
#include "commands.h"

namespace armed::cli {
namespace {

// A JSON config file (--config FILE) provides the values the flags then override, so it is read
// before CLI11 parses the flags into the same struct. Returns whether the file names a model.
bool preload_config(int argc, char** argv, ModelConfig& config) {
  bool names_model = false;
  for (int i = 1; i < argc; ++i) {
    std::string path;
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) path = argv[i + 1];
    else if (std::strncmp(argv[i], "--config=", 9) == 0) path = argv[i] + 9;
    if (path.empty()) continue;
    std::ifstream in(path);
    if (!in) throw Error("--config: cannot open '" + path + "'");
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception&) {
      throw Error(path + ": not valid JSON");
    }
    // A model's config.json holds the configuration under "config".
    const nlohmann::json& options = j.contains("config") && j.contains("format") ? j.at("config") : j;
    config = config_from_json(options, path);
    names_model = options.is_object() && options.contains("model");
  }
  return names_model;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

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

void add_train(CLI::App& app, const GlobalOptions& global, int argc, char** argv) {
  struct Args {
    ModelConfig config;
    std::string data, target, cluster, features, out, config_file, trials, exposure, categorical, family;
    ImageSource images;
    bool config_names_model = false;  // --config FILE sets "model": a formula then names its inputs
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("train", "train a model on a CSV file and save it to a directory");
  cmd->add_option("--data", a->data, "training CSV with a header")->required();
  cmd->add_option("--target", a->target, "target column (unless --formula names it)");
  cmd->add_option("--cluster", a->cluster, "cluster column, string or integer labels; several comma-separated for crossed or nested grouping factors (unless --formula names them)");
  cmd->add_option("--family", a->family, "the outcome family in lme4's words: binomial (--task classification) | gaussian (--task regression)");
  cmd->add_option("--features", a->features, "feature columns, comma-separated (default: every other column)");
  cmd->add_option("--trials", a->trials, "binomial target: column of trials, the target counting successes");
  cmd->add_option("--exposure", a->exposure, "count target: column of each row's exposure (time at risk, population); log(exposure) is an offset");
  cmd->add_option("--categorical", a->categorical, "feature columns to code as dummies against their first level, comma-separated");
  cmd->add_option("--out", a->out, "model directory to write")->required();
  add_image_options(cmd, a->images);
  cmd->add_option("--config", a->config_file, "JSON file of options (a model's config.json works); flags override it");
  try {
    a->config_names_model = preload_config(argc, argv, a->config);
  } catch (const Error& e) {
    // Reported when the command runs, so `--help` still works.
    cmd->callback([a, msg = std::string(e.what())] { throw Error(msg); });  // a: the options write into it
    add_config_options(cmd, a->config);
    return;
  }
  add_config_options(cmd, a->config);
  cmd->callback([a, cmd, &global] {
    global.apply();
    if (!a->family.empty()) {
      const std::string task = task_of_family(a->family);
      if (cmd->count("--task") > 0 && task != a->config.task)
        throw Error("--family " + a->family + " contradicts --task " + a->config.task);
      a->config.task = task;
    }
    DataSpec spec{a->target, a->cluster, split_list(a->features), a->config.task};
    spec.trials = a->trials;
    spec.exposure = a->exposure;
    spec.categorical = split_list(a->categorical);
    if (!a->config.formula.empty()) {
      for (const char* flag : {"--target", "--cluster", "--features", "--trials", "--categorical", "--random-slopes"})
        if (cmd->count(flag) > 0) throw Error(std::string(flag) + ": --formula says it; give one or the other");
      apply_formula(parse_formula(a->config.formula), /*network=*/cmd->count("--model") > 0 || a->config_names_model, a->config, spec);
    } else if (a->target.empty() || a->cluster.empty()) {
      throw Error("train needs --target and --cluster, or --formula");
    }
    a->config.validate();
    const bool images = !a->images.npy.empty() || !a->images.image_column.empty();
    if (images && !a->features.empty()) throw Error("--features: image models read the images, not feature columns");
    const ClusteredData data = images ? load_image_data(a->data, a->images, spec) : load_clustered_csv(a->data, spec);
    const auto model = MixedEffectsModel::fit(a->config, data, global.progress());
    model.save(a->out);
    if (global.progress()) *global.progress() << "saved " << a->config.model << " model to " << a->out << std::endl;
  });
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
    ImageSource images;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("evaluate", "print metrics (overall and per cluster) as JSON on stdout");
  add_image_options(cmd, a->images);
  cmd->add_option("--model", a->model, "model directory written by armed train")->required();
  cmd->add_option("--data", a->data, "CSV with the model's feature and target columns")->required();
  cmd->add_option("--mode", a->mode, "auto | mixed | fixed | inferred (see predict)")->capture_default_str();
  cmd->add_option("--unseen", a->unseen, "auto | inferred | fixed (see predict)")->capture_default_str();
  cmd->callback([a, &global] {
    global.apply();
    const PredictMode mode = parse_predict_mode(a->mode);
    const UnseenMode unseen = parse_unseen_mode(a->unseen);
    const auto model = MixedEffectsModel::load(a->model);
    std::cout << model.evaluate(load_for_model(model, a->data, a->images), mode, unseen).dump(2) << std::endl;
  });
}

void add_report(CLI::App& app, const GlobalOptions& global) {
  struct Args {
    std::string model, data, out;
    uint64_t seed = kDefaultSeed;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("report", "write a self-contained HTML report of a fitted model on a data file");
  cmd->add_option("--model", a->model, "model directory written by armed train")->required();
  cmd->add_option("--data", a->data, "CSV to evaluate the model on (e.g. the test file)")->required();
  cmd->add_option("--out", a->out, "HTML file to write")->required();
  cmd->add_option("--seed", a->seed, "random seed (permutation importance)")->capture_default_str();
  cmd->callback([a, &global] {
    global.apply();
    const auto model = MixedEffectsModel::load(a->model);
    if (model.config().for_images())
      throw Error("report: covers tabular models; for image models use evaluate, embed and reconstruct");
    write_model_report(model, load_for_model(model, a->data, {}), a->out, a->seed);
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
