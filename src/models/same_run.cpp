#include "models/same_run.h"

#include "models/checkpoint.h"

namespace armed {

void check_same_run(ProcessGroup::Collective& group, const ModelConfig& config, const ClusteredData& data) {
  const std::string mine = config_to_json(config).dump() + "\n" + data_fingerprint(data);
  const std::string rank_zero = group.broadcast(mine, "comparing the ranks' data and options");
  const auto differs = group.gather(torch::tensor({mine == rank_zero ? 0 : 1}, torch::kInt32), "comparing the ranks' data and options");
  for (int r = 1; r < group.size; ++r)
    if (differs[r].item<int>() != 0)
      throw RankFailed("rank " + std::to_string(r) + " read other data or options than rank 0: every rank must train on the same data (" +
                       std::to_string(data.rows()) + " rows here) with the same options");
}

}  // namespace armed
