#pragma once
// What a ModelConfig turns into below the models layer: the network and the trainer's options.
#include <vector>

#include "armed/config.h"
#include "armed/fixed_effects.h"
#include "nn/network.h"
#include "train/trainer.h"

namespace armed {

// The network a configuration describes. `input_shape`: {features} or {channels, height, width};
// `slope_columns`: the input columns random slopes act on (config.slopes_on_inputs()); `custom`:
// the user's fixed-effects network (config.fe == "custom"), else the backbone's own, built
// through the same factory path.
Network build_network(const ModelConfig& config, const std::vector<int64_t>& input_shape, int64_t clusters,
                      const std::vector<int64_t>& slope_columns = {}, const FixedEffectsFactory& custom = {});

// The Trainer's settings from a configuration.
TrainerOptions trainer_options(const ModelConfig& config);

}  // namespace armed
