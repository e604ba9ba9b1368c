#pragma once
#include <torch/torch.h>

#include <chrono>
#include <string>
#include <vector>

#include "armed/distributed.h"

namespace c10d {
class Store;
class ProcessGroup;
}  // namespace c10d

namespace armed {

// What the trainer asks of the other ranks: sums, gathers and broadcasts over c10d's Gloo process
// group. Every rank must make the same calls in the same order. A failed call (a rank died, hung
// past the timeout, or its connection closed) throws RankFailed naming the ranks that did not
// check in afterwards, on every surviving rank; `during` says what the run was doing.
struct ProcessGroup::Collective {
  Collective(int rank, int size, c10::intrusive_ptr<c10d::Store> store, c10::intrusive_ptr<c10d::ProcessGroup> group,
             std::chrono::seconds timeout);

  void sum(torch::Tensor& t, const char* during);  // in place, over every rank
  void max(torch::Tensor& t, const char* during);
  // Every rank's `t` (same shape on all) stacked: [size, ...].
  torch::Tensor gather(const torch::Tensor& t, const char* during);
  // Rank 0's bytes, on every rank.
  std::string broadcast(const std::string& bytes, const char* during);

  const int rank, size;

 private:
  [[noreturn]] void failed(const std::exception& e, const char* during);
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroup> group_;
  std::chrono::seconds timeout_;
};

// The first line of a c10 or Gloo exception's message (c10's carry a backtrace after it).
std::string first_line(const std::exception& e);

// Rows [begin, end) of `rows` that rank `rank` of `size` takes: contiguous shares whose sizes
// differ by at most one.
std::pair<int64_t, int64_t> share_of(int64_t rows, int rank, int size);
// The most rows any rank's share holds: what a rank pads its part to for a gather.
int64_t largest_share(int64_t rows, int size);

}  // namespace armed
