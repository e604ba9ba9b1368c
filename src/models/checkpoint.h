#pragma once
// Checkpoint directories (MixedEffectsModel::fit's Checkpointing): trainer.pt, the trainer's state,
// and checkpoint.json, the run it belongs to (config, data fingerprint, threads, the caller's state).
#include <string>

#include "armed/model.h"
#include "train/trainer.h"

namespace armed {

// A hash of everything a fit reads of its rows (features, targets, trials, offsets, cluster
// labels), so that a resumed fit refuses other data.
std::string data_fingerprint(const ClusteredData& data);

// Writes the trainer's state and the run's description into checkpointing.dir, replacing it atomically.
void write_checkpoint(const Checkpointing& checkpointing, const Trainer& trainer, const ModelConfig& config, const std::string& fingerprint);

// Loads the trainer's state from checkpointing.dir after checking it was taken with this config and data.
void resume_from_checkpoint(const Checkpointing& checkpointing, Trainer& trainer, const ModelConfig& config, const std::string& fingerprint,
                            std::ostream* progress);

}  // namespace armed
