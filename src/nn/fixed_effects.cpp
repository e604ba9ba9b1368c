#include "armed/fixed_effects.h"

#include "armed/error.h"

namespace armed {

std::pair<FixedEffectsOutput, FixedEffectsOutput> FixedEffectsModule::forward_styled(const torch::Tensor& x, const BlockStyles& styles) {
  if (!styles.gamma.empty() || !styles.beta.empty())
    throw Error("this fixed-effects network has no convolution blocks that take styles (styled_filters() is empty)");
  FixedEffectsOutput out = forward(x);
  return {out, out};
}

}  // namespace armed
