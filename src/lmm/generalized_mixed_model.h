#pragma once
// The exact fit of a generalized linear mixed model as glmer fits it: theta with beta in PIRLS
// first (nAGQ = 0), then theta and beta together on the Laplace or quadrature deviance.
#include <ostream>

#include "lmm/laplace_deviance.h"
#include "lmm/linear_mixed_model.h"

namespace armed {

// nagq 1: Laplace's approximation; more: adaptive Gauss-Hermite quadrature (one scalar term).
// `progress` gets one line when done.
LmmFit fit_generalized_mixed_model(const GlmmInput& data, int64_t nagq, std::ostream* progress = nullptr);

}  // namespace armed
