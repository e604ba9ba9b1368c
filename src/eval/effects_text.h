#pragma once
// A model's effects (MixedEffectsModel::effects()) as text to read, laid out as lme4's summary:
// the fit criterion, random effects (variance, SD, correlations per factor and term), the number
// of observations and levels, and fixed effects with standard errors and t values where the
// model has them.
#include <nlohmann/json.hpp>

#include <string>

namespace armed {

std::string effects_text(const nlohmann::json& effects);

}  // namespace armed
