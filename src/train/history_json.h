#pragma once
// A model's training history as config.json's "training" holds it (non-finite values as null).
#include <nlohmann/json.hpp>

#include "armed/history.h"

namespace armed {

nlohmann::json history_to_json(const TrainingHistory& h);
TrainingHistory history_from_json(const nlohmann::json& j);

}  // namespace armed
