// MixedEffectsModel::embed and reconstruct: what the aec models offer besides predictions.
#include "armed/error.h"
#include "armed/models/model.h"

namespace armed {
namespace {

// Runs `f` on chunks of rows in evaluation mode without autograd and concatenates the results.
template <typename F>
torch::Tensor by_chunks(Network& net, const torch::Tensor& x, F f) {
  torch::NoGradGuard no_grad;
  net->eval();
  const int64_t chunk = prediction_chunk(*net, /*soft=*/false);
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < x.size(0); start += chunk)
    parts.push_back(f(x.narrow(0, start, std::min(chunk, x.size(0) - start)), start));
  return torch::cat(parts);
}

}  // namespace

torch::Tensor MixedEffectsModel::embed(const ClusteredData& data) const {
  if (config_.family() != "aec") throw Error("embed: a '" + config_.model + "' model has no latent; use an aec model");
  return by_chunks(net_, model_input(data), [&](const torch::Tensor& x, int64_t) { return net_->fixed_effects->forward(x).latent; });
}

torch::Tensor MixedEffectsModel::reconstruct(const ClusteredData& data, const std::string& cluster) const {
  if (config_.family() != "aec") throw Error("reconstruct: a '" + config_.model + "' model has no decoder; use an aec model");
  const torch::Tensor x = model_input(data);
  if (cluster.empty())
    return by_chunks(net_, x, [&](const torch::Tensor& rows, int64_t) { return net_->fixed_effects->forward(rows).reconstruction; });
  if (!net_->mixed_decoder)
    throw Error("--as-cluster: a '" + config_.model + "' model reconstructs without cluster style only (aec-armed has cluster-specific decoders)");
  const int64_t id = encoder_.encode({cluster})[0].item<int64_t>();
  if (id < 0) throw Error("--as-cluster: cluster '" + cluster + "' was not seen in training");
  return by_chunks(net_, x, [&](const torch::Tensor& rows, int64_t) {
    const ClusterDesign z{torch::full({rows.size(0)}, id, torch::kInt64), {}, false};
    return net_->mixed_decoder->forward(net_->fixed_effects->forward(rows).latent, &z);
  });
}

}  // namespace armed
