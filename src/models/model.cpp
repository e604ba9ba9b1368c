#include "armed/models/model.h"

#include <sstream>

#include "armed/data/split.h"
#include "armed/error.h"
#include "armed/eval/metrics.h"

namespace armed {

PredictMode parse_predict_mode(const std::string& name) {
  if (name == "auto") return PredictMode::automatic;
  if (name == "mixed") return PredictMode::mixed;
  if (name == "fixed") return PredictMode::fixed;
  if (name == "inferred") return PredictMode::inferred;
  throw Error("--mode: unknown mode '" + name + "' (auto, mixed, fixed, inferred)");
}

UnseenMode parse_unseen_mode(const std::string& name) {
  if (name == "auto") return UnseenMode::automatic;
  if (name == "inferred") return UnseenMode::inferred;
  if (name == "fixed") return UnseenMode::fixed;
  throw Error("--unseen: unknown mode '" + name + "' (auto, inferred, fixed)");
}

std::vector<int64_t> MixedEffectsModel::slope_columns() const {
  std::vector<int64_t> columns;
  if (!config_.slopes_on_inputs()) return columns;
  if (config_.random_slopes == "inputs") {
    for (size_t j = 0; j < features_.size(); ++j) columns.push_back(static_cast<int64_t>(j));
    return columns;
  }
  std::stringstream names(config_.random_slopes);
  for (std::string name; std::getline(names, name, ',');) {
    auto it = std::find(features_.begin(), features_.end(), name);
    if (it == features_.end()) {
      std::string list;
      for (const auto& f : features_) list += (list.empty() ? "" : ", ") + f;
      throw Error("--random-slopes: '" + name + "' is not a feature (features: " + list + ")");
    }
    columns.push_back(static_cast<int64_t>(it - features_.begin()));
  }
  return columns;
}

void MixedEffectsModel::build_network(const FixedEffectsFactory& custom) {
  net_ = Network(config_, input_shape_, encoder_.size(), slope_columns(), custom);
}

torch::Tensor MixedEffectsModel::model_target(const torch::Tensor& y) const {
  return config_.task == "regression" ? (y - target_mean_) / target_sd_ : y;
}

namespace {

std::string shape_string(c10::IntArrayRef shape) {
  std::string s;
  for (int64_t d : shape) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

void check_data_kind(const ModelConfig& config, const ClusteredData& data) {
  const bool images = data.x.dim() == 4;
  if (images != config.for_images())
    throw Error(data.source + (images ? ": holds images; a '" + config.model + "' model reads a CSV of features (image models: cnn*, aec*)"
                                      : ": holds features; a '" + config.model + "' model reads images (--images or --image-column)"));
}

}  // namespace

torch::Tensor MixedEffectsModel::model_input(const ClusteredData& data) const {
  check_data_kind(config_, data);
  if (config_.for_images()) {
    if (data.x.sizes().slice(1) != c10::IntArrayRef(input_shape_))
      throw Error(data.source + ": images are " + shape_string(data.x.sizes().slice(1)) + " (channels x height x width); the model's are " +
                  shape_string(input_shape_));
    return data.x;
  }
  if (data.feature_names != features_) {
    std::string expected;
    for (const auto& f : features_) expected += (expected.empty() ? "" : ",") + f;
    throw Error(data.source + ": features do not match the model's (" + expected + ")");
  }
  return standardizer_.transform(data.x);
}

TrainingTensors MixedEffectsModel::tensors(const ClusteredData& data) const {
  TrainingTensors t;
  t.x = model_input(data);
  if (data.has_target()) t.y = model_target(data.y);
  t.trials = data.trials;
  t.z = data.has_clusters() ? ClusterDesign{encoder_.encode(data.clusters), {}} : ClusterDesign::unknown(data.rows());
  return t;
}

MixedEffectsModel MixedEffectsModel::fit(const ModelConfig& config_in, const ClusteredData& data, std::ostream* progress,
                                         const FixedEffectsFactory& custom) {
  ModelConfig config = config_in;
  if (custom) config.fe = "custom";
  config.validate();
  check_data_kind(config, data);
  check_trainable(data, config.task);
  if (data.trials.defined() && config.task != "classification") throw Error("--trials needs --task classification");
  MixedEffectsModel m;
  m.config_ = config;
  m.features_ = data.feature_names;
  m.input_shape_ = std::vector<int64_t>(data.x.sizes().begin() + 1, data.x.sizes().end());
  if (config.weight_adversary < 0) m.config_.weight_adversary = config.adversary_weight();
  m.spec_.target = data.target_name;
  m.spec_.cluster = data.cluster_name;
  m.spec_.trials = data.trials_name;
  m.spec_.features = data.feature_columns;
  for (const auto& [column, levels] : data.levels) m.spec_.categorical.push_back(column);
  m.spec_.levels = data.levels;
  m.encoder_ = ClusterEncoder::fit(data.clusters);

  ClusteredData train = data, valid;
  if (config.validation_fraction > 0) {
    const std::vector<int64_t> strata = config.task == "classification" ? target_labels(data) : std::vector<int64_t>{};
    const Split split = split_within_clusters(data.clusters, strata, config.validation_fraction, config.seed);
    if (split.test.empty() || split.train.empty())
      throw Error("--validation-fraction " + std::to_string(config.validation_fraction) + " leaves no validation or training rows");
    train = subset(data, split.train);
    valid = subset(data, split.test);
  }
  if (!config.for_images()) m.standardizer_ = Standardizer::fit(train.x);
  if (config.task == "regression") {
    m.target_mean_ = train.y.to(torch::kFloat64).mean().item<double>();
    const double sd = train.y.to(torch::kFloat64).std(/*unbiased=*/false).item<double>();
    m.target_sd_ = sd > 1e-12 ? sd : 1.0;
  }

  torch::manual_seed(config.seed);
  m.build_network(custom);
  const TrainingTensors train_t = m.tensors(train);
  const TrainingTensors valid_t = valid.x.defined() ? m.tensors(valid) : TrainingTensors{};
  Trainer trainer(m.net_);
  m.history_ = trainer.fit(train_t, valid.x.defined() ? &valid_t : nullptr, m.target_sd_, progress);
  if (m.net_->membership) {
    // Held-out rows tell whether the predictor learned more than the cluster sizes: the
    // validation rows, or else a share of every training cluster's rows.
    TrainingTensors fit_rows = train_t, held_out = valid_t;
    if (!valid.x.defined()) {
      const Split split = split_within_clusters(train.clusters, {}, kMembershipHeldOutFraction, config.seed);
      fit_rows = train_t.subset(torch::tensor(split.train, torch::kInt64));
      held_out = train_t.subset(torch::tensor(split.test, torch::kInt64));
    }
    m.history_.membership =
        trainer.fit_membership(fit_rows, held_out, static_cast<int64_t>(m.history_.epochs.size()), progress);
  }
  return m;
}

Predictions MixedEffectsModel::predict(const ClusteredData& data, PredictMode mode, UnseenMode unseen) const {
  const torch::Tensor x = model_input(data);
  const bool can_infer = static_cast<bool>(net_->membership);
  if (mode == PredictMode::mixed && !net_->uses_clusters())
    throw Error("--mode mixed: a '" + config_.model + "' model has no cluster-specific part; use --mode fixed");
  if (mode == PredictMode::inferred && !can_infer)
    throw Error("--mode inferred: only armed models with random effects infer cluster membership");
  if (mode == PredictMode::mixed && !data.has_clusters())
    throw Error(data.source + ": --mode mixed needs the cluster column '" + spec_.cluster + "'");

  const int64_t n = data.rows();
  const torch::Tensor ids = data.has_clusters() ? encoder_.encode(data.clusters) : torch::full({n}, -1, torch::kInt64);
  const auto id = ids.accessor<int64_t, 1>();
  const bool infer_unseen =
      can_infer && (unseen == UnseenMode::inferred || (unseen == UnseenMode::automatic && history_.membership.beats_chance));
  const std::string for_unseen = infer_unseen ? "inferred" : "fixed";
  Predictions p;
  p.mode.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    switch (mode) {
      case PredictMode::fixed: p.mode[i] = "fixed"; break;
      case PredictMode::inferred: p.mode[i] = "inferred"; break;
      case PredictMode::mixed:
        if (id[i] < 0)
          throw Error(data.source + " data row " + std::to_string(i + 1) + ": cluster '" + data.clusters[i] +
                      "' was not seen in training; --mode mixed needs known clusters (use --mode fixed)");
        p.mode[i] = "mixed";
        break;
      case PredictMode::automatic:
        p.mode[i] = !net_->uses_clusters() ? "fixed" : id[i] >= 0 ? "mixed" : for_unseen;
        break;
    }
  }

  // Rows are served in one group per mode, each with its own design matrix.
  auto out = torch::empty({n}, torch::kFloat64);
  for (const char* group : {"mixed", "inferred", "fixed"}) {
    std::vector<int64_t> rows;
    for (int64_t i = 0; i < n; ++i)
      if (p.mode[i] == group) rows.push_back(i);
    if (rows.empty()) continue;
    auto index = torch::tensor(rows, torch::kInt64);
    const auto m = static_cast<int64_t>(rows.size());
    const ClusterDesign z = std::string(group) == "mixed"      ? ClusterDesign{ids.index_select(0, index), {}, false}
                            : std::string(group) == "inferred" ? ClusterDesign::inferred(m)
                                                               : ClusterDesign::unknown(m);
    out.index_copy_(0, index, network_output(net_, x.index_select(0, index), z).to(torch::kFloat64));
  }
  out = config_.task == "classification" ? torch::sigmoid(out) : out * target_sd_ + target_mean_;
  p.value.assign(out.data_ptr<double>(), out.data_ptr<double>() + n);
  return p;
}

torch::Tensor MixedEffectsModel::cluster_membership(const ClusteredData& data) const {
  if (!net_->membership) throw Error("model '" + config_.model + "' has no cluster-membership predictor (armed only)");
  torch::NoGradGuard no_grad;
  net_->eval();
  return net_->membership_probabilities(model_input(data));
}

nlohmann::json MixedEffectsModel::evaluate(const ClusteredData& data, PredictMode mode, UnseenMode unseen) const {
  if (!data.has_target()) throw Error(data.source + ": no target column '" + spec_.target + "' to evaluate against");
  const Predictions p = predict(data, mode, unseen);
  auto y = data.y.to(torch::kFloat64).contiguous();
  std::vector<double> target(y.data_ptr<double>(), y.data_ptr<double>() + y.numel());
  std::vector<double> prediction = p.value;
  std::vector<std::string> clusters = data.clusters;
  if (data.trials.defined()) {
    // Binomial rows are scored as their individual 0/1 trials.
    prediction.clear();
    target.clear();
    clusters.clear();
    const auto successes = target_labels(data);
    auto t = data.trials.to(torch::kInt64).contiguous();
    for (int64_t i = 0; i < data.rows(); ++i) {
      for (int64_t k = 0; k < t.data_ptr<int64_t>()[i]; ++k) {
        prediction.push_back(p.value[i]);
        target.push_back(k < successes[i] ? 1.0 : 0.0);
        if (data.has_clusters()) clusters.push_back(data.clusters[i]);
      }
    }
  }
  nlohmann::json j = metrics_by_cluster(config_.task, prediction, target, clusters);
  nlohmann::json modes = nlohmann::json::object();
  for (const auto& m : p.mode) modes[m] = modes.value(m, 0) + 1;
  j["model"] = config_.model;
  j["task"] = config_.task;
  j["rows"] = data.rows();
  j["modes"] = modes;
  return j;
}

}  // namespace armed
