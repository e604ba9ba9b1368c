// --unseen auto's choice per grouping factor: whether inferred membership serves clusters not
// seen in training better than the fixed effects alone, judged as that situation plays out. The
// training clusters are split into groups; for each, a second predictor trains without the
// group's clusters and the model predicts their rows both ways. (A predictor that tells seen
// clusters apart beyond chance can still send an unseen cluster's rows to clusters whose effects
// do not fit it.) Judging on one group of a few clusters proved too noisy: on the confounded
// spiral benchmark it chose the worse way in four folds of five, so groups are judged until a
// dozen clusters (or all) have been held out.
#include <set>

#include "armed/data/split.h"
#include "models/model_state.h"

namespace armed {
namespace {

constexpr int64_t kJudgeGroups = 5;        // the training clusters' grouped folds
constexpr size_t kClustersToJudge = 12;    // judged until this many clusters (or all) were held out

torch::Tensor index_tensor(const std::vector<int64_t>& rows) { return torch::tensor(rows, torch::kInt64); }

std::vector<std::string> labels_of(const std::vector<std::string>& labels, const std::vector<int64_t>& rows) {
  std::vector<std::string> out;
  for (int64_t i : rows) out.push_back(labels[static_cast<size_t>(i)]);
  return out;
}

}  // namespace

void MixedEffectsModel::State::judge_inferred_membership(Trainer& trainer, const std::vector<std::string>& labels, const TrainingTensors& rows,
                                                         size_t factor, int64_t max_epochs, MembershipRecord& record) {
  const std::set<std::string> clusters(labels.begin(), labels.end());
  // Holding out a cluster and still inferring membership among two others needs three.
  if (clusters.size() < 3) return;
  const auto groups = grouped_kfold(labels, std::min<int64_t>(kJudgeGroups, static_cast<int64_t>(clusters.size())), config.seed);
  std::set<std::string> judged;
  double fixed = 0, inferred = 0;  // summed over the judged rows
  int64_t judged_rows = 0;
  for (const Split& group : groups) {
    if (judged.size() >= kClustersToJudge) break;
    const TrainingTensors kept = rows.subset(index_tensor(group.train)), unseen = rows.subset(index_tensor(group.test));
    const Split within = split_within_clusters(labels_of(labels, group.train), {}, kMembershipHeldOutFraction, config.seed);
    MembershipPredictor judge(net->options.factors[factor].membership());
    trainer.fit_membership(*judge, kept.subset(index_tensor(within.train)), kept.subset(index_tensor(within.test)), factor, max_epochs,
                           "", nullptr);
    const int64_t n = unseen.rows();
    torch::Tensor soft;
    {
      torch::NoGradGuard no_grad;
      judge->eval();
      std::vector<torch::Tensor> parts;
      const int64_t chunk = prediction_chunk(*net, /*soft=*/true);
      for (int64_t start = 0; start < n; start += chunk)
        parts.push_back(judge->probabilities(unseen.x.narrow(0, start, std::min(chunk, n - start))));
      soft = torch::cat(parts);
    }
    const auto summed_loss = [&](const ClusterDesign& design) {
      std::vector<ClusterDesign> z = unseen.z;  // the other factors' clusters stay known
      z[factor] = design;
      torch::Tensor eta = network_output(net, unseen.x, z);
      if (unseen.offset.defined()) eta = eta + unseen.offset.to(eta.dtype());
      torch::NoGradGuard no_grad;
      return likelihood().nll(eta, unseen.y, unseen.trials, net->log_residual_sd).item<double>() * static_cast<double>(n);
    };
    fixed += summed_loss(ClusterDesign::unknown(n));
    inferred += summed_loss(ClusterDesign{{}, soft, false});
    judged_rows += n;
    for (const auto& label : labels_of(labels, group.test)) judged.insert(label);
  }
  record.held_out_clusters = static_cast<int64_t>(judged.size());
  record.unseen_rows = judged_rows;
  record.unseen_loss_fixed = fixed / static_cast<double>(judged_rows);
  record.unseen_loss_inferred = inferred / static_cast<double>(judged_rows);
  record.infer_unseen = record.unseen_loss_inferred < record.unseen_loss_fixed;
}

}  // namespace armed
