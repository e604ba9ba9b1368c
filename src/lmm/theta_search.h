#pragma once
// The search over a mixed model's relative covariance parameters theta that the linear and the
// generalized fits share: from lme4's start scaled along its ray, quasi-Newton under theta's
// bounds, and probes above variance components that end at zero.
#include <functional>
#include <vector>

#include "lmm/bounded_minimizer.h"

namespace armed {

BoundedMinimum search_theta(const std::function<double(const std::vector<double>&)>& deviance, const std::vector<double>& start,
                            const std::vector<double>& lower);

}  // namespace armed
