// MixedEffectsModel::embed and reconstruct: what the aec models offer besides predictions.
#include "armed/error.h"
#include "armed/model.h"
#include "models/model_state.h"

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
  if (s_->config.kind().backbone != Backbone::autoencoder) throw Error("embed: a '" + s_->config.model + "' model has no latent; use an aec model");
  return by_chunks(s_->net, s_->model_input(data), [&](const torch::Tensor& x, int64_t) { return s_->net->fixed_effects->forward(x).latent; });
}

torch::Tensor MixedEffectsModel::reconstruct(const ClusteredData& data, const std::string& cluster) const {
  if (s_->config.kind().backbone != Backbone::autoencoder) throw Error("reconstruct: a '" + s_->config.model + "' model has no decoder; use an aec model");
  const torch::Tensor x = s_->model_input(data);
  if (cluster.empty())
    return by_chunks(s_->net, x, [&](const torch::Tensor& rows, int64_t) { return s_->net->fixed_effects->forward(rows).reconstruction; });
  if (!s_->net->mixed_decoder)
    throw Error("reconstruct in a cluster's style: a '" + s_->config.model + "' model reconstructs without cluster style only (aec-armed has cluster-specific decoders)");
  const int64_t id = s_->encoders.front().encode({cluster})[0].item<int64_t>();
  if (id < 0) throw Error("reconstruct: cluster '" + cluster + "' was not seen in training");
  return by_chunks(s_->net, x, [&](const torch::Tensor& rows, int64_t) {
    const ClusterDesign z{torch::full({rows.size(0)}, id, torch::kInt64), {}, false};
    return s_->net->mixed_decoder->forward(s_->net->fixed_effects->forward(rows).latent, &z);
  });
}

}  // namespace armed
