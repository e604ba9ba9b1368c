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

// Armed with learned variance components, random intercepts alone and no adversary (so its
// exact final stage runs), small enough for LMMNN's simulation of a few thousand rows.
inline ModelConfig exact_stage_armed(const std::string& task, int64_t epochs) {
  ModelConfig c;
  c.model = "armed";
  c.task = task;
  c.no_adversary = true;
  c.re_prior = "learned";
  c.random_slopes = "none";
  c.hidden = {16, 8};
  c.batch_size = 64;
  c.epochs = epochs;
  c.lr = 3e-3;
  return c;
}

// Image models small enough for 8 x 8 to 16 x 16 pictures: two blocks of 4 and 8 filters.
inline ModelConfig small_image_model(const std::string& model, int64_t epochs) {
  ModelConfig c;
  c.model = model;
  c.filters = {4, 8};
  c.head_hidden = {8};
  c.latent = 6;
  c.membership_hidden = {8};
  c.epochs = epochs;
  return c;
}

}  // namespace armed::test
