#pragma once
#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include <torch/torch.h>

#include <limits>
#include <memory>

#include "armed/config.h"
#include "armed/data/cluster_encoder.h"
#include "armed/data/clustered_data.h"
#include "armed/distributed.h"
#include "armed/fixed_effects.h"
#include "armed/history.h"

namespace armed {

// How a row's cluster enters the prediction, per grouping factor. mixed: the row's own (seen)
// cluster; fixed: Z = 0, the fixed effects alone; inferred: Z = the cluster-membership predictor's
// probabilities (armed). automatic: mixed for clusters seen in training, and for new clusters or
// rows without a cluster the `UnseenMode`: inferred, fixed, or automatic (inferred only where the
// factor's membership predictor beat chance on held-out rows, else fixed). A row may thus get its
// seen school's random effects and, for an unseen rater, inferred membership.
enum class PredictMode { automatic, mixed, fixed, inferred };
enum class UnseenMode { automatic, inferred, fixed };
PredictMode parse_predict_mode(const std::string& name);
UnseenMode parse_unseen_mode(const std::string& name);

struct Predictions {
  // Probability of class 1, the regression prediction, the expected count, or (multiclass) the
  // most probable class's index into the target's classes (data_spec().target_levels).
  std::vector<double> value;
  // Multiclass: per row, each class's probability, in the order of the target's classes. Empty otherwise.
  std::vector<std::vector<double>> probabilities;
  // With an interval (predict's `interval`, e.g. 0.95), per row its bounds. Regression: the
  // posterior predictive interval of the target (the random effects' uncertainty and the residual
  // noise); classification: of the probability, counts: of the expected count, from the random
  // effects' uncertainty alone (the cluster's posterior; for a cluster not seen, the population's
  // variance components, or the mixture its inferred membership makes). The fixed effects are
  // taken as known. Empty without an interval; not available for multiclass.
  std::vector<double> lower, upper;
  // Per grouping factor, per row: "mixed", "inferred" or "fixed", what served the row's cluster.
  std::vector<std::vector<std::string>> mode;
  // The row's modes in factor order joined by '+': "mixed", or with two factors e.g. "mixed+inferred".
  std::string combined_mode(size_t row) const;
};

// Checkpoints of a network's training; none of it changes the model fitted. The trainer's state
// (weights, optimizers' moments, random number generator, epoch and position, early stopping,
// history) goes to `dir`, replaced atomically, after every `every`-th epoch and when a stop is
// requested (request_stop; the CLI's SIGINT and SIGTERM), after the current step. With `resume`,
// fit() continues from dir's checkpoint, given the config and data it was taken with: the model
// is then the one an uninterrupted run with the same seed and threads fits, bit for bit.
// Linear mixed models and full-batch (lbfgs) fits take no checkpoints.
struct Checkpointing {
  std::string dir;           // empty: no checkpoints
  int64_t every = 0;         // epochs between checkpoints; 0: only on a stop request
  bool resume = false;
  std::string caller_state;  // stored with each checkpoint for read_checkpoint (the CLI: its data options)
};

// What a checkpoint directory holds of its run; throws armed::Error when `dir` holds none.
struct CheckpointedRun {
  ModelConfig config;
  std::string caller_state;
  int64_t epoch = 0;  // the epoch it continues with
  int threads = 0;    // LibTorch threads of the run that wrote it
};
CheckpointedRun read_checkpoint(const std::string& dir);

// A trained model with everything needed to apply it to new data: configuration, feature names,
// cluster vocabulary, standardization and weights.
class MixedEffectsModel {
 public:
  // Without validation rows, this share of every training cluster's rows is held out from the
  // cluster-membership predictor to stop it early and to judge it against chance.
  static constexpr double kMembershipHeldOutFraction = 0.1;

  // Trains on `data` (features on their original scale). Progress lines go to `progress`. With
  // `custom`, the fixed-effects part is the user's network it builds (the config's `fe` becomes
  // "custom" and `hidden` is unused); armed adds the adversary, random effects and membership
  // predictor the config asks for. With a distributed `group`, every rank calls fit() with the
  // same config and data (checked: a rank that differs from rank 0 fails them all) and gets the
  // same model; rank 0 alone writes progress lines and checkpoints, and resumes from
  // checkpointing.dir (the others take its state). Linear mixed models and lbfgs fits are fitted
  // by every rank alike.
  static MixedEffectsModel fit(const ModelConfig& config, const ClusteredData& data, std::ostream* progress = nullptr,
                               const FixedEffectsFactory& custom = {}, const Checkpointing& checkpointing = {},
                               const ProcessGroup& group = {});

  Predictions predict(const ClusteredData& data, PredictMode mode = PredictMode::automatic,
                      UnseenMode unseen = UnseenMode::automatic, double interval = 0) const;
  // {"model", "rows", "modes": {...}, "overall": {...}, "clusters": {...}}; needs a target. "modes"
  // counts the rows per Predictions::combined_mode.
  // "clusters" breaks the metrics down by the first grouping factor. Binary targets add
  // "decisions" (decision_report of every row): at 0.5, at the Youden point of these rows, at
  // `threshold` when given, else at decision_threshold() when the model has one.
  nlohmann::json evaluate(const ClusteredData& data, PredictMode mode = PredictMode::automatic,
                          UnseenMode unseen = UnseenMode::automatic,
                          double threshold = std::numeric_limits<double>::quiet_NaN()) const;
  // Binary targets of a model trained with validation rows: the Youden threshold of its
  // predictions there, chosen on rows it did not train on; NaN otherwise.
  double decision_threshold() const;
  // [rows, clusters] probabilities of each row belonging to each training cluster of a grouping
  // factor (armed models).
  torch::Tensor cluster_membership(const ClusteredData& data, size_t factor = 0) const;

  // aec models: [rows, latent] the fixed-effects latent of each image, the representation the
  // adversary keeps free of cluster information.
  torch::Tensor embed(const ClusteredData& data) const;
  // aec models: [rows, C, H, W] reconstructions. `cluster` empty: the fixed-effects decoder's
  // (no cluster style); a training cluster's label: aec-armed's random-effects decoder, every
  // image in that cluster's style.
  torch::Tensor reconstruct(const ClusteredData& data, const std::string& cluster = "") const;
  // Image models: [rows, H, W] where the prediction looks, by occlusion (Zeiler and Fergus): how far
  // the link-scale prediction (binary: the logit; multiclass: the most probable class's, unoccluded)
  // moves when a `window` x `window` square (0: a seventh of the picture's height, at least 2)
  // takes the data's median pixel value, per pixel averaged over the squares covering it. `mode`
  // fixed: the fixed effects; mixed: the row's own cluster, which must have been seen. It needs
  // only the model's predictions, so it serves a user's own network as the built-in ones.
  torch::Tensor saliency(const ClusteredData& data, PredictMode mode = PredictMode::fixed, int64_t window = 0) const;

  // Random effects as JSON: for every random effect (intercept, each slope), every cluster's
  // posterior mean and SD, the prior SD (fixed or learned) and the inter-cluster SD estimate.
  // With slopes on input features, also "random_effects_sd" (and "random_effects_corr" with a
  // full covariance) on the original feature and target scale; with a linear fixed-effects
  // part, "fixed_effects" on that scale; for regression, "residual_sd". A linear mixed model
  // (ModelConfig::linear_mixed_model) reports everything on the original scale, each level's
  // conditional mode (BLUP) and conditional SD as its mean and SD, and "linear_mixed_model":
  // ML or REML, criterion, log-likelihood, AIC, BIC, fixed effects with standard errors and t
  // values, levels per factor, theta and the optimizer's evaluations.
  nlohmann::json effects() const;

  // Gradient of the fixed-effects prediction (probability, or value) with respect to each
  // standardized input feature, at the point `x` given on the original scale, with Z = 0.
  std::vector<double> fixed_effects_gradient(const std::vector<double>& x) const;

  // Writes DIR/config.json and DIR/weights.pt into a staging directory renamed into place.
  void save(const std::string& dir) const;
  // Throws armed::Error for a missing, corrupt or mismatched model directory. A model fitted with
  // a custom network needs the same factory again.
  static MixedEffectsModel load(const std::string& dir, const FixedEffectsFactory& custom = {});

  const ModelConfig& config() const;
  const std::vector<std::string>& feature_names() const;
  const std::vector<int64_t>& input_shape() const;  // {features} or {C, H, W}
  const std::string& target_name() const;
  const std::string& cluster_name() const;                // the first grouping factor
  const std::vector<std::string>& factor_names() const;  // every grouping factor, in the formula's (or --cluster's) order
  const ClusterEncoder& clusters(size_t factor = 0) const;  // a factor's clusters seen in training
  const TrainingHistory& history() const;
  // The data spec to read prediction data with: the training columns and levels, no task check.
  const DataSpec& data_spec() const;

  struct State;  // opaque: the fitted model's internals (src/models/model_state.h)

 private:
  MixedEffectsModel();
  std::shared_ptr<State> s_;  // copies share one fitted model
};

}  // namespace armed
