#pragma once
// A model's random-effect terms per grouping factor, as its formula or its flags give them.
#include <string>
#include <vector>

#include "armed/config.h"
#include "models/from_config.h"

namespace armed {

// Per grouping factor `factors` (in order), its random slopes and covariance: its own term of
// config.formula, or without a formula config.random_slopes and re_covariance for every factor.
// The clusters and slope columns are left for the caller, who knows the data. Throws
// armed::Error when the formula's grouping factors are not `factors`.
std::vector<FactorTerms> factor_random_effects(const ModelConfig& config, const std::vector<std::string>& factors);

}  // namespace armed
