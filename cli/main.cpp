#include <malloc.h>
#include <torch/torch.h>

#include <iostream>

#include "armed/error.h"
#include "commands.h"

namespace armed::cli {

std::ostream* GlobalOptions::progress() const { return quiet ? nullptr : &std::cerr; }

void GlobalOptions::apply() const {
  if (threads < 0) throw Error("--threads must be >= 0");
  if (threads > 0) torch::set_num_threads(threads);
}

}  // namespace armed::cli

namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

int main(int argc, char** argv) {
  using namespace armed::cli;
  // A training step allocates and frees the same large tensors every time (a batch's adversary
  // logits over 10,000 clusters are 20 MB at --batch-size 512). glibc returns such memory to the
  // system and faults it back in, zeroed, at the next step: an epoch of 100k spiral rows in 10,000
  // clusters spent 3.9 s of its 14 s in the kernel, 0.4 s when the memory stays in the heap.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  CLI::App app{"armed: mixed-effects deep learning on clustered data (ARMED)", "armed"};
  app.require_subcommand(1);
  // A flag given twice (e.g. after --config or in a script) takes its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_version_flag("--version", ARMED_VERSION);
  app.fallthrough();  // --threads and --quiet may also follow the subcommand
  GlobalOptions global;
  app.add_option("--threads", global.threads, "CPU threads (0: LibTorch default)")->capture_default_str();
  app.add_flag("--quiet", global.quiet, "no progress lines on stderr");
  add_simulate(app, global);
  add_split(app, global);
  add_train(app, global, argc, argv);
  add_predict(app, global);
  add_evaluate(app, global);
  add_effects(app, global);
  add_report(app, global);
  add_benchmark(app, global);
  add_embed(app, global);
  add_reconstruct(app, global);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const ExitStatus& status) {
    return status.code;
  } catch (const CLI::ParseError& e) {
    std::cerr << "armed: error: " << first_line(e.what()) << " (see armed --help)" << std::endl;
    return 2;
  } catch (const armed::Error& e) {
    std::cerr << "armed: error: " << e.what() << std::endl;
    return 1;
  } catch (const c10::Error& e) {
    std::cerr << "armed: internal error: " << first_line(e.what_without_backtrace()) << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "armed: error: " << first_line(e.what()) << std::endl;
    return 1;
  }
  return 0;
}
