#pragma once
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace armed {

// What training recorded: one record per epoch, and how the cluster-membership predictor fared.
struct EpochRecord {
  int64_t epoch = 0;
  double loss = 0, metric = 0;              // training objective, and AUROC (or RMSE on the target's scale)
  double val_loss = NAN, val_metric = NAN;  // task loss and metric of the prediction on validation rows
  double samples_per_second = 0;
  std::map<std::string, double> terms;      // loss terms: mixed, fixed, adversary, adversary_accuracy, kl
};

// How the cluster-membership predictor (armed) fared on rows it was not trained on, and how
// --unseen auto serves clusters not seen in training: second predictors, each trained without a
// group of the training clusters, infer those clusters' membership, and inferred membership is
// the default where it predicted their rows better than the fixed effects alone.
struct MembershipRecord {
  int64_t epochs = 0;               // epochs trained (early stopping on the held-out rows)
  int64_t best_epoch = 0;           // the epoch whose weights were kept
  int64_t held_out_rows = 0;
  double held_out_accuracy = NAN;   // of the kept weights
  double chance = NAN;              // the held-out share of the most frequent cluster: a constant guess's accuracy
  bool beats_chance = false;        // accuracy above chance by more than two binomial standard errors
  int64_t held_out_clusters = 0;    // training clusters judged, each unseen by a second predictor (0: too few to judge)
  int64_t unseen_rows = 0;          // their rows
  double unseen_loss_fixed = NAN;     // the task's mean loss on those rows with the fixed effects for their cluster
  double unseen_loss_inferred = NAN;  // ... and with the second predictor's inferred membership
  bool infer_unseen = false;          // inferred was the lower: --unseen auto infers membership
};

struct TrainingHistory {
  std::vector<EpochRecord> epochs;
  int64_t best_epoch = 0;  // the epoch whose weights were kept
  std::vector<MembershipRecord> membership;  // per grouping factor (armed models with random effects)
};

}  // namespace armed
