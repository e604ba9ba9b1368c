// The Trainer's data-parallel part: each rank's share of a batch, the gradients' reductions (dense
// and the random effects' sparse rows), rank 0's starting state, batch-normalization statistics.
#include <cstdio>
#include <sstream>

#include "armed/interrupt.h"
#include "dist/collective.h"
#include "train/flat_parameters.h"
#include "train/trainer.h"

namespace armed {
namespace {

// The block of a sparse table's gradient rows a rank sends (reduce_sparse_gradients): a row of
// (cluster, values) for each of at most `share_rows` rows, after a first row holding the count.
std::vector<int64_t> sparse_block_shape(const torch::Tensor& table, int64_t share_rows) { return {share_rows + 1, table.size(1) + 1}; }

}  // namespace

TrainingTensors Trainer::share_of_batch(const TrainingTensors& train, const torch::Tensor& batch) {
  if (!group_) return train.subset(batch);
  const int64_t rows = batch.size(0);
  auto [begin, end] = share_of(rows, group_->rank, group_->size);
  share_ = static_cast<double>(end - begin) / static_cast<double>(rows);
  // A batch with fewer rows than ranks leaves some without: they step through a stand-in row at
  // weight 0, making the same collectives as the others.
  if (end == begin) ++end;
  max_share_rows_ = largest_share(rows, group_->size);
  TrainingTensors mine = train.subset(batch.narrow(0, begin, end - begin));
  for (auto& design : mine.z) {
    design.batch_offset = begin;
    design.batch_rows = rows;
  }
  return mine;
}

bool Trainer::reduce_gradients(const std::vector<torch::Tensor>& parameters, const char* during) {
  if (!group_) return stop_requested();
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (const auto& p : parameters) parts.push_back(p.grad().reshape(-1) * share_);
  parts.push_back(torch::full({1}, stop_requested() ? 1.0f : 0.0f));
  auto all = torch::cat(parts);
  group_->sum(all, during);
  int64_t offset = 0;
  for (const auto& p : parameters) {
    p.grad().copy_(all.narrow(0, offset, p.numel()).view_as(p));
    offset += p.numel();
  }
  return all[offset].item<float>() > 0;
}

void Trainer::reduce_sparse_gradients() {
  // Each rank's rows of each table's gradient, as (cluster, values) rows in a block of
  // max_share_rows_ + 1 rows whose first holds the count; every rank gathers every block.
  // Doubles hold cluster ids exactly and float values unchanged.
  torch::NoGradGuard no_grad;
  const auto tables = net_->sparse_cluster_tables();
  std::vector<torch::Tensor> blocks;
  for (const auto& table : tables) {
    auto block = torch::zeros(sparse_block_shape(table, max_share_rows_), torch::kFloat64);
    if (table.grad().defined()) {
      const auto grad = table.grad().coalesce();
      const int64_t rows = grad.indices().size(1);
      block[0][0] = static_cast<double>(rows);
      block.narrow(0, 1, rows).select(1, 0).copy_(grad.indices()[0]);
      block.narrow(0, 1, rows).narrow(1, 1, table.size(1)).copy_(grad.values() * share_);
    }
    blocks.push_back(block.reshape(-1));
  }
  const auto gathered = group_->gather(torch::cat(blocks), "gathering the random effects' gradients");
  int64_t offset = 0;
  for (const auto& table : tables) {
    const auto shape = sparse_block_shape(table, max_share_rows_);
    const int64_t width = shape[1], length = shape[0] * width;
    std::vector<torch::Tensor> ids, values;
    for (int r = 0; r < group_->size; ++r) {
      const auto block = gathered[r].narrow(0, offset, length).view(shape);
      const auto rows = static_cast<int64_t>(block[0][0].item<double>());
      ids.push_back(block.narrow(0, 1, rows).select(1, 0).to(torch::kInt64));
      values.push_back(block.narrow(0, 1, rows).narrow(1, 1, width - 1).to(table.scalar_type()));
    }
    table.mutable_grad() = torch::sparse_coo_tensor(torch::cat(ids).unsqueeze(0), torch::cat(values), table.sizes());
    offset += length;
  }
}

void Trainer::start_from_rank_zero() {
  std::ostringstream mine;
  if (group_->rank == 0) save_state(mine);
  const std::string state = group_->broadcast(mine.str(), "taking rank 0's starting state");
  if (group_->rank == 0) return;
  std::istringstream in(state);
  load_state(in, "rank 0's starting state");
  // The epoch's loss terms so far count once, on rank 0.
  if (progress_.sums.defined()) progress_.sums.zero_();
}

std::string Trainer::communication_per_step() {
  const auto bytes = [](const std::vector<torch::Tensor>& tensors) {
    int64_t sum = 0;
    for (const auto& t : tensors) sum += t.numel() * static_cast<int64_t>(t.element_size());
    return sum;
  };
  const int64_t flag = 4;  // the stop flag travelling with each gradient buffer
  const int64_t main = bytes(main_flat_->optimized()) + flag;
  const int64_t adversary = adversary_flat_ ? bytes(adversary_flat_->optimized()) + flag : 0;
  const int64_t share = largest_share(options_.batch_size, group_->size);
  int64_t rows = 0;
  for (const auto& table : net_->sparse_cluster_tables()) {
    const auto shape = sparse_block_shape(table, share);
    rows += shape[0] * shape[1] * static_cast<int64_t>(sizeof(double));
  }
  char line[256];
  std::snprintf(line, sizeof line, "data parallel over %d ranks, per step: all-reduce of %.1f KiB (main %.1f, adversary %.1f)",
                group_->size, (main + adversary) / 1024.0, main / 1024.0, adversary / 1024.0);
  std::string text = line;
  if (rows > 0) {
    std::snprintf(line, sizeof line, ", all-gather of %.1f KiB of random-effect rows from each rank", rows / 1024.0);
    text += line;
  }
  return text;
}

void Trainer::average_running_statistics() {
  torch::NoGradGuard no_grad;
  for (auto& item : net_->named_buffers()) {
    const std::string& name = item.key();
    auto& buffer = item.value();
    const auto dot = name.rfind('.');
    const std::string leaf = dot == std::string::npos ? name : name.substr(dot + 1);
    if (leaf != "running_mean" && leaf != "running_var") continue;
    group_->sum(buffer, "averaging batch-normalization statistics");
    buffer.div_(group_->size);
  }
}

}  // namespace armed
