// A formula turned into the model configuration and the data's roles.
#include "armed/config.h"
#include "armed/data/clustered_data.h"
#include "armed/error.h"
#include "armed/formula.h"
#include "models/formula_model.h"

namespace armed {
namespace {

[[noreturn]] void unsupported(const Formula& f, const std::string& problem) {
  throw Error("--formula: " + problem + " in \"" + f.text + "\"");
}

// A random-effect term's slopes and covariance in ModelConfig's words (clusters and columns unset).
FactorTerms terms_of(const RandomEffectTerm& r) {
  std::string slopes;
  for (const auto& term : r.slopes) slopes += (slopes.empty() ? "" : ",") + term.name();
  return {0, slopes.empty() ? "none" : slopes, {}, r.correlated && !r.slopes.empty() ? "full" : "diagonal"};
}

}  // namespace

void apply_formula(const Formula& f, bool network, ModelConfig& config, DataSpec& spec) {
  if (f.random.empty()) unsupported(f, "no random-effect term such as (1 | group) names the grouping factor");

  spec.target = f.response;
  spec.trials = f.trials;
  if (!f.exposure.empty()) {
    if (!spec.exposure.empty() && spec.exposure != f.exposure)
      unsupported(f, "offset(log(" + f.exposure + ")) and --exposure " + spec.exposure + " name different columns");
    spec.exposure = f.exposure;
  }
  spec.cluster.clear();
  for (size_t i = 0; i < f.random.size(); ++i) {
    const RandomEffectTerm& r = f.random[i];
    const std::string group = r.grouping_name();  // g1:g2: the combinations of their labels
    for (size_t j = 0; j < i; ++j)
      if (f.random[j].grouping_name() == group)
        unsupported(f, "grouping factor '" + group + "' has two random-effect terms: write them as one, e.g. (1 + x || " + group + ")");
    if (!r.intercept) unsupported(f, "the random effects always have an intercept: drop '0 +' in (" + group + ")");
    for (const auto& term : r.slopes) {
      if (term.columns.size() > 1) unsupported(f, "the random slope on " + term.name() + " (an interaction) is not supported yet");
      if (term.name() == "hidden" && !network) unsupported(f, "random slopes on 'hidden' need a network (--model)");
    }
    spec.cluster += (spec.cluster.empty() ? "" : ",") + group;
  }
  spec.features.clear();
  spec.categorical.clear();
  spec.no_features = !f.all_other_columns && f.fixed.empty();  // y ~ 1 + ...: the intercept alone
  if (spec.no_features && network) unsupported(f, "a network needs inputs: name columns or '.' in the fixed part");
  if (!f.intercept && network) unsupported(f, "a network has its own biases: drop '0 +' or '- 1'");
  if (!f.intercept && spec.no_features) unsupported(f, "no fixed part at all: name a column, or keep the intercept");
  for (const auto& term : f.fixed) spec.features.push_back(term.name());  // a:b: the products of a's and b's inputs
  for (const auto& column : f.factor_columns) spec.categorical.push_back(column);
  spec.text_is_categorical = true;

  // The flags' shorthand describes the first factor; each factor's own term decides its effects.
  const FactorTerms first = terms_of(f.random.front());
  config.random_slopes = first.slopes;
  config.re_covariance = first.covariance;
  if (!network) {
    config.model = "armed";
    config.fe = "linear";
    config.no_adversary = true;
    config.re_prior = "learned";
    config.elbo = true;
    config.optimizer = "lbfgs";
    config.weight_fixed = 0;
    config.no_intercept = !f.intercept;
  } else if (!config.has_random_effects()) {
    for (const auto& r : f.random)
      if (!r.slopes.empty())
        unsupported(f, "a '" + config.model + "' model has no random slopes: write (1 | " + r.grouping_name() + ") or use an armed model");
  }
  config.formula = f.text;
}

std::vector<FactorTerms> factor_random_effects(const ModelConfig& config, const std::vector<std::string>& factors) {
  std::vector<FactorTerms> terms;
  if (config.formula.empty()) {
    for (size_t i = 0; i < factors.size(); ++i) terms.push_back({0, config.random_slopes, {}, config.re_covariance});
    return terms;
  }
  const Formula f = parse_formula(config.formula);
  for (const auto& r : f.random) {
    terms.push_back(terms_of(r));
    if (terms.size() > factors.size() || r.grouping_name() != factors[terms.size() - 1])
      throw Error("formula \"" + f.text + "\": its grouping factors do not match the model's (" + [&] {
        std::string list;
        for (const auto& name : factors) list += (list.empty() ? "" : ", ") + name;
        return list;
      }() + ")");
  }
  if (terms.size() != factors.size()) throw Error("formula \"" + f.text + "\" names fewer grouping factors than the model has");
  return terms;
}

}  // namespace armed
