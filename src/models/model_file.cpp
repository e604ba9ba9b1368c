// Model directory format: config.json (configuration, columns, each grouping factor's clusters, standardization,
// training history or a linear mixed model's exact fit, weight file size) and weights.pt (LibTorch archive of the network).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "armed/error.h"
#include "io/atomic_file.h"
#include "io/content_hash.h"
#include "armed/model.h"
#include "train/history_json.h"
#include "models/model_state.h"

namespace armed {
namespace fs = std::filesystem;
namespace {

constexpr int kFormat = 1;

}  // namespace

void MixedEffectsModel::save(const std::string& dir) const {
  if (dir.empty()) throw Error("--out: empty model directory name");
  for (const auto& p : s_->net->parameters())
    if (!torch::isfinite(p).all().item<bool>()) throw Error(dir + ": the model's weights are not finite; nothing was written");
  auto factors_json = [&] {
    nlohmann::json factors = nlohmann::json::array();
    for (size_t f = 0; f < s_->encoders.size(); ++f) factors.push_back({{"name", s_->factor_names[f]}, {"clusters", s_->encoders[f].vocabulary()}});
    return factors;
  };
  write_directory_atomic(dir, "the model", [&](const std::string& staged) {
    // Serialized in memory, then written: LibTorch's file writer aborts the process when a write
    // fails (a full disk), throwing from its destructor.
    std::ostringstream bytes;
    torch::save(s_->net, bytes);
    write_file_atomic((fs::path(staged) / "weights.pt").string(), [&](std::ostream& out) { out << bytes.str(); });
    nlohmann::json j = {
        {"format", kFormat},
        {"armed_version", ARMED_VERSION},
        {"config", config_to_json(s_->config)},
        {"data",
         {{"target", s_->spec.target},
          {"cluster", s_->spec.cluster},
          {"trials", s_->spec.trials},
          {"exposure", s_->spec.exposure},
          {"columns", s_->spec.features},
          {"no_features", s_->spec.no_features},
          {"categorical", s_->spec.levels},
          {"target_levels", s_->spec.target_levels},
          {"features", s_->features},
          {"input_shape", s_->input_shape}}},
        {"factors", factors_json()},
        {"standardization", {{"mean", s_->standardizer.mean}, {"sd", s_->standardizer.sd}}},
        {"target_standardization", {{"mean", s_->target_mean}, {"sd", s_->target_sd}}},
        {"training", history_to_json(s_->history)},
        {"weights", {{"file", "weights.pt"}, {"bytes", bytes.str().size()}, {"hash", content_hash(bytes.str())}}},
    };
    if (s_->lmm) j["linear_mixed_model"] = s_->lmm->to_json();
    if (std::isfinite(s_->decision_threshold)) j["decision_threshold"] = {{"value", s_->decision_threshold}, {"chosen_by", State::kDecisionThresholdChosenBy}};
    write_file_atomic((fs::path(staged) / "config.json").string(), [&](std::ostream& out) { out << j.dump(2) << '\n'; });
  });
}

MixedEffectsModel MixedEffectsModel::load(const std::string& dir, const FixedEffectsFactory& custom) {
  const fs::path config_path = fs::path(dir) / "config.json", weights_path = fs::path(dir) / "weights.pt";
  if (!fs::is_directory(dir)) throw Error(dir + ": no such model directory");
  if (!fs::exists(config_path)) throw Error(dir + ": not a model directory (no config.json)");
  nlohmann::json j;
  try {
    std::ifstream in(config_path);
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(config_path.string() + ": corrupt model file (not valid JSON)");
  }
  MixedEffectsModel m;
  std::string weights;
  try {
    if (j.at("format").get<int>() != kFormat)
      throw Error(config_path.string() + ": model format " + j.at("format").dump() + " is not supported by this armed");
    m.s_->config = config_from_json(j.at("config"), config_path.string());
    // Written before the choice existed: networks and GLMMs were variational, Gaussian linear mixed models exact.
    if (!j.at("config").contains("likelihood") && !(m.s_->config.fe == "linear" && m.s_->likelihood().has_residual_sd()))
      m.s_->config.likelihood = "variational";
    m.s_->config.validate();
    const auto& data = j.at("data");
    m.s_->spec.target = data.at("target").get<std::string>();
    m.s_->spec.cluster = data.at("cluster").get<std::string>();
    m.s_->spec.trials = data.at("trials").get<std::string>();
    m.s_->spec.exposure = data.value("exposure", std::string());  // absent from models before exposures
    m.s_->spec.features = data.at("columns").get<std::vector<std::string>>();
    m.s_->spec.no_features = data.value("no_features", false);  // written since intercept-only models
    m.s_->spec.levels = data.at("categorical").get<std::map<std::string, std::vector<std::string>>>();
    // Written since text targets (Y/N); older models have 0/1 targets.
    m.s_->spec.target_levels = data.value("target_levels", std::vector<std::string>{});
    for (const auto& [column, levels] : m.s_->spec.levels) m.s_->spec.categorical.push_back(column);
    m.s_->features = data.at("features").get<std::vector<std::string>>();
    // Written since image models; older (tabular) models have one input per feature.
    m.s_->input_shape = data.value("input_shape", std::vector<int64_t>{static_cast<int64_t>(m.s_->features.size())});
    if (m.s_->input_shape.size() != (m.s_->config.for_images() ? 3u : 1u))
      throw Error(config_path.string() + ": corrupt model file (input_shape does not suit a '" + m.s_->config.model + "' model)");
    m.s_->factor_names = grouping_factor_names(m.s_->spec.cluster);
    // Models written before several grouping factors list one factor's clusters as "clusters".
    const nlohmann::json factors =
        j.contains("factors") ? j.at("factors") : nlohmann::json::array({{{"name", m.s_->spec.cluster}, {"clusters", j.at("clusters")}}});
    if (factors.size() != m.s_->factor_names.size())
      throw Error(config_path.string() + ": corrupt model file (its factors do not match data.cluster)");
    for (size_t f = 0; f < factors.size(); ++f) {
      if (factors[f].at("name").get<std::string>() != m.s_->factor_names[f])
        throw Error(config_path.string() + ": corrupt model file (factor " + std::to_string(f + 1) + " is not '" + m.s_->factor_names[f] + "')");
      m.s_->encoders.emplace_back(factors[f].at("clusters").get<std::vector<std::string>>());
    }
    m.s_->standardizer.mean = j.at("standardization").at("mean").get<std::vector<double>>();
    m.s_->standardizer.sd = j.at("standardization").at("sd").get<std::vector<double>>();
    m.s_->target_mean = j.at("target_standardization").at("mean").get<double>();
    m.s_->target_sd = j.at("target_standardization").at("sd").get<double>();
    m.s_->history = history_from_json(j.at("training"));
    if (j.contains("decision_threshold")) m.s_->decision_threshold = j.at("decision_threshold").at("value").get<double>();
    if (m.s_->standardizer.mean.size() != m.s_->features.size() || m.s_->standardizer.sd.size() != m.s_->features.size())
      throw Error(config_path.string() + ": corrupt model file (standardization does not match the features)");
    if (j.contains("linear_mixed_model")) {
      try {
        m.s_->lmm = LmmFit::from_json(j.at("linear_mixed_model"));
      } catch (const Error& e) {
        throw Error(config_path.string() + ": corrupt model file (" + e.what() + ")");
      }
    }
    if (m.s_->config.linear_mixed_model() && !m.s_->lmm)
      throw Error(config_path.string() + ": a linear mixed model fitted by an earlier armed (variationally); fit it again to load it");
    if (!fs::exists(weights_path)) throw Error(dir + ": model has no weights.pt");
    std::ifstream file(weights_path, std::ios::binary);
    weights = std::string{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    if (weights.size() != j.at("weights").at("bytes").get<uintmax_t>())
      throw Error(weights_path.string() + ": corrupt model file (size differs from config.json)");
    // Written since checkpoints: LibTorch's deserializer is not made for damaged input.
    if (j.at("weights").contains("hash") && content_hash(weights) != j.at("weights").at("hash").get<std::string>())
      throw Error(weights_path.string() + ": corrupt model file (its hash differs from config.json)");
  } catch (const nlohmann::json::exception& e) {
    throw Error(config_path.string() + ": corrupt model file (" + e.what() + ")");
  }
  if (m.s_->config.fe == "custom" && !custom)
    throw Error(dir + ": the model wraps a custom fixed-effects network; load it with that network's factory (C++ API)");
  m.s_->build_network(custom);
  try {
    std::istringstream in(weights);
    torch::load(m.s_->net, in);
  } catch (const std::exception&) {  // c10::Error, and the TorchScript parser's std::runtime_error
    throw Error(weights_path.string() + ": corrupt model file (weights do not load or do not match config.json)");
  }
  m.s_->net->eval();
  return m;
}

}  // namespace armed
