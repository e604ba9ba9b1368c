#include "armed/model.h"

#include <cmath>
#include <map>
#include <sstream>

#include "armed/data/split.h"
#include "armed/error.h"
#include "armed/metrics.h"
#include "models/checkpoint.h"
#include "models/from_config.h"
#include "models/model_state.h"
#include "models/same_run.h"

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

std::string Predictions::combined_mode(size_t row) const {
  std::string combination;
  for (const auto& factor : mode) combination += (combination.empty() ? "" : "+") + factor.at(row);
  return combination;
}

namespace {

std::string unseen_choice_line(const MembershipRecord& r, const std::string& factor) {
  std::ostringstream line;
  line << "unseen clusters" << (factor.empty() ? "" : " of '" + factor + "'") << " (--unseen auto): "
       << (r.infer_unseen ? "inferred membership" : "the fixed effects");
  if (r.held_out_clusters == 0)
    line << " (too few clusters to hold some out of a second predictor and judge)";
  else
    line << " (judged on " << r.held_out_clusters << " training clusters, each held out of a second predictor's training, " << r.unseen_rows
         << " rows: loss " << r.unseen_loss_inferred << " inferred, " << r.unseen_loss_fixed << " fixed)";
  return line.str();
}

}  // namespace

MixedEffectsModel::MixedEffectsModel() : s_(std::make_shared<State>()) {}

const ModelConfig& MixedEffectsModel::config() const { return s_->config; }
const std::vector<std::string>& MixedEffectsModel::feature_names() const { return s_->features; }
const std::vector<int64_t>& MixedEffectsModel::input_shape() const { return s_->input_shape; }
const std::string& MixedEffectsModel::target_name() const { return s_->spec.target; }
const std::string& MixedEffectsModel::cluster_name() const { return s_->factor_names.front(); }
const std::vector<std::string>& MixedEffectsModel::factor_names() const { return s_->factor_names; }
const ClusterEncoder& MixedEffectsModel::clusters(size_t factor) const { return s_->encoders.at(factor); }
const TrainingHistory& MixedEffectsModel::history() const { return s_->history; }
const DataSpec& MixedEffectsModel::data_spec() const { return s_->spec; }

MixedEffectsModel MixedEffectsModel::fit(const ModelConfig& config_in, const ClusteredData& data, std::ostream* progress,
                                         const FixedEffectsFactory& custom, const Checkpointing& checkpointing, const ProcessGroup& group) {
  ModelConfig config = config_in;
  if (custom) config.fe = "custom";
  config.validate();
  if (group.rank() != 0) progress = nullptr;
  if (group.distributed()) check_same_run(*group.collective(), config, data);
  if (checkpointing.resume && checkpointing.dir.empty()) throw Error("--resume: no checkpoint directory given");
  if (!checkpointing.dir.empty() && config.linear_mixed_model())
    throw Error("--checkpoint-every, --resume: a linear mixed model is fitted exactly in one go and takes no checkpoints");
  check_data_kind(config, data);
  check_trainable(data, config.task);
  const Likelihood& family = likelihood(config.task);
  if (data.trials.defined() && !family.takes_trials()) throw Error("--trials needs --task classification");
  if (data.offset.defined() && !family.takes_exposure()) throw Error("--exposure needs --task count");
  MixedEffectsModel m;
  m.s_->config = config;
  m.s_->features = data.feature_names;
  m.s_->input_shape = std::vector<int64_t>(data.x.sizes().begin() + 1, data.x.sizes().end());
  if (config.weight_adversary < 0) m.s_->config.weight_adversary = config.adversary_weight();
  m.s_->spec.target = data.target_name;
  for (const auto& factor : data.factors) {
    m.s_->spec.cluster += (m.s_->spec.cluster.empty() ? "" : ",") + factor.name;
    m.s_->factor_names.push_back(factor.name);
    m.s_->encoders.push_back(ClusterEncoder::fit(factor.labels));
  }
  m.s_->spec.trials = data.trials_name;
  m.s_->spec.exposure = data.exposure_name;
  m.s_->spec.features = data.feature_columns;
  m.s_->spec.no_features = !config.for_images() && data.feature_columns.empty();
  for (const auto& [column, levels] : data.levels) m.s_->spec.categorical.push_back(column);
  m.s_->spec.levels = data.levels;
  m.s_->spec.target_levels = data.target_levels;
  if (family.one_column_per_class() && data.target_levels.empty()) {
    // Class indices without names (data built in C++): the classes are 0..max.
    const int64_t classes = data.y.max().item<int64_t>() + 1;
    for (int64_t k = 0; k < classes; ++k) m.s_->spec.target_levels.push_back(std::to_string(k));
  }
  if (progress && family.one_column_per_class()) {
    std::string classes;
    for (const auto& level : m.s_->spec.target_levels) classes += (classes.empty() ? "" : ", ") + level;
    *progress << "target " << data.target_name << ": " << m.s_->spec.target_levels.size() << " classes (" << classes << ")" << std::endl;
  } else if (progress && !data.target_levels.empty()) {
    *progress << "target " << data.target_name << ": '" << data.target_levels[1] << "' is the event (1), '" << data.target_levels[0]
              << "' the reference (0)" << std::endl;
  }

  ClusteredData train = data, valid;
  if (config.validation_fraction > 0) {
    const std::vector<int64_t> strata = family.stratifies_splits() ? target_labels(data) : std::vector<int64_t>{};
    const Split split = split_within_clusters(data.clusters(), strata, config.validation_fraction, config.seed);
    if (split.test.empty() || split.train.empty())
      throw Error("--validation-fraction " + std::to_string(config.validation_fraction) + " leaves no validation or training rows");
    train = subset(data, split.train);
    valid = subset(data, split.test);
  }
  if (!config.for_images()) m.s_->standardizer = Standardizer::fit(train.x, /*centre=*/!config.no_intercept);
  if (family.has_residual_sd()) {
    const auto y = train.y.to(torch::kFloat64);
    m.s_->target_mean = config.no_intercept ? 0.0 : y.mean().item<double>();
    const double sd = config.no_intercept ? y.square().mean().sqrt().item<double>() : y.std(/*unbiased=*/false).item<double>();
    m.s_->target_sd = sd > 1e-12 ? sd : 1.0;
  }

  torch::manual_seed(config.seed);
  m.s_->build_network(custom);
  if (config.exact_likelihood()) m.s_->check_exact_stage();
  if (config.linear_mixed_model()) {
    m.s_->fit_linear_mixed_model(train, progress);
    return m;
  }
  const TrainingTensors train_t = m.s_->tensors(train);
  const TrainingTensors valid_t = valid.x.defined() ? m.s_->tensors(valid) : TrainingTensors{};
  Trainer trainer(m.s_->net, trainer_options(m.s_->config));
  trainer.set_group(group.collective());
  if (!checkpointing.dir.empty() && group.rank() == 0) {
    const std::string fingerprint = data_fingerprint(data);
    if (checkpointing.resume) resume_from_checkpoint(checkpointing, trainer, config, fingerprint, progress);
    trainer.set_checkpoints(
        {checkpointing.every, [&checkpointing, &trainer, &config, fingerprint] { write_checkpoint(checkpointing, trainer, config, fingerprint); }});
  }
  m.s_->history = trainer.fit(train_t, valid.x.defined() ? &valid_t : nullptr, m.s_->target_sd, progress);
  // The exact stage reads every row, the validation rows too: on rows it was trained on the network
  // has partly memorized the targets, cluster effects included, which biases the variance
  // components low when clusters have few rows (bench: armed benchmark glmm, q = 10000).
  if (config.exact_likelihood()) {
    try {
      m.s_->fit_exact_random_effects(valid.x.defined() ? m.s_->tensors(data) : train_t, progress);
    } catch (const Error& e) {
      throw Error(std::string("the exact stage after training: ") + e.what() + "; --likelihood variational skips it and keeps the trained random effects");
    }
  }
  if (!m.s_->net->memberships.empty()) {
    // Held-out rows tell whether a predictor learned more than the cluster sizes: the validation
    // rows, or else a share of every training cluster's rows (of the first factor).
    TrainingTensors fit_rows = train_t, held_out = valid_t;
    if (!valid.x.defined()) {
      const Split split = split_within_clusters(train.clusters(), {}, kMembershipHeldOutFraction, config.seed);
      fit_rows = train_t.subset(torch::tensor(split.train, torch::kInt64));
      held_out = train_t.subset(torch::tensor(split.test, torch::kInt64));
    }
    const size_t factors = m.s_->factor_names.size();
    const auto epochs = static_cast<int64_t>(m.s_->history.epochs.size());
    for (size_t f = 0; f < factors; ++f) {
      const std::string name = factors == 1 ? "" : m.s_->factor_names[f];
      MembershipRecord record = trainer.fit_membership(*m.s_->net->memberships[f], fit_rows, held_out, f, epochs, name, progress);
      m.s_->judge_inferred_membership(trainer, train.factors[f].labels, train_t, f, epochs, record);
      if (progress) *progress << unseen_choice_line(record, name) << std::endl;
      m.s_->history.membership.push_back(record);
    }
  }
  if (valid.x.defined() && !valid.trials.defined() && family.predicts_probability() && !family.one_column_per_class()) {
    const std::vector<int64_t> labels = target_labels(valid);
    m.s_->decision_threshold = youden_threshold(m.predict(valid).value, std::vector<double>(labels.begin(), labels.end()));
    if (progress) *progress << "decision threshold " << m.s_->decision_threshold << ": the Youden point of the validation rows" << std::endl;
  }
  return m;
}

double MixedEffectsModel::decision_threshold() const { return s_->decision_threshold; }

Predictions MixedEffectsModel::predict(const ClusteredData& data, PredictMode mode, UnseenMode unseen, double interval) const {
  if (interval != 0 && !(interval > 0 && interval < 1)) throw Error("--interval: must be a coverage between 0 and 1, e.g. 0.95");
  const Likelihood& family = s_->likelihood();
  if (interval != 0 && family.one_column_per_class())
    throw Error("--interval: not available for --task " + s_->config.task + "; its class probabilities come without intervals");
  if (interval != 0 && !s_->net->block_effects.empty())
    throw Error("--interval: not available with --block-effects: those random effects act inside the network, not on its output");
  const torch::Tensor x = s_->model_input(data);
  const bool can_infer = !s_->net->memberships.empty();
  if (mode == PredictMode::mixed && !s_->net->uses_clusters())
    throw Error("--mode mixed: a '" + s_->config.model + "' model has no cluster-specific part; use --mode fixed");
  if (mode == PredictMode::inferred && !can_infer)
    throw Error("--mode inferred: only armed models with random effects infer cluster membership");

  const int64_t n = data.rows();
  const size_t factors = s_->factor_names.size();
  Predictions p;
  p.mode.assign(factors, std::vector<std::string>(static_cast<size_t>(n)));
  std::vector<torch::Tensor> ids(factors);
  for (size_t f = 0; f < factors; ++f) {
    const GroupingFactor* factor = data.factor(s_->factor_names[f]);
    if (mode == PredictMode::mixed && !factor)
      throw Error(data.source + ": --mode mixed needs the cluster column '" + s_->factor_names[f] + "'");
    ids[f] = factor ? s_->encoders[f].encode(factor->labels) : torch::full({n}, -1, torch::kInt64);
    const auto id = ids[f].accessor<int64_t, 1>();
    const bool judged_better = f < s_->history.membership.size() && s_->history.membership[f].infer_unseen;
    const bool infer_unseen = can_infer && (unseen == UnseenMode::inferred || (unseen == UnseenMode::automatic && judged_better));
    const std::string for_unseen = infer_unseen ? "inferred" : "fixed";
    auto& modes = p.mode[f];
    for (int64_t i = 0; i < n; ++i) {
      switch (mode) {
        case PredictMode::fixed: modes[i] = "fixed"; break;
        case PredictMode::inferred: modes[i] = "inferred"; break;
        case PredictMode::mixed:
          if (id[i] < 0)
            throw Error(data.source + " data row " + std::to_string(i + 1) + ": " + s_->factor_names[f] + " '" + factor->labels[i] +
                        "' was not seen in training; --mode mixed needs known clusters (use --mode fixed)");
          modes[i] = "mixed";
          break;
        case PredictMode::automatic:
          modes[i] = !s_->net->uses_clusters() ? "fixed" : id[i] >= 0 ? "mixed" : for_unseen;
          break;
      }
    }
  }

  // Rows are served in one group per combination of the factors' modes, each with its own design matrices.
  std::map<std::vector<std::string>, std::vector<int64_t>> groups;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<std::string> key;
    for (size_t f = 0; f < factors; ++f) key.push_back(p.mode[f][i]);
    groups[key].push_back(i);
  }
  const int64_t classes = static_cast<int64_t>(s_->spec.target_levels.size());
  auto out = family.one_column_per_class() ? torch::empty({n, classes}, torch::kFloat64) : torch::empty({n}, torch::kFloat64);
  auto variance = torch::zeros({n}, torch::kFloat64);
  for (const auto& [key, rows] : groups) {
    auto index = torch::tensor(rows, torch::kInt64);
    const auto m = static_cast<int64_t>(rows.size());
    std::vector<ClusterDesign> z;
    for (size_t f = 0; f < factors; ++f)
      z.push_back(key[f] == "mixed"      ? ClusterDesign{ids[f].index_select(0, index), {}, false}
                  : key[f] == "inferred" ? ClusterDesign::inferred(m)
                                         : ClusterDesign::unknown(m));
    const auto rows_x = x.index_select(0, index);
    if (interval > 0) {
      const NetworkOutput outputs = network_outputs(s_->net, rows_x, z);
      out.index_copy_(0, index, outputs.output.to(torch::kFloat64));
      variance.index_copy_(0, index, s_->random_effects_variance(rows_x, z, outputs.re_slopes));
    } else {
      out.index_copy_(0, index, network_output(s_->net, rows_x, z).to(torch::kFloat64));
    }
  }
  if (data.offset.defined()) out = out + data.offset.to(torch::kFloat64);  // counts: per the row's exposure
  const auto to_target = [&](const torch::Tensor& eta) {
    const auto mean = family.mean(eta).contiguous();
    return family.has_residual_sd() ? (mean * s_->target_sd + s_->target_mean).contiguous() : mean;
  };
  const auto value = to_target(out);
  if (family.one_column_per_class()) {
    const auto best = value.argmax(1).to(torch::kFloat64).contiguous();
    p.value.assign(best.data_ptr<double>(), best.data_ptr<double>() + n);
    const double* row = value.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i, row += classes) p.probabilities.emplace_back(row, row + classes);
    return p;
  }
  p.value.assign(value.data_ptr<double>(), value.data_ptr<double>() + n);
  if (interval > 0) {
    // A normal quantile: the link-scale effect is normal under the posterior (and so is the
    // residual); bounds map through the inverse link, which is monotone.
    const double z = std::sqrt(2.0) * torch::special::erfinv(torch::tensor(interval, torch::kFloat64)).item<double>();
    if (family.has_residual_sd()) variance = variance + s_->net->log_residual_sd.exp().square().item<double>();
    const auto half = z * variance.sqrt();
    const auto lower = to_target(out - half), upper = to_target(out + half);
    p.lower.assign(lower.data_ptr<double>(), lower.data_ptr<double>() + n);
    p.upper.assign(upper.data_ptr<double>(), upper.data_ptr<double>() + n);
  }
  return p;
}

torch::Tensor MixedEffectsModel::cluster_membership(const ClusteredData& data, size_t factor) const {
  if (s_->net->memberships.empty()) throw Error("model '" + s_->config.model + "' has no cluster-membership predictor (armed only)");
  if (factor >= s_->net->memberships.size()) throw Error("the model has " + std::to_string(s_->net->memberships.size()) + " grouping factors");
  torch::NoGradGuard no_grad;
  s_->net->eval();
  return s_->net->membership_probabilities(s_->model_input(data), factor);
}

nlohmann::json MixedEffectsModel::evaluate(const ClusteredData& data, PredictMode mode, UnseenMode unseen, double threshold) const {
  if (!std::isnan(threshold) && !(threshold > 0 && threshold < 1)) throw Error("--threshold: must be a probability between 0 and 1");
  if (!data.has_target()) throw Error(data.source + ": no target column '" + s_->spec.target + "' to evaluate against");
  const Predictions p = predict(data, mode, unseen);
  auto y = data.y.to(torch::kFloat64).contiguous();
  std::vector<double> target(y.data_ptr<double>(), y.data_ptr<double>() + y.numel());
  std::vector<double> prediction = p.value;
  if (!p.probabilities.empty()) {
    prediction.clear();  // every class's probability, row after row
    for (const auto& row : p.probabilities) prediction.insert(prediction.end(), row.begin(), row.end());
  }
  std::vector<std::string> clusters = data.clusters();
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
        if (data.has_clusters()) clusters.push_back(data.clusters()[i]);
      }
    }
  }
  const Likelihood& family = s_->likelihood();
  nlohmann::json j = metrics_by_cluster([&](const std::vector<double>& p, const std::vector<double>& t) { return family.metrics(p, t); },
                                        prediction, target, clusters);
  nlohmann::json modes = nlohmann::json::object();
  for (size_t i = 0; i < p.value.size(); ++i) {
    const std::string combination = p.combined_mode(i);
    modes[combination] = modes.value(combination, 0) + 1;
  }
  if (family.predicts_probability() && !family.one_column_per_class()) {  // a binary target
    const bool given = !std::isnan(threshold);
    j["overall"]["decisions"] = decision_report(prediction, target, given ? threshold : s_->decision_threshold,
                                                given ? "--threshold" : State::kDecisionThresholdChosenBy);
  } else if (!std::isnan(threshold)) {
    throw Error("--threshold: for binary targets; a '" + s_->config.task + "' model has no decision threshold");
  }
  j["model"] = s_->config.model;
  j["task"] = s_->config.task;
  j["rows"] = data.rows();
  j["modes"] = modes;
  return j;
}

}  // namespace armed
