// Training and prediction throughput of armed's dense models on the spiral data, measured on the
// same loop the PyTorch peer (bench/peer.py) runs: shuffle, gather each minibatch, one Trainer
// step (adversary step, then main step), for whole epochs during at least the given seconds.
// Prints one JSON line per setting, then the process's peak resident memory. First, for the peer's same-loss check, the initial armed
// network's weights and the loss terms of one step on the first 256 rows, taken in evaluation mode
// (random effects at their posterior means: nothing is sampled, so both sides compute the same).
#include <armed/armed.h>

#include "data/standardizer.h"
#include "models/from_config.h"

#include <sys/resource.h>

#include <chrono>
#include <iostream>

using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  // Whole epochs until this many seconds have passed: at batch 512 an epoch takes 20 ms.
  const double min_seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  armed::SpiralOptions spiral;
  const auto data = armed::simulate_spiral(spiral).data;
  const auto x = armed::Standardizer::fit(data.x).transform(data.x);
  const auto z = armed::ClusterDesign{armed::ClusterEncoder::fit(data.clusters()).encode(data.clusters()), {}, false};
  const int64_t n = x.size(0);
  {
    torch::manual_seed(0);
    armed::ModelConfig config;
    config.model = "armed";
    armed::Network net = armed::build_network(config, std::vector<int64_t>{x.size(1)}, 10);
    nlohmann::json weights = nlohmann::json::array();  // in the modules' order
    for (const auto& item : net->named_parameters()) {
      if (item.key().rfind("membership.", 0) == 0) continue;
      const auto flat = item.value().detach().contiguous().view(-1);
      weights.push_back({{"name", item.key()},
                         {"shape", item.value().sizes().vec()},
                         {"values", std::vector<float>(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel())}});
    }
    net->eval();
    armed::Trainer trainer(net, armed::trainer_options(config));
    const auto terms = trainer.step(x.narrow(0, 0, 256), data.y.narrow(0, 0, 256), {z.rows(torch::arange(256))}).read();
    std::cout << nlohmann::json{{"impl", "armed"}, {"check", {{"weights", weights}, {"terms", terms}}}}.dump() << std::endl;
  }
  for (const std::string model : {"conventional", "armed"})
    for (int64_t batch : {32, 512})
      for (int threads : {1, 2}) {
        torch::set_num_threads(threads);
        torch::manual_seed(0);
        armed::ModelConfig config;
        config.model = model;
        config.batch_size = batch;
        armed::Network net = armed::build_network(config, std::vector<int64_t>{x.size(1)}, 10);
        armed::Trainer trainer(net, armed::trainer_options(config));
        auto run_epoch = [&] {
          auto order = torch::randperm(n, torch::kInt64);
          for (int64_t b = 0; b < n; b += batch) {
            auto index = order.narrow(0, b, std::min(batch, n - b));
            trainer.step(x.index_select(0, index), data.y.index_select(0, index), {z.rows(index)});
          }
        };
        run_epoch();  // warm-up
        auto start = Clock::now();
        int64_t epochs = 0;
        double seconds = 0;
        do {
          run_epoch();
          ++epochs;
          seconds = std::chrono::duration<double>(Clock::now() - start).count();
        } while (seconds < min_seconds);
        const double train = static_cast<double>(epochs * n) / seconds;
        start = Clock::now();
        for (int r = 0; r < 200; ++r) armed::network_output(net, x, {z});
        const double predict = 200.0 * static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count();
        std::cout << nlohmann::json{{"impl", "armed"}, {"model", model}, {"batch", batch}, {"threads", threads},
                                    {"train_samples_per_s", train}, {"predict_rows_per_s", predict}}
                         .dump()
                  << std::endl;
      }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::cout << nlohmann::json{{"impl", "armed"}, {"peak_rss_mib", static_cast<double>(usage.ru_maxrss) / 1024.0}}.dump() << std::endl;
  return 0;
}
