#pragma once
#include <set>
#include <string>
#include <vector>

namespace armed {

// One term of a formula's fixed part or of a random-effect term's left side: a column, or an
// interaction of columns (a:b).
struct FormulaTerm {
  std::vector<std::string> columns;
  std::string name() const;  // "a" or "a:b"
  bool operator==(const FormulaTerm& other) const { return columns == other.columns; }
};

// (terms | g) or (terms || g): an intercept and slopes per level of the grouping factor, whose
// levels are the combinations of the `grouping` columns (g, or g1:g2).
struct RandomEffectTerm {
  bool intercept = true;
  std::vector<FormulaTerm> slopes;
  bool correlated = true;  // | : full covariance; || : independent effects
  std::vector<std::string> grouping;
  std::string grouping_name() const;  // "g" or "g1:g2"
};

// A model formula in lme4's syntax, e.g. "y ~ x1 + x2 + (1 + x1 | site) + (1 | rater)".
// Fixed part: columns, factor(col), interactions a:b and a*b (= a + b + a:b), 0 or 1 (or - 1) for
// the intercept, "." for every other column. Random part: (terms | g), (terms || g), nested
// (1 | a/b) = (1 | a) + (1 | a:b), and g1:g2. The response may be cbind(s, n - s) for binomial
// counts of successes s out of n trials; offset(log(x)) makes column x the counts' exposure.
struct Formula {
  std::string text;
  std::string response;
  std::string trials;  // cbind(s, n - s): "n"
  std::string exposure;  // offset(log(x)): "x"
  bool intercept = true;
  bool all_other_columns = false;  // "."
  std::vector<FormulaTerm> fixed;
  std::vector<RandomEffectTerm> random;
  std::set<std::string> factor_columns;  // written factor(col)
};

// Throws armed::Error, one line quoting the formula and naming the offending term.
Formula parse_formula(const std::string& text);

struct ModelConfig;
struct DataSpec;

// Sets what `formula` says: the target (and trials), the features and their factor() columns, the
// grouping factor, and the random effects (intercept; slopes on the named features, or on the
// hidden layer with "hidden"; | full covariance, || diagonal). `network` false (no --model given):
// the linear mixed model, a GLMM for classification (fixed part linear, learned variance
// components, exact ELBO, L-BFGS), as lme4 fits it; true: the config's network, its inputs named
// by the fixed part ("." for every other column). Throws armed::Error for what armed does not fit.
void apply_formula(const Formula& formula, bool network, ModelConfig& config, DataSpec& spec);

}  // namespace armed
