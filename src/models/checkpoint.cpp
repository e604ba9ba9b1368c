#include "models/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "armed/error.h"
#include "io/atomic_file.h"
#include "io/content_hash.h"

namespace armed {
namespace fs = std::filesystem;
namespace {

constexpr int kCheckpointFormat = 1;

void add_tensor(ContentHash& h, const torch::Tensor& t) {
  const int64_t defined = t.defined() ? t.numel() : -1;
  h.add(&defined, sizeof defined);
  if (defined <= 0) return;
  const auto c = t.contiguous();
  h.add(c.data_ptr(), static_cast<size_t>(c.numel()) * c.element_size());
}

void add_text(ContentHash& h, const std::string& s) { h.add(s.c_str(), s.size() + 1); }

nlohmann::json read_description(const std::string& dir) {
  const fs::path path = fs::path(dir) / "checkpoint.json";
  if (!fs::exists(path)) throw Error(dir + ": no checkpoint there (no checkpoint.json)");
  try {
    std::ifstream in(path);
    auto j = nlohmann::json::parse(in);
    if (j.at("format").get<int>() != kCheckpointFormat)
      throw Error(path.string() + ": checkpoint format " + j.at("format").dump() + " is not this armed's");
    return j;
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string() + ": corrupt checkpoint (" + e.what() + ")");
  }
}

}  // namespace

std::string data_fingerprint(const ClusteredData& data) {
  ContentHash h;
  for (const auto* t : {&data.x, &data.y, &data.trials, &data.offset}) add_tensor(h, *t);
  for (const auto& factor : data.factors) {
    add_text(h, factor.name);
    for (const auto& label : factor.labels) add_text(h, label);
  }
  return h.hex();
}

void write_checkpoint(const Checkpointing& checkpointing, const Trainer& trainer, const ModelConfig& config, const std::string& fingerprint) {
  write_directory_atomic(checkpointing.dir, "a checkpoint", [&](const std::string& staged) {
    std::ostringstream bytes;  // in memory first, as the model's weights (model_file.cpp)
    trainer.save_state(bytes);
    write_file_atomic((fs::path(staged) / "trainer.pt").string(), [&](std::ostream& out) { out << bytes.str(); });
    const nlohmann::json description = {
        {"format", kCheckpointFormat},
        {"armed_version", ARMED_VERSION},
        {"config", config_to_json(config)},
        {"data_fingerprint", fingerprint},
        {"threads", torch::get_num_threads()},
        {"epoch", trainer.progress().epoch},
        {"trainer_bytes", bytes.str().size()},
        {"trainer_hash", content_hash(bytes.str())},
        {"caller", checkpointing.caller_state},
    };
    write_file_atomic((fs::path(staged) / "checkpoint.json").string(), [&](std::ostream& out) { out << description.dump(2) << '\n'; });
  });
}

CheckpointedRun read_checkpoint(const std::string& dir) {
  const auto j = read_description(dir);
  const std::string source = (fs::path(dir) / "checkpoint.json").string();
  try {
    CheckpointedRun run;
    run.config = config_from_json(j.at("config"), source);
    run.caller_state = j.at("caller").get<std::string>();
    run.epoch = j.at("epoch").get<int64_t>();
    run.threads = j.at("threads").get<int>();
    return run;
  } catch (const nlohmann::json::exception& e) {
    throw Error(source + ": corrupt checkpoint (" + e.what() + ")");
  }
}

void resume_from_checkpoint(const Checkpointing& checkpointing, Trainer& trainer, const ModelConfig& config, const std::string& fingerprint,
                            std::ostream* progress) {
  const std::string& dir = checkpointing.dir;
  const auto j = read_description(dir);
  const nlohmann::json mine = config_to_json(config), theirs = j.at("config");
  for (const auto& [key, value] : mine.items())
    if (!theirs.contains(key) || theirs.at(key) != value)
      throw Error(dir + ": the checkpoint was taken with " + key + " = " + (theirs.contains(key) ? theirs.at(key).dump() : "(unset)") +
                  ", this fit has " + value.dump() + "; resume with the run's options");
  if (j.at("data_fingerprint").get<std::string>() != fingerprint)
    throw Error(dir + ": the checkpoint was taken on other data (its rows differ from these); resume on the run's data");
  const fs::path state = fs::path(dir) / "trainer.pt";
  std::ifstream file(state, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (!file || bytes.size() != j.at("trainer_bytes").get<uintmax_t>() || content_hash(bytes) != j.at("trainer_hash").get<std::string>())
    throw Error(state.string() + ": corrupt checkpoint (missing, or its size or hash differ from checkpoint.json)");
  std::istringstream in(bytes);
  trainer.load_state(in, state.string());
  const int threads = j.at("threads").get<int>();
  if (progress) {
    *progress << "resuming from " << dir << " at epoch " << trainer.progress().epoch;
    if (trainer.progress().next_row > 0) *progress << ", row " << trainer.progress().next_row;
    if (threads != torch::get_num_threads())
      *progress << " (the run had " << threads << " threads, this one " << torch::get_num_threads()
                << ": the result may differ from an uninterrupted run's in the last bits)";
    *progress << std::endl;
  }
}

}  // namespace armed
