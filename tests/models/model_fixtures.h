#pragma once
#include <string>

#include "armed/config.h"
#include "armed/seed.h"
#include "armed/sim/spiral.h"

namespace armed::test {

// Four spiral clusters of 200 rows: small enough for a model to train in a blink.
inline ClusteredData small_spiral(uint64_t seed = kDefaultSeed) {
  SpiralOptions o;
  o.clusters = 4;
  o.points_per_cluster = 200;
  o.seed = seed;
  return simulate_spiral(o).data;
}

// The CLI's defaults for `model`, three epochs.
inline ModelConfig quick(const std::string& model) {
  ModelConfig c;
  c.model = model;
  c.epochs = 3;
  return c;
}

}  // namespace armed::test
