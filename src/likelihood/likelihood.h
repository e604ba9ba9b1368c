#pragma once
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace armed {

class Rng;

// Per row, a family's log-density of y given eta and its first and negative second derivatives in
// eta: what penalized iteratively reweighted least squares and the Laplace approximation take.
struct LogDensity {
  torch::Tensor value, gradient, weight;  // float64 [rows]
};

// An outcome family: how the target is distributed given the link-scale prediction eta. Everything
// that differs between families lives behind this class: the loss, its expectation under the
// random effects' posterior, the inverse link, the target checks and the metrics. `--task` names
// one; a new family is a new subclass and a row of likelihoods().
class Likelihood {
 public:
  virtual ~Likelihood() = default;
  virtual const char* task() const = 0;    // the --task value naming it
  virtual const char* family() const = 0;  // its name in lme4's words (--family)
  virtual const char* link() const = 0;  // the scale of eta, e.g. for `armed effects`: "logit"

  // Gaussian: the target is standardized for training, and the model learns a residual SD.
  virtual bool has_residual_sd() const = 0;
  // Discrete targets: validation splits are stratified by the target.
  virtual bool stratifies_splits() const = 0;
  // A trials column (binomial counts) fits this family.
  virtual bool takes_trials() const = 0;
  // An exposure column (log(exposure) an offset on the log link) fits this family.
  virtual bool takes_exposure() const { return false; }
  // The target is one of K class labels (the data's target levels): y holds the class's index,
  // and eta, mean(eta) and the metrics' predictions one column per class. Otherwise eta is [rows].
  virtual bool one_column_per_class() const { return false; }

  // Mean negative log-likelihood per row of y given eta; `trials` undefined means one trial,
  // `log_sd` is the residual SD's log (has_residual_sd).
  virtual torch::Tensor nll(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials,
                            const torch::Tensor& log_sd) const = 0;
  // The same in expectation over eta ~ N(eta, var) (the random effects' posterior).
  virtual torch::Tensor expected_nll(const torch::Tensor& eta, const torch::Tensor& var, const torch::Tensor& y,
                                     const torch::Tensor& trials, const torch::Tensor& log_sd) const = 0;
  // For the exact likelihood of a family without a residual SD: the log-density's terms in eta,
  // float64; `trials` as in nll(). Its normalizing constants (which lme4's logLik includes) come
  // apart, as they stay the same for every eta: log_density + log_density_constant is log p(y).
  virtual LogDensity log_density(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials) const = 0;
  virtual torch::Tensor log_density_constant(const torch::Tensor& y, const torch::Tensor& trials) const = 0;
  // The expected target given eta (a probability, or the standardized value).
  virtual torch::Tensor mean(const torch::Tensor& eta) const = 0;

  // Why `value` cannot be a target (empty when it can). `trials`: the row's trials, or 0 without a
  // trials column; `trials_text` names them in the message (column and value).
  virtual std::string invalid_target(double value, double trials, const std::string& trials_text) const = 0;
  // Why these targets cannot be trained on (empty when they can), e.g. a single class.
  virtual std::string untrainable(const torch::Tensor& y, const torch::Tensor& trials) const = 0;

  // The training metric shown per epoch: its name, and its value for eta against y; `target_scale`
  // converts a standardized target's error back to the target's units.
  virtual const char* metric_name() const = 0;
  virtual bool metric_rises_when_better() const = 0;  // AUROC does; an error or a deviance falls
  virtual double metric(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials,
                        double target_scale) const = 0;
  // {"n", ...}: the metrics of predictions (mean(eta) on the target's scale, row after row) against targets.
  virtual nlohmann::json metrics(const std::vector<double>& prediction, const std::vector<double>& target) const = 0;
  // The two metrics reports show per cluster: (key of metrics(), label).
  virtual std::vector<std::pair<std::string, std::string>> headline_metrics() const = 0;
  // One number from metrics() where higher is better (permutation importance is its drop), and its label.
  virtual double score(const nlohmann::json& metrics) const = 0;
  virtual const char* score_label() const = 0;
  // A target drawn given one row's eta (one value, or one per class): what the simulators draw.
  // `noise` is the residual SD of a family that has one.
  virtual double draw(const std::vector<double>& eta, double noise, Rng& rng) const = 0;
  // mean(eta) is a class probability (reports draw decision boundaries).
  virtual bool predicts_probability() const = 0;

 protected:
  static std::vector<double> values(const torch::Tensor& t);  // as doubles, for the metric functions
};

// The family `--task` names; throws armed::Error listing the tasks.
const Likelihood& likelihood(const std::string& task);
std::string likelihood_tasks();  // "classification, regression", for help and messages
// The --task of the family lme4 calls `family` (binomial, gaussian); throws armed::Error listing them.
std::string task_of_family(const std::string& family);

}  // namespace armed
