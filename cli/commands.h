#pragma once
#include <CLI/CLI.hpp>

#include <ostream>
#include <set>
#include <string>

#include "armed/models/config.h"
#include "armed/sim/spiral.h"

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

void add_simulate(CLI::App& app, const GlobalOptions& global);
void add_split(CLI::App& app, const GlobalOptions& global);
void add_train(CLI::App& app, const GlobalOptions& global, int argc, char** argv);
void add_predict(CLI::App& app, const GlobalOptions& global);
void add_evaluate(CLI::App& app, const GlobalOptions& global);
void add_effects(CLI::App& app, const GlobalOptions& global);
void add_report(CLI::App& app, const GlobalOptions& global);
void add_benchmark(CLI::App& app, const GlobalOptions& global);

}  // namespace armed::cli
