// A trainer's state as one LibTorch archive: what a checkpoint holds and a diverged epoch replays from.
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <mutex>

#include "armed/error.h"
#include "train/history_json.h"
#include "train/trainer.h"

namespace armed {
namespace {

constexpr int64_t kStateFormat = 1;

void write_tensors(torch::serialize::OutputArchive& archive, const std::string& key, const std::vector<torch::Tensor>& tensors) {
  archive.write(key + "/size", torch::tensor(static_cast<int64_t>(tensors.size())), /*is_buffer=*/true);
  for (size_t i = 0; i < tensors.size(); ++i) archive.write(key + "/" + std::to_string(i), tensors[i].detach(), /*is_buffer=*/true);
}

std::vector<torch::Tensor> read_tensors(torch::serialize::InputArchive& archive, const std::string& key) {
  torch::Tensor size;
  archive.read(key + "/size", size, /*is_buffer=*/true);
  std::vector<torch::Tensor> tensors(static_cast<size_t>(size.item<int64_t>()));
  for (size_t i = 0; i < tensors.size(); ++i) archive.read(key + "/" + std::to_string(i), tensors[i], /*is_buffer=*/true);
  return tensors;
}

template <typename Optimizer>
void write_optimizer(torch::serialize::OutputArchive& archive, const std::string& key, const Optimizer& optimizer) {
  torch::serialize::OutputArchive nested;
  optimizer.save(nested);
  archive.write(key, nested);
}

void read_optimizer(torch::serialize::InputArchive& archive, const std::string& key, torch::optim::Optimizer& optimizer) {
  torch::serialize::InputArchive nested;
  archive.read(key, nested);
  // Loading adds the saved moments but keeps any the optimizer has that the archive lacks.
  optimizer.state().clear();
  optimizer.load(nested);
}

}  // namespace

void Trainer::save_state(std::ostream& out, bool with_history) const {
  torch::NoGradGuard no_grad;
  const FitProgress& s = progress_;
  torch::serialize::OutputArchive archive;
  archive.write("format", torch::tensor(kStateFormat), /*is_buffer=*/true);
  write_tensors(archive, "weights", state_tensors());
  write_tensors(archive, "best_weights", s.best_weights);
  write_optimizer(archive, "main_optimizer", main_optimizer_);
  if (adversary_optimizer_) write_optimizer(archive, "adversary_optimizer", *adversary_optimizer_);
  if (sparse_optimizer_) write_optimizer(archive, "sparse_optimizer", *sparse_optimizer_);
  auto generator = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    archive.write("rng", generator.get_state(), /*is_buffer=*/true);
  }
  if (s.order.defined()) archive.write("order", s.order, /*is_buffer=*/true);
  if (s.sums.defined()) archive.write("sums", s.sums, /*is_buffer=*/true);
  nlohmann::json progress = {
      {"epoch", s.epoch},
      {"next_row", s.next_row},
      {"term_names", s.term_names},
      {"epoch_seconds", s.epoch_seconds},
      {"finished", s.finished},
      {"best_val", std::isfinite(s.best_val) ? nlohmann::json(s.best_val) : nlohmann::json(nullptr)},
      {"since_best", s.since_best},
  };
  if (with_history) progress["history"] = history_to_json(s.history);
  archive.write("progress", c10::IValue(progress.dump()));
  archive.save_to(out);
}

void Trainer::load_state(std::istream& in, const std::string& source) {
  const auto corrupt = [&](const std::string& why) { return Error(source + ": corrupt checkpoint (" + why + ")"); };
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(in);
    torch::Tensor format;
    archive.read("format", format, /*is_buffer=*/true);
    if (format.item<int64_t>() != kStateFormat)
      throw Error(source + ": checkpoint format " + std::to_string(format.item<int64_t>()) + " is not this armed's");
    const auto weights = read_tensors(archive, "weights");
    auto mine = state_tensors();
    bool fits = weights.size() == mine.size();
    for (size_t i = 0; fits && i < mine.size(); ++i) fits = weights[i].sizes() == mine[i].sizes() && weights[i].dtype() == mine[i].dtype();
    if (!fits) throw Error(source + ": the checkpoint's network differs from this model's (other options or data?)");
    {
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < mine.size(); ++i) mine[i].copy_(weights[i]);
    }
    FitProgress s;
    s.best_weights = read_tensors(archive, "best_weights");
    read_optimizer(archive, "main_optimizer", main_optimizer_);
    if (adversary_optimizer_) read_optimizer(archive, "adversary_optimizer", *adversary_optimizer_);
    if (sparse_optimizer_) {
      torch::serialize::InputArchive nested;
      archive.read("sparse_optimizer", nested);
      sparse_optimizer_->load(nested);
    }
    torch::Tensor rng;
    archive.read("rng", rng, /*is_buffer=*/true);
    auto generator = at::detail::getDefaultCPUGenerator();
    {
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(rng);
    }
    archive.try_read("order", s.order, /*is_buffer=*/true);
    archive.try_read("sums", s.sums, /*is_buffer=*/true);
    c10::IValue text;
    archive.read("progress", text);
    const auto j = nlohmann::json::parse(text.toStringRef());
    s.epoch = j.at("epoch").get<int64_t>();
    s.next_row = j.at("next_row").get<int64_t>();
    s.term_names = j.at("term_names").get<std::vector<std::string>>();
    s.epoch_seconds = j.at("epoch_seconds").get<double>();
    s.finished = j.at("finished").get<bool>();
    s.best_val = j.at("best_val").is_null() ? INFINITY : j.at("best_val").get<double>();
    s.since_best = j.at("since_best").get<int64_t>();
    s.history = j.contains("history") ? history_from_json(j.at("history")) : progress_.history;
    progress_ = std::move(s);
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    throw corrupt(what.substr(0, what.find('\n')));
  } catch (const nlohmann::json::exception& e) {
    throw corrupt(e.what());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {  // LibTorch's TorchScript parser throws std::runtime_error
    const std::string what = e.what();
    throw corrupt(what.substr(0, what.find('\n')));
  }
}

}  // namespace armed
