#pragma once
#include "likelihood/likelihood.h"

namespace armed {

// Normal targets with a learned residual SD; identity link on the standardized target.
class GaussianLikelihood : public Likelihood {
 public:
  const char* task() const override { return "regression"; }
  const char* family() const override { return "gaussian"; }
  const char* link() const override { return "standardized target"; }
  bool has_residual_sd() const override { return true; }
  bool stratifies_splits() const override { return false; }
  bool takes_trials() const override { return false; }
  torch::Tensor nll(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials,
                    const torch::Tensor& log_sd) const override;
  torch::Tensor expected_nll(const torch::Tensor& eta, const torch::Tensor& var, const torch::Tensor& y,
                             const torch::Tensor& trials, const torch::Tensor& log_sd) const override;
  LogDensity log_density(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials) const override;
  torch::Tensor log_density_constant(const torch::Tensor& y, const torch::Tensor& trials) const override;
  torch::Tensor mean(const torch::Tensor& eta) const override { return eta; }
  std::string invalid_target(double, double, const std::string&) const override { return {}; }
  std::string untrainable(const torch::Tensor&, const torch::Tensor&) const override { return {}; }
  const char* metric_name() const override { return "rmse"; }
  bool metric_rises_when_better() const override { return false; }
  double metric(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials, double target_scale) const override;
  nlohmann::json metrics(const std::vector<double>& prediction, const std::vector<double>& target) const override;
  std::vector<std::pair<std::string, std::string>> headline_metrics() const override { return {{"rmse", "RMSE"}, {"r2", "R2"}}; }
  double score(const nlohmann::json& metrics) const override { return -metrics.value("rmse", NAN); }
  const char* score_label() const override { return "-RMSE"; }
  double draw(const std::vector<double>& eta, double noise, Rng& rng) const override;
  bool predicts_probability() const override { return false; }
};

}  // namespace armed
