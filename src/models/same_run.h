#pragma once
#include "armed/config.h"
#include "armed/data/clustered_data.h"
#include "dist/collective.h"

namespace armed {

// Every rank of a distributed fit must read the same data with the same config: compares each
// rank's with rank 0's and throws RankFailed on every rank, naming the first that differs.
void check_same_run(ProcessGroup::Collective& group, const ModelConfig& config, const ClusteredData& data);

}  // namespace armed
