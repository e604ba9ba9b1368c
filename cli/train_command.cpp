// armed train: fit a model, with checkpoints to continue a stopped run (--resume).
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "armed/error.h"
#include "armed/formula.h"
#include "armed/interrupt.h"
#include "armed/model.h"
#include "io/atomic_file.h"
#include "likelihood/likelihood.h"
#include "commands.h"

namespace armed::cli {
namespace {
namespace fs = std::filesystem;

// A JSON config file (--config FILE) provides the values the flags then override, so it is read
// before CLI11 parses the flags into the same struct. Returns the options the file sets (null without one).
nlohmann::json preload_config(int argc, char** argv, ModelConfig& config) {
  nlohmann::json options;
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
    options = j.contains("config") && j.contains("format") ? j.at("config") : j;
    config = config_from_json(options, path);
  }
  return options;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

// What `train --resume DIR` needs besides the config the checkpoint holds: where the data is and
// which columns play which role (after a formula named them), stored with every checkpoint.
struct TrainInputs {
  std::string data, out;  // as given (messages name them so)
  ImageSource images;
  DataSpec spec;
  int64_t checkpoint_every = 0;
};

std::string absolute(const std::string& path) { return path.empty() ? path : fs::absolute(path).lexically_normal().string(); }

std::string inputs_to_json(const TrainInputs& in) {
  const DataSpec& s = in.spec;
  // Absolute paths: a resumed run may start in another working directory.
  return nlohmann::json{{"data", absolute(in.data)},
                        {"images", {{"npy", absolute(in.images.npy)}, {"image_column", in.images.image_column}}},
                        {"checkpoint_every", in.checkpoint_every},
                        {"spec",
                         {{"target", s.target},
                          {"cluster", s.cluster},
                          {"features", s.features},
                          {"task", s.task},
                          {"trials", s.trials},
                          {"exposure", s.exposure},
                          {"categorical", s.categorical},
                          {"levels", s.levels},
                          {"text_is_categorical", s.text_is_categorical},
                          {"target_levels", s.target_levels},
                          {"no_features", s.no_features}}}}
      .dump();
}

TrainInputs inputs_from_json(const std::string& text, const std::string& source) {
  try {
    const auto j = nlohmann::json::parse(text);
    TrainInputs in;
    in.data = j.at("data").get<std::string>();
    in.images = {j.at("images").at("npy").get<std::string>(), j.at("images").at("image_column").get<std::string>()};
    in.checkpoint_every = j.at("checkpoint_every").get<int64_t>();
    const auto& s = j.at("spec");
    in.spec.target = s.at("target").get<std::string>();
    in.spec.cluster = s.at("cluster").get<std::string>();
    in.spec.features = s.at("features").get<std::vector<std::string>>();
    in.spec.task = s.at("task").get<std::string>();
    in.spec.trials = s.at("trials").get<std::string>();
    in.spec.exposure = s.at("exposure").get<std::string>();
    in.spec.categorical = s.at("categorical").get<std::vector<std::string>>();
    in.spec.levels = s.at("levels").get<std::map<std::string, std::vector<std::string>>>();
    in.spec.text_is_categorical = s.at("text_is_categorical").get<bool>();
    in.spec.target_levels = s.at("target_levels").get<std::vector<std::string>>();
    in.spec.no_features = s.at("no_features").get<bool>();
    return in;
  } catch (const nlohmann::json::exception& e) {
    throw Error(source + ": corrupt checkpoint (the train command's inputs: " + e.what() + ")");
  }
}

// SIGINT and SIGTERM (Ctrl-C, a scheduler's pre-emption) stop training after the current step,
// which then checkpoints; a second signal ends the process at once.
class StopOnSignals {
 public:
  StopOnSignals() {
    struct sigaction action {};
    action.sa_handler = [](int) { request_stop(); };
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_int_);
    sigaction(SIGTERM, &action, &previous_term_);
  }
  ~StopOnSignals() {
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
  }
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

 private:
  struct sigaction previous_int_ {}, previous_term_ {};
};

// Fails before training when `out` cannot be written, rather than after it: the model is
// written through the staging sibling this creates and removes.
void check_writable(const std::string& out) {
  const std::string probe = staging_path(out);
  std::error_code ec;
  fs::remove_all(probe, ec);
  if (!fs::create_directories(probe, ec) || ec)
    throw Error("--out " + out + ": cannot write there (" + (ec ? ec.message() : std::string("exists")) + ")");
  fs::remove(probe, ec);
}

// Every rank reads the data and trains; rank 0 alone checks and writes the output directory.
// A formula without a family takes its task from the target (DataSpec::task_from_target), so the
// configuration is checked after the data is read.
void train(TrainInputs inputs, ModelConfig config, bool resume, std::ostream* progress, const ProcessGroup& group) {
  const bool writer = group.rank() == 0;
  if (writer) check_writable(inputs.out);
  const std::string checkpoint_dir = (fs::path(inputs.out) / "checkpoint").string();
  if (writer && !resume && fs::exists(checkpoint_dir))
    throw Error(checkpoint_dir + ": a checkpoint of an earlier run; continue it with armed train --resume " + inputs.out +
                ", or remove it to start afresh");
  const bool images = !inputs.images.npy.empty() || !inputs.images.image_column.empty();
  const ClusteredData data = images ? load_image_data(inputs.data, inputs.images, inputs.spec) : load_clustered_csv(inputs.data, inputs.spec);
  if (inputs.spec.task_from_target) {
    config.task = inputs.spec.task = data.task;
    inputs.spec.task_from_target = false;
    if (progress)
      *progress << "no --family: the target '" << data.target_name << "' is "
                << (data.task == "regression" ? "not 0/1: the Gaussian model (--family gaussian), as lmer fits it"
                                              : "0/1: the binomial model (--family binomial), as glmer's; --family gaussian for lmer's")
                << std::endl;
    config.validate();
  }
  Checkpointing checkpointing;
  checkpointing.dir = checkpoint_dir;
  checkpointing.every = inputs.checkpoint_every;
  checkpointing.resume = resume;
  checkpointing.caller_state = inputs_to_json(inputs);
  const bool checkpoints = !config.linear_mixed_model();
  clear_stop_request();
  StopOnSignals stop_on_signals;
  try {
    const auto model = MixedEffectsModel::fit(config, data, progress, {}, checkpoints ? checkpointing : Checkpointing{}, group);
    if (!writer) return;
    model.save(inputs.out);
  } catch (const Interrupted&) {
    if (!writer || !checkpoints || !fs::exists(fs::path(checkpointing.dir) / "checkpoint.json")) throw;
    throw Error("training interrupted; continue from its checkpoint (epoch " + std::to_string(read_checkpoint(checkpointing.dir).epoch) +
                ") with armed train --resume " + inputs.out);
  }
  if (progress) *progress << "saved " << config.model << " model to " << inputs.out << std::endl;
}

// The command line a rank runs: this one without --nproc.
std::vector<std::string> without_nproc(const std::vector<std::string>& arguments) {
  std::vector<std::string> out;
  for (size_t i = 0; i < arguments.size(); ++i) {
    if (arguments[i] == "--nproc") ++i;
    else if (arguments[i].rfind("--nproc=", 0) != 0) out.push_back(arguments[i]);
  }
  return out;
}

}  // namespace

void add_train(CLI::App& app, const GlobalOptions& global, int argc, char** argv) {
  struct Args {
    ModelConfig config;
    std::string data, target, cluster, features, out, config_file, trials, exposure, categorical, family, resume;
    int64_t checkpoint_every = 0;
    int nproc = 0, dist_timeout = 300;
    ImageSource images;
    bool config_names_model = false;  // --config FILE sets "model": a formula then names its inputs
    bool config_names_task = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("train", "train a model on a CSV file and save it to a directory");
  cmd->add_option("--data", a->data, "training CSV with a header (required unless --resume)");
  cmd->add_option("--target", a->target, "target column (unless --formula names it)");
  cmd->add_option("--cluster", a->cluster, "cluster column, string or integer labels; several comma-separated for crossed or nested grouping factors (unless --formula names them)");
  cmd->add_option("--family", a->family, "the outcome family in lme4's words: binomial (--task classification) | gaussian (--task regression)");
  cmd->add_option("--features", a->features, "feature columns, comma-separated (default: every other column)");
  cmd->add_option("--trials", a->trials, "binomial target: column of trials, the target counting successes");
  cmd->add_option("--exposure", a->exposure, "count target: column of each row's exposure (time at risk, population); log(exposure) is an offset");
  cmd->add_option("--categorical", a->categorical, "feature columns to code as dummies against their first level, comma-separated");
  cmd->add_option("--out", a->out, "model directory to write (required unless --resume)");
  cmd->add_option("--checkpoint-every", a->checkpoint_every,
                  "epochs between checkpoints in OUT/checkpoint/ (0: none); SIGINT and SIGTERM also checkpoint, after the current step");
  cmd->add_option("--resume", a->resume, "continue the run whose --out was DIR from DIR/checkpoint/, with its data and options")
      ->option_text("DIR");
  cmd->add_option("--nproc", a->nproc,
                  "train data-parallel in N local processes (--threads each); without it, the torchrun variables "
                  "(RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) make this process one rank of a run across machines")
      ->option_text("N");
  cmd->add_option("--dist-timeout", a->dist_timeout, "seconds a distributed rank waits for the others before failing, naming the rank")
      ->capture_default_str();
  add_image_options(cmd, a->images);
  cmd->add_option("--config", a->config_file, "JSON file of options (a model's config.json works); flags override it");
  try {
    const nlohmann::json options = preload_config(argc, argv, a->config);
    a->config_names_model = options.is_object() && options.contains("model");
    a->config_names_task = options.is_object() && options.contains("task");
  } catch (const Error& e) {
    // Reported when the command runs, so `--help` still works.
    cmd->callback([a, msg = std::string(e.what())] { throw Error(msg); });  // a: the options write into it
    add_config_options(cmd, a->config);
    return;
  }
  add_config_options(cmd, a->config);
  cmd->callback([a, cmd, &global, arguments = std::vector<std::string>(argv, argv + argc)] {
    global.apply();
    if (a->checkpoint_every < 0) throw Error("--checkpoint-every must be >= 0");
    if (a->nproc < 0) throw Error("--nproc must be >= 1");
    if (a->dist_timeout < 1) throw Error("--dist-timeout must be >= 1 (seconds)");
    if (a->nproc > 1) throw ExitStatus{launch_local_ranks(a->nproc, a->dist_timeout, without_nproc(arguments))};
    const ProcessGroup group = ProcessGroup::from_environment(std::chrono::seconds(a->dist_timeout));
    if (!a->resume.empty()) {
      for (const auto* option : cmd->get_options())
        if (option->count() > 0 && option->get_name() != "--resume" && option->get_name() != "--checkpoint-every" &&
            option->get_name() != "--nproc" && option->get_name() != "--dist-timeout")
          throw Error(option->get_name() + ": --resume continues the run with its own data and options; give --resume alone");
      const std::string dir = (fs::path(a->resume) / "checkpoint").string();
      const CheckpointedRun run = read_checkpoint(dir);
      TrainInputs inputs = inputs_from_json(run.caller_state, dir);
      if (cmd->count("--checkpoint-every") > 0) inputs.checkpoint_every = a->checkpoint_every;
      inputs.out = a->resume;  // the run's directory may have moved with its checkpoint
      train(inputs, run.config, /*resume=*/true, global.progress(), group);
      return;
    }
    if (a->data.empty()) throw Error("--data is required (or --resume DIR)");
    if (a->out.empty()) throw Error("--out is required (or --resume DIR)");
    if (!a->family.empty()) {
      const std::string task = task_of_family(a->family);
      if (cmd->count("--task") > 0 && task != a->config.task)
        throw Error("--family " + a->family + " contradicts --task " + a->config.task);
      a->config.task = task;
    }
    const bool images = !a->images.npy.empty() || !a->images.image_column.empty();
    TrainInputs inputs;
    inputs.data = a->data;
    inputs.out = a->out;
    inputs.images = a->images;
    inputs.checkpoint_every = a->checkpoint_every;
    DataSpec& spec = inputs.spec;
    spec = DataSpec{a->target, a->cluster, split_list(a->features), a->config.task};
    spec.trials = a->trials;
    spec.exposure = a->exposure;
    spec.categorical = split_list(a->categorical);
    if (!a->config.formula.empty()) {
      for (const char* flag : {"--target", "--cluster", "--features", "--trials", "--categorical", "--random-slopes"})
        if (cmd->count(flag) > 0) throw Error(std::string(flag) + ": --formula says it; give one or the other");
      apply_formula(parse_formula(a->config.formula), /*network=*/cmd->count("--model") > 0 || a->config_names_model, a->config, spec);
      spec.task_from_target = a->family.empty() && cmd->count("--task") == 0 && !a->config_names_task && !images;
    } else if (a->target.empty() || a->cluster.empty()) {
      throw Error("train needs --target and --cluster, or --formula");
    }
    if (!spec.task_from_target) a->config.validate();
    if (images && !a->features.empty()) throw Error("--features: image models read the images, not feature columns");
    train(inputs, a->config, /*resume=*/false, global.progress(), group);
  });
}

}  // namespace armed::cli
