#pragma once
#include <cstdint>

namespace armed {

// The seed of every stochastic step (initialization, shuffling, sampling, splits, simulation) that
// is not given one: the paper's spiral experiment's.
inline constexpr uint64_t kDefaultSeed = 48;

}  // namespace armed
