#pragma once
#include "likelihood/likelihood.h"

namespace armed {

// One of K classes (K >= 2, the target's levels); softmax link, eta one logit per class. Random
// effects are an intercept per class and cluster. Its exact fit is not the scalar-eta GLMM's
// (log_density throws) but its own (src/lmm/multinomial_intercepts.h).
class MultinomialLikelihood : public Likelihood {
 public:
  const char* task() const override { return "multiclass"; }
  const char* family() const override { return "multinomial"; }
  const char* link() const override { return "softmax"; }
  bool has_residual_sd() const override { return false; }
  bool stratifies_splits() const override { return true; }
  bool takes_trials() const override { return false; }
  bool one_column_per_class() const override { return true; }
  torch::Tensor nll(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials,
                    const torch::Tensor& log_sd) const override;
  torch::Tensor expected_nll(const torch::Tensor& eta, const torch::Tensor& var, const torch::Tensor& y,
                             const torch::Tensor& trials, const torch::Tensor& log_sd) const override;
  LogDensity log_density(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials) const override;
  torch::Tensor log_density_constant(const torch::Tensor& y, const torch::Tensor& trials) const override;
  torch::Tensor mean(const torch::Tensor& eta) const override;
  std::string invalid_target(double value, double trials, const std::string& trials_text) const override;
  std::string untrainable(const torch::Tensor& y, const torch::Tensor& trials) const override;
  const char* metric_name() const override { return "macro_auroc"; }
  bool metric_rises_when_better() const override { return true; }
  double metric(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials, double target_scale) const override;
  nlohmann::json metrics(const std::vector<double>& prediction, const std::vector<double>& target) const override;
  std::vector<std::pair<std::string, std::string>> headline_metrics() const override {
    return {{"accuracy", "accuracy"}, {"macro_auroc", "macro AUROC"}};
  }
  double score(const nlohmann::json& metrics) const override { return metrics.value("macro_auroc", NAN); }
  const char* score_label() const override { return "macro AUROC"; }
  double draw(const std::vector<double>& eta, double noise, Rng& rng) const override;
  bool predicts_probability() const override { return true; }
};

}  // namespace armed
