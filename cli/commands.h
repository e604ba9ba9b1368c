#pragma once
#include <CLI/CLI.hpp>

#include <ostream>

namespace armed::cli {

// Options every command shares.
struct GlobalOptions {
  int threads = 0;  // 0: LibTorch's default
  bool quiet = false;
  std::ostream* progress() const;
  void apply() const;
};

void add_simulate(CLI::App& app, const GlobalOptions& global);
void add_split(CLI::App& app, const GlobalOptions& global);
void add_train(CLI::App& app, const GlobalOptions& global, int argc, char** argv);
void add_predict(CLI::App& app, const GlobalOptions& global);
void add_evaluate(CLI::App& app, const GlobalOptions& global);

}  // namespace armed::cli
