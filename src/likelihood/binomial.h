#pragma once
#include "likelihood/likelihood.h"

namespace armed {

// Bernoulli targets (0/1), or binomial successes out of a trials column; logit link.
class BinomialLikelihood : public Likelihood {
 public:
  const char* task() const override { return "classification"; }
  const char* family() const override { return "binomial"; }
  const char* link() const override { return "logit"; }
  bool has_residual_sd() const override { return false; }
  bool stratifies_splits() const override { return true; }
  bool takes_trials() const override { return true; }
  torch::Tensor nll(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials,
                    const torch::Tensor& log_sd) const override;
  torch::Tensor expected_nll(const torch::Tensor& eta, const torch::Tensor& var, const torch::Tensor& y,
                             const torch::Tensor& trials, const torch::Tensor& log_sd) const override;
  LogDensity log_density(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials) const override;
  torch::Tensor log_density_constant(const torch::Tensor& y, const torch::Tensor& trials) const override;
  torch::Tensor mean(const torch::Tensor& eta) const override;
  std::string invalid_target(double value, double trials, const std::string& trials_text) const override;
  std::string untrainable(const torch::Tensor& y, const torch::Tensor& trials) const override;
  const char* metric_name() const override { return "auroc"; }
  bool metric_rises_when_better() const override { return true; }
  double metric(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials, double target_scale) const override;
  nlohmann::json metrics(const std::vector<double>& prediction, const std::vector<double>& target) const override;
  std::vector<std::pair<std::string, std::string>> headline_metrics() const override { return {{"accuracy", "accuracy"}, {"auroc", "AUROC"}}; }
  double score(const nlohmann::json& metrics) const override { return metrics.value("auroc", NAN); }
  const char* score_label() const override { return "AUROC"; }
  double draw(const std::vector<double>& eta, double noise, Rng& rng) const override;
  bool predicts_probability() const override { return true; }
};

}  // namespace armed
