#pragma once
// The exact fit of a linear mixed model, ML or REML, and what lme4's summary reports of it.
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <ostream>
#include <string>
#include <vector>

#include "lmm/lmm_data.h"

namespace armed {

struct LmmTermFit {
  std::string factor;
  std::vector<std::string> names;   // "(Intercept)", slopes
  std::vector<std::string> levels;
  bool correlated = true;
  torch::Tensor covariance;  // [units, units] the random effects' covariance sigma^2 T T'
  torch::Tensor modes;       // [levels, units] conditional modes (BLUPs)
  // [levels, units, units] their conditional covariances given beta and theta (lme4's condVar).
  torch::Tensor conditional_covariance;
};

// A mixed model's exact fit: linear (Gaussian; ML or REML), or generalized (Laplace or quadrature).
struct LmmFit {
  std::string family = "gaussian";  // lme4's name of the outcome family
  int64_t nagq = 0;                 // generalized models: 1 Laplace, more adaptive quadrature nodes
  bool reml = false;
  std::vector<std::string> fixed_names;
  torch::Tensor beta;             // [p]
  torch::Tensor beta_covariance;  // [p, p]
  double sigma = 0;               // residual SD; 1 for families without one
  double criterion = 0;           // -2 log-likelihood (ML), or the REML criterion
  int64_t rows = 0;
  std::vector<double> theta;
  std::vector<LmmTermFit> terms;
  // How the optimum was found.
  int64_t evaluations = 0;
  bool converged = false;
  int64_t factor_nonzeros = 0;  // of the sparse Cholesky factor

  double log_likelihood() const { return -criterion / 2; }  // REML: the restricted log-likelihood, as lme4's logLik
  bool has_residual() const { return family == "gaussian"; }
  int64_t parameters() const;                                // beta, theta and (Gaussian) sigma
  double aic() const { return criterion + 2.0 * static_cast<double>(parameters()); }
  double bic() const { return criterion + std::log(static_cast<double>(rows)) * static_cast<double>(parameters()); }

  // Everything above, with standard errors, t values, SDs and correlations spelled out; from_json
  // reads it back (as written to a model file).
  nlohmann::json to_json() const;
  static LmmFit from_json(const nlohmann::json& j);
};

// Per term its estimates from theta, the conditional modes b and their covariances per term, and
// the residual variance sigma^2 (1 for families without one).
std::vector<LmmTermFit> term_fits(const std::vector<LmmTerm>& terms, const std::vector<double>& theta, const std::vector<torch::Tensor>& modes,
                                  const std::vector<torch::Tensor>& conditional, double variance);

// Minimizes the profiled deviance over theta from lme4's start (every T the identity). `progress`
// gets one line when done.
LmmFit fit_linear_mixed_model(const LmmData& data, bool reml, std::ostream* progress = nullptr);

}  // namespace armed
