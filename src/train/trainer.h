#pragma once
#include <torch/torch.h>

#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "armed/distributed.h"
#include "armed/history.h"
#include "likelihood/likelihood.h"
#include "nn/network.h"
#include "train/flat_parameters.h"
#include "train/sparse_adam.h"

namespace armed {

// Model-scale tensors: standardized features (and, for regression, standardized target).
struct TrainingTensors {
  torch::Tensor x, y;
  torch::Tensor trials;  // classification: trials per row (y counts successes); undefined: 1
  torch::Tensor offset;  // added to each row's link-scale outputs (counts: log exposure); undefined: 0
  std::vector<ClusterDesign> z;  // one per grouping factor

  int64_t rows() const { return x.defined() ? x.size(0) : 0; }
  TrainingTensors subset(const torch::Tensor& index) const;
};

enum class Optimizer { adam, lbfgs };

// How a Network is trained; src/models/ builds it from a ModelConfig (whose fields document these).
struct TrainerOptions {
  const Likelihood* likelihood = nullptr;
  Optimizer optimizer = Optimizer::adam;
  int64_t epochs = 0, batch_size = 0, patience = 0;
  double lr = 0;
  double weight_mixed = 0, weight_fixed = 0, weight_adversary = 0;
  bool confusion = false;  // the adversary objective: confusion rather than reverse
  double weight_reconstruction = 0, weight_classification = 0;
  double kl_weight = 0;
  bool elbo = false;  // the KL weight becomes 1/rows
  bool stop_on_metric = false;  // early stopping follows the validation metric rather than the loss
  // Early stopping follows the fixed-effects prediction's validation loss: the random effects are
  // refitted by an exact stage after training, so the network is what training must get right.
  bool stop_on_fixed = false;
};

// Loss terms of one training step as 0-dim tensors. The training loop sums them over an epoch and
// reads them once: an .item() per term and step costs as much as the small layers' arithmetic.
class StepTerms {
 public:
  void add(const char* name, const torch::Tensor& value) {
    names_.push_back(name);
    values_.push_back(value);
  }
  const std::vector<const char*>& names() const { return names_; }
  torch::Tensor stacked() const;              // [terms], without autograd history
  std::map<std::string, double> read() const;  // name -> value

 private:
  std::vector<const char*> names_;
  std::vector<torch::Tensor> values_;
};

// Where a minibatch fit() stands. With the weights, the optimizers' moments and the random number
// generator's state it is what a checkpoint holds: a fit resumed from it continues bit for bit.
struct FitProgress {
  int64_t epoch = 1;       // the epoch under way
  int64_t next_row = 0;    // rows of this epoch's permutation already stepped through
  torch::Tensor order;     // this epoch's row permutation; undefined before its first step
  torch::Tensor sums;      // this epoch's loss terms so far, each batch weighted by its share of rows
  std::vector<std::string> term_names;
  double epoch_seconds = 0;  // time spent in this epoch before a checkpoint
  bool finished = false;     // early stopping ended the epochs
  double best_val = INFINITY;  // the best validation score so far: the loss, or the metric signed so that lower is better
  int64_t since_best = 0;
  std::vector<torch::Tensor> best_weights;
  TrainingHistory history;
};

// When fit() hands its state to `write` (which calls Trainer::save_state): after every `every`-th
// epoch (0: never), and when a stop is requested, after the current step (fit() then throws
// Interrupted).
struct CheckpointSchedule {
  int64_t every = 0;
  std::function<void()> write;
};

// Trains a Network. L is the mean negative log-likelihood per row: Bernoulli/binomial on the logit
// scale, or Gaussian with the network's residual SD. With Adam, each minibatch step alternates
// (a) one adversary step minimizing CE(Z, adversary(h)) with the adversary's own optimizer, and
// (b) one main step minimizing w_mixed L(y, mixed) + w_fixed L(y, fixed) - w_adversary CE(Z,
// adversary(h)) + kl_weight KL, the random effects sampled (models without random effects use
// L(y, output) alone). With L-BFGS the same objective (no adversary) is minimized over the full
// batch, deterministically: the likelihood is taken in expectation over the random effects.
// With options.elbo the KL weight is 1/rows, making the objective the negative ELBO per row.
class Trainer {
 public:
  Trainer(Network net, TrainerOptions options);

  // The training rows' cluster ids per grouping factor, for the minibatch KL estimate of sparse
  // random-effect updates (NetworkOptions::sparse_random_effects); fit() sets them from its data,
  // callers of step() alone must.
  void set_training_clusters(const std::vector<torch::Tensor>& ids);

  // One step on a batch (z: one design per grouping factor); returns the batch's loss terms (as in
  // EpochRecord::terms, plus "total"). With several factors, "adversary" sums the adversaries'
  // losses and "adversary_accuracy" averages their accuracies.
  StepTerms step(const torch::Tensor& x, const torch::Tensor& y, const std::vector<ClusterDesign>& z, const torch::Tensor& trials = {},
                 const torch::Tensor& offset = {});

  // Minibatch epochs over `train`; with `valid`, early stopping on validation loss restores the
  // best weights. One progress line per epoch goes to `progress` when it is not null.
  // `target_scale` converts regression RMSE back to the target's units for reporting.
  TrainingHistory fit(const TrainingTensors& train, const TrainingTensors* valid, double target_scale,
                      std::ostream* progress);

  // Trains a grouping factor's cluster-membership predictor (armed models) to classify `train`'s
  // rows into the factor's clusters, with the main networks' batch size, learning rate and
  // patience: early stopping on the cross-entropy of the `held_out` rows, at most `max_epochs`
  // epochs (those the main networks ran) and at most the main networks' compute: max_epochs passes
  // over `train` at their parameters per row, in rows at its own (with many clusters its output
  // layer outweighs them), keeping the best weights. `name` labels its progress line (empty: a
  // model with one factor).
  // Trains data-parallel with the other ranks of `group` (null: alone). Each rank steps through
  // its share of every batch, scaled by the share, and gradients are summed across ranks before
  // every update; fit() starts from rank 0's state (weights, optimizers, random number
  // generator, progress), so every rank holds the same model throughout. A stop request on any
  // rank stops all of them after the same step. Batch normalization normalizes each rank's share,
  // as DistributedDataParallel without SyncBatchNorm does; its running statistics are averaged
  // over the ranks after every epoch.
  void set_group(ProcessGroup::Collective* group) { group_ = group; }
  // Checkpoints for fit() (see CheckpointSchedule); without them a stop request throws Interrupted.
  void set_checkpoints(CheckpointSchedule schedule) { checkpoints_ = std::move(schedule); }
  // The state fit() continues from: weights, optimizers, the random number generator, progress.
  // load_state throws armed::Error naming `source` when the state does not fit this trainer.
  // Without the history (a replay's snapshot: it would grow with every epoch), load_state keeps the trainer's.
  void save_state(std::ostream& out, bool with_history = true) const;
  void load_state(std::istream& in, const std::string& source);
  const FitProgress& progress() const { return progress_; }

  // `membership`: the network's predictor for the factor, or another of its shape (one trained
  // without some clusters, to judge inferred membership on them).
  MembershipRecord fit_membership(MembershipPredictorImpl& membership, const TrainingTensors& train, const TrainingTensors& held_out,
                                  size_t factor, int64_t max_epochs, const std::string& name, std::ostream* progress);

 private:
  // Rows [progress_.next_row, n) of the epoch under way, one step per batch, summed into progress_.
  void run_epoch_steps(const TrainingTensors& train);
  // After an epoch whose loss terms or parameters became non-finite: replays the epoch from its
  // start with a check after every step, and throws armed::Error naming the step and what went
  // non-finite.
  [[noreturn]] void locate_divergence(const TrainingTensors& train, const std::string& epoch_start);
  // In a replay (checking_), throws NonFinite when a tensor of `what` holds a non-finite value.
  void check_finite(const std::vector<torch::Tensor>& tensors, const std::string& what) const;
  std::vector<torch::Tensor> state_tensors() const;  // parameters and buffers, in the modules' order
  // The rows of `batch` (a global batch of `rows`) this rank steps through; sets share_. Alone: all.
  TrainingTensors share_of_batch(const TrainingTensors& train, const torch::Tensor& batch);
  // With a group: sums each rank's gradients of `parameters`, scaled by share_, in place, and
  // returns whether any rank asked to stop. Alone: whether a stop was asked for.
  bool reduce_gradients(const std::vector<torch::Tensor>& parameters, const char* during);
  void reduce_sparse_gradients();  // the random effects' sparse table gradients, likewise
  // Evaluation outputs for every row of `data` (the fixed-effects ones with `fixed`), each rank
  // computing its share of the rows.
  torch::Tensor outputs(const TrainingTensors& data, bool fixed);
  void start_from_rank_zero();  // every rank takes rank 0's state
  // What a step of a full batch sends: the all-reduced and gathered bytes, as a progress line.
  std::string communication_per_step();
  void average_running_statistics();
  TrainingHistory fit_full_batch(const TrainingTensors& train, double target_scale, std::ostream* progress);
  torch::Tensor objective_terms(const NetworkOutput& out, const TrainingTensors& batch, bool expected, StepTerms& terms);

  Network net_;
  TrainerOptions options_;
  double kl_scale_;
  // Adam: main and adversary parameters each in one buffer (L-BFGS runs in double on its own).
  std::unique_ptr<FlatParameters> main_flat_, adversary_flat_;
  torch::optim::Adam main_optimizer_;
  std::unique_ptr<torch::optim::Adam> adversary_optimizer_;
  std::vector<torch::Tensor> adversary_parameters_;
  std::unique_ptr<SparseAdam> sparse_optimizer_;  // the random effects' tables when updates are sparse
  std::vector<torch::Tensor> cluster_kl_weight_;  // per factor, [clusters] training rows / the cluster's rows
  FitProgress progress_;
  CheckpointSchedule checkpoints_;
  bool checking_ = false;  // replaying an epoch to find where it diverged
  ProcessGroup::Collective* group_ = nullptr;
  double share_ = 1.0;          // this rank's share of the current batch's rows (0: a stand-in row)
  int64_t max_share_rows_ = 0;  // the largest rank's share of the current batch
  bool stop_agreed_ = false;    // a rank asked to stop in the last step
};

}  // namespace armed
