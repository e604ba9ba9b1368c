// --unseen auto's choice per grouping factor: whether inferred membership serves clusters not
// seen in training better than the fixed effects alone, judged as that situation plays out. A
// second predictor trains without a share of the training clusters, and the model predicts those
// clusters' rows both ways. (A predictor that tells seen clusters apart beyond chance can still
// send an unseen cluster's rows to clusters whose effects do not fit it.)
#include "armed/data/cluster_encoder.h"
#include "armed/data/split.h"
#include "models/model_state.h"

namespace armed {
namespace {

constexpr double kHeldOutClusterShare = 0.2;

torch::Tensor index_tensor(const std::vector<int64_t>& rows) { return torch::tensor(rows, torch::kInt64); }

}  // namespace

void MixedEffectsModel::State::judge_inferred_membership(Trainer& trainer, const std::vector<std::string>& labels, const TrainingTensors& rows,
                                                         size_t factor, int64_t max_epochs, MembershipRecord& record) {
  // Holding out a cluster and still inferring membership among two others needs three.
  if (ClusterEncoder::fit(labels).size() < 3) return;
  const Split by_cluster = split_by_clusters(labels, kHeldOutClusterShare, config.seed);
  const TrainingTensors kept = rows.subset(index_tensor(by_cluster.train)), unseen = rows.subset(index_tensor(by_cluster.test));
  std::vector<std::string> kept_labels, unseen_labels;
  for (int64_t i : by_cluster.train) kept_labels.push_back(labels[static_cast<size_t>(i)]);
  for (int64_t i : by_cluster.test) unseen_labels.push_back(labels[static_cast<size_t>(i)]);
  const Split within = split_within_clusters(kept_labels, {}, kMembershipHeldOutFraction, config.seed);
  MembershipPredictor judge(net->options.factors[factor].membership());
  trainer.fit_membership(*judge, kept.subset(index_tensor(within.train)), kept.subset(index_tensor(within.test)), factor, max_epochs, "",
                         nullptr);

  const int64_t n = unseen.rows();
  torch::Tensor soft;
  {
    torch::NoGradGuard no_grad;
    judge->eval();
    std::vector<torch::Tensor> parts;
    const int64_t chunk = prediction_chunk(*net, /*soft=*/true);
    for (int64_t start = 0; start < n; start += chunk) parts.push_back(judge->probabilities(unseen.x.narrow(0, start, std::min(chunk, n - start))));
    soft = torch::cat(parts);
  }
  const auto loss = [&](const ClusterDesign& design) {
    std::vector<ClusterDesign> z = unseen.z;  // the other factors' clusters stay known
    z[factor] = design;
    torch::Tensor eta = network_output(net, unseen.x, z);
    if (unseen.offset.defined()) eta = eta + unseen.offset.to(eta.dtype());
    torch::NoGradGuard no_grad;
    return likelihood().nll(eta, unseen.y, unseen.trials, net->log_residual_sd).item<double>();
  };
  record.held_out_clusters = static_cast<int64_t>(ClusterEncoder::fit(unseen_labels).size());
  record.unseen_rows = n;
  record.unseen_loss_fixed = loss(ClusterDesign::unknown(n));
  record.unseen_loss_inferred = loss(ClusterDesign{{}, soft, false});
  record.infer_unseen = record.unseen_loss_inferred < record.unseen_loss_fixed;
}

}  // namespace armed
