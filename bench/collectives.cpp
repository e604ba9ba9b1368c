// The cost of one collective between the ranks of a run, as the trainer makes them: an all-reduce
// and an all-gather of 4 floats (latency alone) and of the 1M-row model's adversary gradient
// (50,001 floats). Run one process per rank with torchrun's variables (bench/distributed.sh does);
// rank 0 prints microseconds per call, the median of 5 rounds of 200 calls after 50 to warm up.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "armed/distributed.h"
#include "dist/collective.h"

int main() {
  const auto group = armed::ProcessGroup::from_environment(std::chrono::seconds(60));
  auto* collective = group.collective();
  if (!collective) {
    std::fprintf(stderr, "collectives: set WORLD_SIZE >= 2, RANK, MASTER_ADDR and MASTER_PORT\n");
    return 1;
  }
  const auto time = [&](const char* what, int64_t floats, auto call) {
    auto t = torch::ones({floats});
    for (int i = 0; i < 50; ++i) call(t);
    std::vector<double> rounds;
    for (int r = 0; r < 5; ++r) {
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < 200; ++i) call(t);
      rounds.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / 200);
    }
    std::sort(rounds.begin(), rounds.end());
    if (group.rank() == 0) std::printf("%-10s %7lld floats %9.0f us\n", what, static_cast<long long>(floats), rounds[2]);
  };
  for (const int64_t floats : {4, 50001}) {
    time("all-reduce", floats, [&](torch::Tensor& t) { collective->sum(t, "timing"); });
    time("all-gather", floats, [&](torch::Tensor& t) { collective->gather(t, "timing"); });
  }
}
