// Interpretation of a fitted model: random-effect estimates and input sensitivities.
#include "armed/error.h"
#include "armed/models/model.h"

namespace armed {
namespace {

nlohmann::json describe(RandomEffectsImpl& re, const std::string& kind, const std::vector<std::string>& unit_names,
                        const std::vector<std::string>& clusters, bool learned) {
  torch::NoGradGuard no_grad;
  auto mean = re.loc.to(torch::kFloat64), sd = re.posterior_scale().to(torch::kFloat64);
  auto prior = re.prior_scale().to(torch::kFloat64);
  // Moment estimate of the inter-cluster SD: E_k[m_k^2 + s_k^2], the value a learned prior converges to.
  auto inter_cluster = (mean.square() + sd.square()).mean(0).sqrt();
  auto spread = mean.std(0, /*unbiased=*/false);
  nlohmann::json out = nlohmann::json::array();
  for (int64_t u = 0; u < re.options.units(); ++u) {
    nlohmann::json per_cluster = nlohmann::json::object();
    for (size_t k = 0; k < clusters.size(); ++k)
      per_cluster[clusters[k]] = {{"mean", mean[k][u].item<double>()}, {"sd", sd[k][u].item<double>()}};
    out.push_back({{"name", unit_names[u]},
                   {"effect", kind},
                   {"prior", learned ? "learned" : "fixed"},
                   {"prior_sd", prior[u].item<double>()},
                   {"inter_cluster_sd", inter_cluster[u].item<double>()},
                   {"sd_of_means", spread[u].item<double>()},
                   {"clusters", per_cluster}});
  }
  return out;
}

}  // namespace

nlohmann::json MixedEffectsModel::effects() const {
  if (!config_.has_random_effects())
    throw Error("model '" + config_.model + "'" + (config_.no_random_effects ? " (--no-random-effects)" : "") +
                " has no random effects");
  const bool learned = config_.re_prior == "learned";
  nlohmann::json list = describe(*net_->intercept, "intercept", {"(Intercept)"}, encoder_.vocabulary(), learned);
  if (net_->slopes) {
    std::vector<std::string> names = features_;
    if (config_.random_slopes == "hidden") {
      names.clear();
      for (int64_t u = 0; u < config_.hidden.back(); ++u) names.push_back("h" + std::to_string(u + 1));
    }
    for (auto& e : describe(*net_->slopes, "slope", names, encoder_.vocabulary(), learned)) list.push_back(e);
  }
  return {{"model", config_.model},
          {"random_slopes", config_.random_slopes},
          {"scale", config_.task == "classification" ? "logit" : "standardized target"},
          {"clusters", encoder_.vocabulary()},
          {"random_effects", list}};
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
