#pragma once
// What a ModelConfig turns into below the models layer: the network and the trainer's options.
#include <string>
#include <vector>

#include "armed/config.h"
#include "armed/fixed_effects.h"
#include "nn/network.h"
#include "train/trainer.h"

namespace armed {

// A grouping factor as a network sees it: its clusters and its random-effect terms.
struct FactorTerms {
  int64_t clusters = 0;
  std::string slopes = "none";         // what its random slopes act on, in ModelConfig::random_slopes' words
  std::vector<int64_t> slope_columns;  // the input columns they act on (inputs, or feature names)
  std::string covariance = "diagonal";  // ModelConfig::re_covariance's words
};

// The network a configuration describes for grouping factors `factors`. `input_shape`: {features}
// or {channels, height, width}; `custom`: the user's fixed-effects network (config.fe ==
// "custom"), else the backbone's own, built through the same factory path; `outputs`: its
// link-scale outputs per row (1, or the classes of a multiclass target).
Network build_network(const ModelConfig& config, const std::vector<int64_t>& input_shape, const std::vector<FactorTerms>& factors,
                      const FixedEffectsFactory& custom = {}, int64_t outputs = 1);
// One grouping factor of `clusters` levels whose random effects the config's flags describe
// (`slope_columns`: the input columns of config.random_slopes when it names inputs).
Network build_network(const ModelConfig& config, const std::vector<int64_t>& input_shape, int64_t clusters,
                      const std::vector<int64_t>& slope_columns = {}, const FixedEffectsFactory& custom = {});

// The Trainer's settings from a configuration.
TrainerOptions trainer_options(const ModelConfig& config);

}  // namespace armed
