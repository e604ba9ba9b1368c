#pragma once
#include <CLI/CLI.hpp>

#include <ostream>
#include <set>
#include <string>

#include "armed/data/clustered_data.h"
#include "armed/data/images.h"
#include "armed/config.h"
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

// --images / --image-column: where an image model's images come from.
void add_image_options(CLI::App* cmd, ImageSource& images);
// Reads `path` as the model expects: a CSV of its features, or images with their CSV.
ClusteredData load_for_model(const MixedEffectsModel& model, const std::string& path, const ImageSource& images);

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
