// Interpretation of a fitted model: random-effect estimates, original-scale coefficients, and
// input sensitivities.
#include "armed/error.h"
#include "armed/models/model.h"

namespace armed {

torch::Tensor MixedEffectsModel::original_scale_map() const {
  const auto columns = slope_columns();
  const int64_t units = 1 + static_cast<int64_t>(columns.size());
  const double scale = config_.task == "regression" ? target_sd_ : 1.0;
  auto a = torch::zeros({units, units}, torch::kFloat64);
  a[0][0] = scale;
  for (int64_t i = 1; i < units; ++i) {
    const auto c = static_cast<size_t>(columns[i - 1]);
    a[0][i] = -scale * standardizer_.mean[c] / standardizer_.sd[c];
    a[i][i] = scale / standardizer_.sd[c];
  }
  return a;
}

nlohmann::json MixedEffectsModel::effects() const {
  if (!config_.has_random_effects())
    throw Error("model '" + config_.model + "'" + (config_.no_random_effects ? " (--no-random-effects)" : "") +
                " has no random effects");
  torch::NoGradGuard no_grad;
  auto& re = *net_->random_effects;
  std::vector<std::string> names{"(Intercept)"};
  if (config_.random_slopes == "hidden")
    for (int64_t u = 0; u < net_->slope_width; ++u) names.push_back("h" + std::to_string(u + 1));
  for (int64_t c : slope_columns()) names.push_back(features_[c]);
  const auto& clusters = encoder_.vocabulary();

  auto mean = re.loc.to(torch::kFloat64), sd = re.posterior_scale().to(torch::kFloat64);
  auto post_chol = re.posterior_cholesky().to(torch::kFloat64);
  auto prior_chol = re.prior_cholesky().to(torch::kFloat64);
  // Moment estimate of the random effects' covariance, E_k[m_k m_k' + S_k]: what a learned prior
  // converges to.
  auto moment = (mean.unsqueeze(2) * mean.unsqueeze(1) + post_chol.matmul(post_chol.transpose(1, 2))).mean(0);
  const bool learned = config_.re_prior == "learned";
  auto covariance = learned ? prior_chol.matmul(prior_chol.t()) : moment;

  nlohmann::json list = nlohmann::json::array();
  for (size_t u = 0; u < names.size(); ++u) {
    nlohmann::json per_cluster = nlohmann::json::object();
    for (size_t k = 0; k < clusters.size(); ++k)
      per_cluster[clusters[k]] = {{"mean", mean[k][u].item<double>()}, {"sd", sd[k][u].item<double>()}};
    list.push_back({{"name", names[u]},
                    {"effect", u == 0 ? "intercept" : "slope"},
                    {"prior", learned ? "learned" : "fixed"},
                    {"prior_sd", prior_chol[u].square().sum().sqrt().item<double>()},
                    {"inter_cluster_sd", moment[u][u].sqrt().item<double>()},
                    {"sd_of_means", mean.select(1, u).std(/*unbiased=*/false).item<double>()},
                    {"clusters", per_cluster}});
  }
  nlohmann::json out = {{"model", config_.model},
                        {"random_slopes", config_.random_slopes},
                        {"scale", config_.task == "classification" ? "logit" : "standardized target"},
                        {"clusters", clusters},
                        {"random_effects", list}};
  const MembershipRecord& m = history_.membership;
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  out["membership_predictor"] = {{"epochs", m.epochs},
                                 {"held_out_rows", m.held_out_rows},
                                 {"held_out_accuracy", num(m.held_out_accuracy)},
                                 {"chance", num(m.chance)},
                                 {"beats_chance", m.beats_chance},
                                 {"unseen_clusters_by_default", m.beats_chance ? "inferred" : "fixed"}};

  if (config_.random_slopes != "hidden") {
    // Variance components on the original scale of the features and the target.
    auto a = original_scale_map();
    auto original = a.matmul(covariance).matmul(a.t());
    auto sds = original.diagonal().sqrt();
    nlohmann::json sd_json = nlohmann::json::object(), corr = nlohmann::json::object();
    for (size_t u = 0; u < names.size(); ++u) {
      sd_json[names[u]] = sds[u].item<double>();
      for (size_t v = u + 1; v < names.size() && config_.re_covariance == "full"; ++v)
        corr[names[u] + ":" + names[v]] = (original[u][v] / (sds[u] * sds[v])).item<double>();
    }
    out["random_effects_sd"] = sd_json;
    if (config_.re_covariance == "full") out["random_effects_corr"] = corr;
  }
  if (config_.fe == "linear") {
    const auto& linear = std::dynamic_pointer_cast<MLPImpl>(net_->fixed_effects)->output;
    auto w = linear->weight.to(torch::kFloat64).flatten();
    double intercept = linear->bias.to(torch::kFloat64).item<double>();
    const double scale = config_.task == "regression" ? target_sd_ : 1.0;
    const double shift = config_.task == "regression" ? target_mean_ : 0.0;
    nlohmann::json fixed = nlohmann::json::object();
    for (size_t j = 0; j < features_.size(); ++j) {
      const double wj = w[j].item<double>();
      fixed[features_[j]] = scale * wj / standardizer_.sd[j];
      intercept -= wj * standardizer_.mean[j] / standardizer_.sd[j];
    }
    fixed["(Intercept)"] = shift + scale * intercept;
    out["fixed_effects"] = fixed;
  }
  if (config_.task == "regression") out["residual_sd"] = net_->log_residual_sd.exp().item<double>() * target_sd_;
  return out;
}

std::vector<double> MixedEffectsModel::fixed_effects_gradient(const std::vector<double>& x) const {
  if (x.size() != features_.size()) throw Error("gradient point has the wrong number of features");
  auto raw = torch::tensor(x, torch::kFloat64).to(torch::kFloat32).unsqueeze(0);
  auto input = standardizer_.transform(raw).requires_grad_(true);
  net_->eval();
  auto out = net_->forward(input, ClusterDesign::unknown(1)).fixed;
  if (config_.task == "classification") out = torch::sigmoid(out);
  else out = out * target_sd_;
  auto grad = torch::autograd::grad({out.sum()}, {input})[0].to(torch::kFloat64).contiguous();
  return std::vector<double>(grad.data_ptr<double>(), grad.data_ptr<double>() + grad.numel());
}

}  // namespace armed
