#pragma once
#include <limits>
#include <optional>

#include "armed/model.h"
#include "data/standardizer.h"
#include "models/from_config.h"
#include "likelihood/likelihood.h"
#include "lmm/linear_mixed_model.h"
#include "nn/network.h"
#include "train/trainer.h"

namespace armed {

// Everything a fitted model holds, behind MixedEffectsModel's public face.
struct MixedEffectsModel::State {
  ModelConfig config;
  DataSpec spec;                      // raw columns, categorical levels, trials; task left empty
  std::vector<std::string> features;  // model inputs (categorical columns expanded); empty for images
  std::vector<int64_t> input_shape;   // {features} or {C, H, W}
  std::vector<std::string> factor_names;  // the grouping factors (spec.cluster's list)
  std::vector<ClusterEncoder> encoders;    // per factor, the clusters seen in training
  Standardizer standardizer;
  double target_mean = 0.0, target_sd = 1.0;  // Gaussian targets are standardized for training
  // Binary targets trained with validation rows: the Youden threshold of the predictions there.
  double decision_threshold = std::numeric_limits<double>::quiet_NaN();
  static constexpr const char* kDecisionThresholdChosenBy = "the Youden point of the model's validation rows";
  TrainingHistory history;
  Network net{nullptr};
  // A linear mixed model's exact fit (config.linear_mixed_model()); `net` then carries its estimates
  // for prediction.
  std::optional<LmmFit> lmm;

  const Likelihood& likelihood() const;
  void build_network(const FixedEffectsFactory& custom);
  // Per factor, its clusters and random-effect terms: its own formula term, or the flags'.
  std::vector<FactorTerms> factor_terms() const;
  // The input columns random slopes on `slopes` act on (inputs, or feature names a,b).
  std::vector<int64_t> slope_columns(const std::string& slopes) const;
  // Maps a factor's random-effect units on the model scale (standardized features and target) to
  // the original scale: u_original = A u_model.
  torch::Tensor original_scale_map(const FactorTerms& terms) const;
  torch::Tensor model_target(const torch::Tensor& y) const;
  TrainingTensors tensors(const ClusteredData& data) const;
  // Fits the linear mixed model to `data` by its exact likelihood (src/models/linear_mixed_model.cpp)
  // and sets the network's parameters to the estimates.
  void fit_linear_mixed_model(const ClusteredData& data, std::ostream* progress);
  // After a network's training, with the exact likelihood (src/models/exact_random_effects.cpp):
  // the random effects and variance components refitted by it, the network's fixed-effects output
  // (shifted and scaled by the fit) as the fixed part. A network whose output is the same on every
  // row is left out of it (its calibration's scale is 0), as are random slopes that the intercept
  // and the other slopes determine (their variance is 0).
  void fit_exact_random_effects(const TrainingTensors& train, std::ostream* progress);
  // --unseen auto's choice for `factor` (src/models/unseen_membership.cpp): for groups of the
  // clusters of `rows` (labelled `labels` by the factor), a second membership predictor trains
  // without the group, and record gets the task's loss on the held-out clusters' rows with the
  // second predictors' inferred membership and with the fixed effects, and whether inferred was
  // the lower. With fewer than three clusters the record stays as it is (not judged: fixed).
  void judge_inferred_membership(Trainer& trainer, const std::vector<std::string>& labels, const TrainingTensors& rows, size_t factor,
                                 int64_t max_epochs, MembershipRecord& record);
  // Throws armed::Error, before any training, for what the exact likelihood cannot fit: several
  // grouping factors of a multiclass model, quadrature beyond one random intercept.
  void check_exact_stage() const;
  // [rows] the variance of the random effects' part of eta (model scale, float64) for rows served
  // by designs z, whose slope features the network gave (network_outputs): the posterior's for
  // known clusters, the prior's for unknown ones, the mixture's for inferred membership
  // (src/models/prediction_interval.cpp).
  torch::Tensor random_effects_variance(const torch::Tensor& x, const std::vector<ClusterDesign>& z, const std::vector<torch::Tensor>& re_slopes);
  torch::Tensor model_input(const ClusteredData& data) const;  // checked; standardized (tabular) or as is (images)
};

// Throws armed::Error unless `data` holds what the configured model reads (features or images).
void check_data_kind(const ModelConfig& config, const ClusteredData& data);

}  // namespace armed
