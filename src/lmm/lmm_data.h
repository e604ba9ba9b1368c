#pragma once
// A linear mixed model's data as lme4 writes it: y = X beta + Z b + e, e ~ N(0, sigma^2 I),
// b = Lambda(theta) u, u ~ N(0, sigma^2 I).
#include <torch/torch.h>

#include <string>
#include <vector>

namespace armed {

// One grouping factor's random-effect term, lme4's (1 + x | g): per row the level of g and the
// row's covariates of the term (1 for the intercept, then each slope's variable).
struct LmmTerm {
  std::string factor;
  std::vector<std::string> names;  // "(Intercept)", then the slopes' variables
  std::vector<std::string> levels;
  torch::Tensor level;       // [rows] int64, an index into levels
  torch::Tensor covariates;  // [rows, units] float64
  bool correlated = true;    // (... | g): a full covariance; (... || g): independent effects

  int64_t units() const { return static_cast<int64_t>(names.size()); }
  int64_t columns() const { return units() * static_cast<int64_t>(levels.size()); }  // of Z
  // theta: the term's relative covariance factor T (Sigma = sigma^2 T T'), lower-triangular with
  // a non-negative diagonal; its lower triangle column by column (as lme4), or its diagonal alone.
  int64_t theta_size() const { return correlated ? units() * (units() + 1) / 2 : units(); }
  torch::Tensor relative_factor(const double* theta) const;  // T [units, units] float64
};

struct LmmData {
  std::vector<std::string> fixed_names;  // X's columns, "(Intercept)" first where there is one
  torch::Tensor x;                       // [rows, p] float64
  torch::Tensor y;                       // [rows] float64
  std::vector<LmmTerm> terms;

  int64_t rows() const { return y.size(0); }
  // Throws armed::Error, naming the column, when X is rank-deficient (a fixed effect no data
  // determines) or a term has no rows.
  void validate() const;
};

}  // namespace armed
