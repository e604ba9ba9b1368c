// MixedEffectsModel::saliency: where an image model's prediction looks, by occlusion.
#include "armed/error.h"
#include "armed/model.h"
#include "models/model_state.h"

namespace armed {
namespace {

// The squares' top-left corners along one side: every `stride` pixels, the last flush with the edge.
std::vector<int64_t> corners(int64_t side, int64_t window) {
  const int64_t stride = std::max<int64_t>(1, window / 2);
  std::vector<int64_t> at;
  for (int64_t c = 0; c + window < side; c += stride) at.push_back(c);
  at.push_back(side - window);
  return at;
}

}  // namespace

torch::Tensor MixedEffectsModel::saliency(const ClusteredData& data, PredictMode mode, int64_t window) const {
  if (!s_->config.for_images()) throw Error("saliency: a '" + s_->config.model + "' model reads features, not images");
  if (mode != PredictMode::fixed && mode != PredictMode::mixed) throw Error("saliency: of the fixed effects or of the mixed prediction");
  if (mode == PredictMode::mixed && !s_->net->uses_clusters())
    throw Error("saliency of the mixed prediction: a '" + s_->config.model + "' model has no cluster-specific part");
  const torch::Tensor x = s_->model_input(data);
  const int64_t n = x.size(0), height = x.size(2), width = x.size(3);
  if (n == 0) throw Error(data.source + ": no pictures to find the saliency of");
  if (window == 0) window = std::max<int64_t>(2, height / 7);
  if (window < 1 || window > std::min(height, width))
    throw Error("saliency: the occluding square's side must be between 1 and the pictures' " + std::to_string(std::min(height, width)) + " pixels");
  std::vector<torch::Tensor> ids;
  for (size_t f = 0; f < s_->factor_names.size() && mode == PredictMode::mixed; ++f) {
    const GroupingFactor* factor = data.factor(s_->factor_names[f]);
    if (!factor) throw Error(data.source + ": the saliency of the mixed prediction needs the cluster column '" + s_->factor_names[f] + "'");
    ids.push_back(s_->encoders[f].encode(factor->labels));
    if ((ids.back() < 0).any().item<bool>())
      throw Error(data.source + ": the saliency of the mixed prediction needs clusters seen in training; '" + s_->factor_names[f] +
                  "' has others");
  }
  torch::NoGradGuard no_grad;
  s_->net->eval();
  // The typical background: each channel's median pixel.
  const torch::Tensor fill = std::get<0>(x.transpose(0, 1).reshape({x.size(1), -1}).median(1)).view({1, 1, -1, 1, 1});
  std::vector<torch::Tensor> masks;  // [H, W] each square
  for (const int64_t r : corners(height, window))
    for (const int64_t c : corners(width, window)) {
      auto mask = torch::zeros({height, width}, torch::kBool);
      mask.narrow(0, r, window).narrow(1, c, window).fill_(true);
      masks.push_back(mask);
    }
  const torch::Tensor all_masks = torch::stack(masks);  // [squares, H, W]
  const torch::Tensor coverage = all_masks.to(torch::kFloat32).sum(0);

  const int64_t chunk = std::max<int64_t>(1, prediction_chunk(*s_->net, /*soft=*/false));
  const int64_t rows_per_pass = std::max<int64_t>(1, std::min<int64_t>(n, chunk / 8));
  auto result = torch::zeros({n, height, width});
  for (int64_t start = 0; start < n; start += rows_per_pass) {
    const int64_t m = std::min(rows_per_pass, n - start);
    const torch::Tensor rows = x.narrow(0, start, m);
    const auto design = [&](int64_t copies) {
      std::vector<ClusterDesign> z;
      for (size_t f = 0; f < s_->factor_names.size(); ++f)
        z.push_back(mode == PredictMode::mixed ? ClusterDesign{ids[f].narrow(0, start, m).repeat({copies}), {}, false}
                                               : ClusterDesign::unknown(m * copies));
      return z;
    };
    torch::Tensor base = s_->net->forward(rows, design(1)).output;  // [m] or [m, classes]
    torch::Tensor column;  // multiclass: the class whose evidence is followed
    if (base.dim() == 2) {
      column = base.argmax(1, /*keepdim=*/true);
      base = base.gather(1, column).squeeze(1);
    }
    const int64_t squares_per_pass = std::max<int64_t>(1, chunk / m);
    for (int64_t first = 0; first < all_masks.size(0); first += squares_per_pass) {
      const int64_t k = std::min(squares_per_pass, all_masks.size(0) - first);
      const torch::Tensor mask = all_masks.narrow(0, first, k).view({k, 1, 1, height, width});
      const torch::Tensor occluded = torch::where(mask, fill, rows.unsqueeze(0)).reshape({k * m, x.size(1), height, width});
      torch::Tensor out = s_->net->forward(occluded, design(k)).output;
      if (column.defined()) out = out.gather(1, column.repeat({k, 1})).squeeze(1);
      const torch::Tensor moved = (out.view({k, m}) - base.unsqueeze(0)).abs().to(torch::kFloat32);  // [k, m]
      result.narrow(0, start, m).add_(torch::einsum("km,khw->mhw", {moved, all_masks.narrow(0, first, k).to(torch::kFloat32)}));
    }
  }
  return result / coverage;
}

}  // namespace armed
