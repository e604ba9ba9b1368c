#include "armed/models/network.h"

namespace armed {

ClusterDesign ClusterDesign::unknown(int64_t rows) { return {torch::full({rows}, -1, torch::kInt64), {}}; }

torch::Tensor ClusterDesign::dense(int64_t clusters) const {
  if (soft.defined()) return soft;
  auto z = torch::zeros({ids.size(0), clusters + 1}, torch::kFloat32);
  // Unknown ids (-1) land in an extra last column that is dropped.
  auto col = torch::where(ids < 0, torch::full_like(ids, clusters), ids);
  z.scatter_(1, col.unsqueeze(1), 1.0f);
  return z.narrow(1, 0, clusters);
}

ClusterDesign ClusterDesign::rows(const torch::Tensor& index) const {
  ClusterDesign out;
  if (ids.defined()) out.ids = ids.index_select(0, index);
  if (soft.defined()) out.soft = soft.index_select(0, index);
  return out;
}

NetworkImpl::NetworkImpl(ModelConfig config_, int64_t features_, int64_t clusters_)
    : config(std::move(config_)), features(features_), clusters(clusters_) {
  const int64_t inputs = features + (config.model == "cluster-input" ? clusters : 0);
  fixed_effects = register_module("fixed_effects", MLP(MLPOptions(inputs, config.hidden, 1)));
}

NetworkOutput NetworkImpl::forward(const torch::Tensor& x, const ClusterDesign& z) {
  const torch::Tensor input = config.model == "cluster-input" ? torch::cat({x, z.dense(clusters)}, 1) : x;
  MLPOutput fe = fixed_effects->forward(input);
  return {fe.output.squeeze(1), torch::cat(fe.hidden, 1)};
}

}  // namespace armed
