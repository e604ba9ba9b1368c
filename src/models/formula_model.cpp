// A formula turned into the model configuration and the data's roles.
#include "armed/config.h"
#include "armed/data/clustered_data.h"
#include "armed/error.h"
#include "armed/formula.h"

namespace armed {
namespace {

[[noreturn]] void unsupported(const Formula& f, const std::string& problem) {
  throw Error("--formula: " + problem + " in \"" + f.text + "\"");
}

}  // namespace

void apply_formula(const Formula& f, bool network, ModelConfig& config, DataSpec& spec) {
  if (f.random.empty()) unsupported(f, "no random-effect term such as (1 | group) names the grouping factor");
  if (f.random.size() > 1) {
    std::string groups;
    for (const auto& r : f.random) groups += (groups.empty() ? "" : ", ") + r.grouping_name();
    unsupported(f, std::to_string(f.random.size()) + " grouping factors (" + groups + "): armed fits one so far");
  }
  const RandomEffectTerm& r = f.random.front();
  if (!f.intercept) unsupported(f, "the fixed part always has an intercept: drop '0 +' or '- 1'");
  if (!r.intercept) unsupported(f, "the random effects always have an intercept: drop '0 +' in (" + r.grouping_name() + ")");
  if (!f.all_other_columns && f.fixed.empty()) unsupported(f, "an intercept-only fixed part is not supported yet: name a column or '.'");

  spec.target = f.response;
  spec.trials = f.trials;
  spec.cluster = r.grouping_name();  // g1:g2: the combinations of their labels
  spec.features.clear();
  spec.categorical.clear();
  for (const auto& term : f.fixed) spec.features.push_back(term.name());  // a:b: the products of a's and b's inputs
  for (const auto& column : f.factor_columns) spec.categorical.push_back(column);
  spec.text_is_categorical = true;

  std::string slopes;
  for (const auto& term : r.slopes) {
    if (term.columns.size() > 1) unsupported(f, "the random slope on " + term.name() + " (an interaction) is not supported yet");
    slopes += (slopes.empty() ? "" : ",") + term.name();
  }
  if (slopes == "hidden" && !network) unsupported(f, "random slopes on 'hidden' need a network (--model)");
  config.random_slopes = slopes.empty() ? "none" : slopes;
  config.re_covariance = r.correlated && !r.slopes.empty() ? "full" : "diagonal";
  if (!network) {
    config.model = "armed";
    config.fe = "linear";
    config.no_adversary = true;
    config.re_prior = "learned";
    config.elbo = true;
    config.optimizer = "lbfgs";
    config.weight_fixed = 0;
  } else if (!config.has_random_effects() && !r.slopes.empty()) {
    unsupported(f, "a '" + config.model + "' model has no random slopes: write (1 | " + r.grouping_name() + ") or use an armed model");
  }
  config.formula = f.text;
}

}  // namespace armed
