// Trainer::fit_membership: the cluster-membership predictor's training, early stopped on held-out
// rows and bounded by the main networks' compute.
#include <cmath>

#include "armed/error.h"
#include "armed/interrupt.h"
#include "dist/collective.h"
#include "train/divergence.h"
#include "train/flat_parameters.h"
#include "train/module_snapshot.h"
#include "train/trainer.h"

namespace armed {
namespace {

const char* non_finite_kind(const torch::Tensor& t) {
  return torch::isnan(t).any().item<bool>() ? "nan" : "infinite";
}

// Held-out mean cross-entropy and accuracy of the membership predictor, in chunks.
std::pair<double, double> membership_scores(MembershipPredictorImpl& membership, const TrainingTensors& rows, size_t factor,
                                            int64_t chunk) {
  torch::NoGradGuard no_grad;
  membership.eval();
  double loss = 0.0, correct = 0.0;
  for (int64_t start = 0; start < rows.rows(); start += chunk) {
    const int64_t len = std::min(chunk, rows.rows() - start);
    const auto logits = membership.logits(rows.x.narrow(0, start, len));
    const auto ids = rows.z[factor].ids.narrow(0, start, len);
    loss += torch::cross_entropy_loss(logits, ids, {}, at::Reduction::Sum).item<double>();
    correct += logits.argmax(1).eq(ids).sum().item<double>();
  }
  const auto n = static_cast<double>(rows.rows());
  return {loss / n, correct / n};
}

}  // namespace

MembershipRecord Trainer::fit_membership(MembershipPredictorImpl& membership, const TrainingTensors& train, const TrainingTensors& held_out,
                                         size_t factor, int64_t max_epochs, const std::string& name, std::ostream* progress) {
  TORCH_CHECK(factor < net_->factors(), "fit_membership: no grouping factor ", factor);
  const torch::Tensor& train_ids = train.z[factor].ids;
  const TrainerOptions& cfg = options_;
  torch::optim::Adam optimizer(membership.parameters(), torch::optim::AdamOptions(cfg.lr));
  const int64_t n = train.rows(), chunk = prediction_chunk(*net_, /*soft=*/true);
  MembershipRecord record;
  record.held_out_rows = held_out.rows();
  double best_loss = INFINITY;
  int64_t since_best = 0;
  std::vector<torch::Tensor> best_weights;
  // What a predictor that learned nothing from the inputs scores on the held-out rows: the
  // cross-entropy of the training clusters' shares. No better than that after an epoch, it has
  // nothing to learn (the inputs do not tell the clusters apart), and training stops.
  double sizes_only = INFINITY;
  if (held_out.rows() > 0) {
    const int64_t clusters = net_->options.factors[factor].clusters;
    const auto share = (torch::bincount(train_ids, {}, clusters).to(torch::kFloat64) + 0.5) / (static_cast<double>(n) + 0.5 * static_cast<double>(clusters));
    sizes_only = -share.log().index_select(0, held_out.z[factor].ids).mean().item<double>();
  }
  // The compute budget, counted as rows x parameters (each row passes every weight once forward).
  int64_t main_per_row = parameter_count(net_->fixed_effects->parameters());
  for (auto& adversary : net_->adversaries) main_per_row += parameter_count(adversary->parameters());
  const auto budget_rows = static_cast<int64_t>(std::ceil(static_cast<double>(max_epochs) * static_cast<double>(n) *
                                                          static_cast<double>(main_per_row) /
                                                          static_cast<double>(parameter_count(membership.parameters()))));
  int64_t rows_trained = 0;
  for (int64_t epoch = 1; epoch <= max_epochs && rows_trained < budget_rows; ++epoch) {
    membership.train();
    auto order = torch::randperm(n, torch::kInt64);
    for (int64_t b = 0; b < n && rows_trained < budget_rows; b += cfg.batch_size) {
      if (group_ ? stop_agreed_ : stop_requested()) throw Interrupted();
      const auto index = order.narrow(0, b, std::min(cfg.batch_size, n - b));
      rows_trained += index.size(0);
      const TrainingTensors batch = share_of_batch(train, index);
      auto loss = torch::cross_entropy_loss(membership.logits(batch.x), batch.z[factor].ids);
      optimizer.zero_grad();
      loss.backward();
      if (group_) stop_agreed_ = reduce_gradients(membership.parameters(), "summing the membership predictor's gradients");
      optimizer.step();
    }
    record.epochs = epoch;
    for (const auto& p : membership.parameters())
      if (!torch::isfinite(p).all().item<bool>())
        throw Error("training the cluster-membership predictor diverged in its epoch " + std::to_string(epoch) + ": its weights are " +
                    non_finite_kind(p) + lr_hint(cfg.lr));
    if (record.held_out_rows == 0) continue;
    const auto [loss, accuracy] = membership_scores(membership, held_out, factor, chunk);
    if (loss < best_loss) {
      best_loss = loss;
      best_weights = snapshot(membership);
      record.best_epoch = epoch;
      record.held_out_accuracy = accuracy;
      since_best = 0;
    } else if (++since_best >= cfg.patience) {
      break;
    }
    if (best_loss >= sizes_only) break;
  }
  if (!best_weights.empty()) restore(membership, best_weights);
  membership.eval();
  if (record.held_out_rows > 0) {
    const auto held = static_cast<double>(record.held_out_rows);
    record.chance = torch::bincount(held_out.z[factor].ids, {}, net_->options.factors[factor].clusters).max().item<double>() / held;
    record.beats_chance = record.held_out_accuracy > record.chance + 2.0 * std::sqrt(record.chance * (1 - record.chance) / held);
  }
  if (progress) {
    *progress << "cluster-membership predictor" << (name.empty() ? "" : " for '" + name + "'") << ": " << record.epochs << " epochs";
    if (rows_trained >= budget_rows && rows_trained < record.epochs * n)
      *progress << " (stopped after " << rows_trained << " rows: the main networks' compute)";
    if (record.held_out_rows == 0)
      *progress << ", no held-out rows to assess it";
    else
      *progress << " (best " << record.best_epoch << "), held-out accuracy " << record.held_out_accuracy << " (chance " << record.chance
                << ", " << record.held_out_rows << " rows" << (record.beats_chance ? "" : ": does not beat it") << ")";
    *progress << std::endl;
  }
  return record;
}

}  // namespace armed
