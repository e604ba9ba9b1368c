#pragma once
#include "likelihood/likelihood.h"

namespace armed {

// Counts (non-negative integers); log link.
class PoissonLikelihood : public Likelihood {
 public:
  const char* task() const override { return "count"; }
  const char* family() const override { return "poisson"; }
  const char* link() const override { return "log"; }
  bool takes_exposure() const override { return true; }
  bool has_residual_sd() const override { return false; }
  bool stratifies_splits() const override { return false; }
  bool takes_trials() const override { return false; }
  torch::Tensor nll(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials,
                    const torch::Tensor& log_sd) const override;
  torch::Tensor expected_nll(const torch::Tensor& eta, const torch::Tensor& var, const torch::Tensor& y,
                             const torch::Tensor& trials, const torch::Tensor& log_sd) const override;
  LogDensity log_density(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials) const override;
  torch::Tensor log_density_constant(const torch::Tensor& y, const torch::Tensor& trials) const override;
  torch::Tensor mean(const torch::Tensor& eta) const override { return torch::exp(eta); }
  std::string invalid_target(double value, double trials, const std::string& trials_text) const override;
  std::string untrainable(const torch::Tensor& y, const torch::Tensor& trials) const override;
  const char* metric_name() const override { return "deviance"; }
  bool metric_rises_when_better() const override { return false; }
  double metric(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials, double target_scale) const override;
  nlohmann::json metrics(const std::vector<double>& prediction, const std::vector<double>& target) const override;
  std::vector<std::pair<std::string, std::string>> headline_metrics() const override { return {{"rmse", "RMSE"}, {"deviance", "mean deviance"}}; }
  double score(const nlohmann::json& metrics) const override { return -metrics.value("deviance", NAN); }
  const char* score_label() const override { return "-mean Poisson deviance"; }
  double draw(const std::vector<double>& eta, double noise, Rng& rng) const override;
  bool predicts_probability() const override { return false; }
};

}  // namespace armed
