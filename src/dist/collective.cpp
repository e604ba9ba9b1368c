#include "dist/collective.h"

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <thread>

namespace armed {

std::string first_line(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  const std::string text = c10_error ? c10_error->what_without_backtrace() : e.what();
  return text.substr(0, text.find('\n'));
}

ProcessGroup::Collective::Collective(int rank_in, int size_in, c10::intrusive_ptr<c10d::Store> store,
                                     c10::intrusive_ptr<c10d::ProcessGroup> group, std::chrono::seconds timeout)
    : rank(rank_in), size(size_in), store_(std::move(store)), group_(std::move(group)), timeout_(timeout) {}

void ProcessGroup::Collective::sum(torch::Tensor& t, const char* during) {
  std::vector<torch::Tensor> tensors{t};
  try {
    group_->allreduce(tensors)->wait();
  } catch (const std::exception& e) {
    failed(e, during);
  }
}

void ProcessGroup::Collective::max(torch::Tensor& t, const char* during) {
  std::vector<torch::Tensor> tensors{t};
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::MAX;
  try {
    group_->allreduce(tensors, options)->wait();
  } catch (const std::exception& e) {
    failed(e, during);
  }
}

torch::Tensor ProcessGroup::Collective::gather(const torch::Tensor& t, const char* during) {
  std::vector<int64_t> shape{size};
  shape.insert(shape.end(), t.sizes().begin(), t.sizes().end());
  auto out = torch::empty(shape, t.options());
  std::vector<std::vector<torch::Tensor>> outputs(1);
  for (int r = 0; r < size; ++r) outputs[0].push_back(out[r]);
  std::vector<torch::Tensor> inputs{t.contiguous()};
  try {
    group_->allgather(outputs, inputs)->wait();
  } catch (const std::exception& e) {
    failed(e, during);
  }
  return out;
}

std::string ProcessGroup::Collective::broadcast(const std::string& bytes, const char* during) {
  auto length = torch::tensor({static_cast<int64_t>(bytes.size())}, torch::kInt64);
  std::vector<torch::Tensor> tensors{length};
  try {
    group_->broadcast(tensors)->wait();
    auto data = torch::empty({length.item<int64_t>()}, torch::kUInt8);
    if (rank == 0) std::memcpy(data.data_ptr(), bytes.data(), bytes.size());
    tensors = {data};
    if (data.numel() > 0) group_->broadcast(tensors)->wait();
    return std::string(reinterpret_cast<const char*>(data.data_ptr()), static_cast<size_t>(data.numel()));
  } catch (const std::exception& e) {
    failed(e, during);
  }
}

void ProcessGroup::Collective::failed(const std::exception& e, const char* during) {
  // Which ranks are gone: each survivor checks in with the rendezvous and waits a little for the
  // others'. Rank 0 hosts the rendezvous: when it is unreachable, rank 0 is the one gone.
  std::vector<int> missing;
  try {
    store_->setTimeout(std::chrono::seconds(5));
    store_->set("failed/" + std::to_string(rank), std::vector<uint8_t>{1});
    const auto deadline = std::chrono::steady_clock::now() + std::min<std::chrono::seconds>(timeout_, std::chrono::seconds(5));
    for (;;) {
      missing.clear();
      for (int r = 0; r < size; ++r)
        if (r != rank && !store_->check({"failed/" + std::to_string(r)})) missing.push_back(r);
      if (missing.empty() || std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  } catch (const std::exception&) {
    missing = {0};
  }
  std::string who;
  for (size_t i = 0; i < missing.size(); ++i) who += (i == 0 ? "" : i + 1 == missing.size() ? " and " : ", ") + std::to_string(missing[i]);
  const std::string detail = first_line(e);
  if (missing.empty())
    throw RankFailed(std::string("the run failed while ") + during + ": " + detail);
  throw RankFailed((missing.size() == 1 ? "rank " : "ranks ") + who + " stopped (died, hung past --dist-timeout " +
                   std::to_string(timeout_.count()) + " s, or lost its connection) while " + during + ": " + detail);
}

std::pair<int64_t, int64_t> share_of(int64_t rows, int rank, int size) {
  return {rows * rank / size, rows * (rank + 1) / size};
}

int64_t largest_share(int64_t rows, int size) { return (rows + size - 1) / size; }

}  // namespace armed
