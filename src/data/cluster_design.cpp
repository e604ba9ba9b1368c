#include "data/cluster_design.h"

namespace armed {

ClusterDesign ClusterDesign::unknown(int64_t rows) { return {torch::full({rows}, -1, torch::kInt64), {}, false}; }

ClusterDesign ClusterDesign::inferred(int64_t rows) { return {torch::full({rows}, -1, torch::kInt64), {}, true}; }

torch::Tensor ClusterDesign::one_hot(int64_t clusters) const {
  if (soft.defined()) return soft;
  auto z = torch::zeros({ids.size(0), clusters + 1}, torch::kFloat32);
  // Unknown ids (-1) land in an extra last column that is dropped.
  auto col = torch::where(ids < 0, torch::full_like(ids, clusters), ids);
  z.scatter_(1, col.unsqueeze(1), 1.0f);
  return z.narrow(1, 0, clusters);
}

ClusterDesign ClusterDesign::rows(const torch::Tensor& index) const {
  ClusterDesign out;
  out.infer = infer;
  if (ids.defined()) out.ids = ids.index_select(0, index);
  if (soft.defined()) out.soft = soft.index_select(0, index);
  return out;
}

}  // namespace armed
