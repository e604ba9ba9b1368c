#pragma once
#include <CLI/CLI.hpp>

#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "armed/data/clustered_data.h"
#include "armed/data/images.h"
#include "armed/config.h"
#include "armed/eval/image_benchmark.h"
#include "armed/sim/fashion.h"
#include "armed/sim/glmm.h"
#include "armed/sim/images.h"
#include "armed/sim/spiral.h"

namespace armed {
class MixedEffectsModel;
}

namespace armed::cli {

// Options every command shares.
struct GlobalOptions {
  int threads = 0;  // 0: LibTorch's default
  bool quiet = false;
  std::ostream* progress() const;
  void apply() const;
};

// One flag per ModelConfig field, bound to the struct, so the CLI has no defaults of its own.
void add_config_options(CLI::App* cmd, ModelConfig& config, const std::set<std::string>& skip = {});
// Spiral simulator flags; the seed is left out where the command has its own --seed.
void add_spiral_options(CLI::App* cmd, SpiralOptions& options, bool with_seed);
void add_image_sim_options(CLI::App* cmd, ImageSimOptions& options, bool with_seed);
void add_glmm_options(CLI::App* cmd, GlmmOptions& options, bool with_seed);
// --task, --classes, --noise: what the GLMM generator draws (part of add_glmm_options).
void add_glmm_outcome_options(CLI::App* cmd, GlmmOptions& options);
void add_fashion_sites_options(CLI::App* cmd, FashionSitesOptions& options, bool with_seed);
// The image benchmarks' shared flags: the models' configuration, --models, --test-fraction, --folds, --runs.
// `skip`: the config fields the benchmark sets itself.
void add_image_comparison_options(CLI::App* cmd, ImageComparisonOptions& options,
                                  const std::set<std::string>& skip = {"model", "formula"});

// --images / --image-column: where an image model's images come from.
void add_image_options(CLI::App* cmd, ImageSource& images);
// Reads `path` as the model expects: a CSV of its features, or images with their CSV.
ClusteredData load_for_model(const MixedEffectsModel& model, const std::string& path, const ImageSource& images);

// A command that ends with this exit status having said what there was to say (main returns it).
struct ExitStatus {
  int code;
};

// Runs this command line (argv without its --nproc) as `processes` local ranks of one distributed
// run, each started with torchrun's variables on a free loopback port, in a process group of their
// own: SIGINT and SIGTERM reach them once, through this process. Rank 0's stderr passes through
// as it comes; another rank's last line follows only if it failed with a message rank 0 did not
// give. Once a rank fails, the others get `timeout` and 10 s to follow before they are killed.
// Returns the lowest failing rank's exit status (128 + signal when killed), else 0.
int launch_local_ranks(int processes, int timeout_seconds, const std::vector<std::string>& arguments);

void add_simulate(CLI::App& app, const GlobalOptions& global);
void add_split(CLI::App& app, const GlobalOptions& global);
void add_train(CLI::App& app, const GlobalOptions& global, int argc, char** argv);
void add_predict(CLI::App& app, const GlobalOptions& global);
void add_evaluate(CLI::App& app, const GlobalOptions& global);
void add_effects(CLI::App& app, const GlobalOptions& global);
void add_report(CLI::App& app, const GlobalOptions& global);
void add_benchmark(CLI::App& app, const GlobalOptions& global);
void add_embed(CLI::App& app, const GlobalOptions& global);
void add_reconstruct(CLI::App& app, const GlobalOptions& global);

}  // namespace armed::cli
