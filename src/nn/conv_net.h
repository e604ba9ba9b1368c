#pragma once
#include <torch/torch.h>

#include <vector>

#include "armed/fixed_effects.h"
#include "nn/mlp.h"

namespace armed {

struct ConvNetOptions {
  ConvNetOptions(std::vector<int64_t> input_shape, std::vector<int64_t> filters, std::vector<int64_t> head_hidden,
                 int64_t out_features)
      : input_shape_(std::move(input_shape)), filters_(std::move(filters)), head_hidden_(std::move(head_hidden)),
        out_features_(out_features) {}
  TORCH_ARG(std::vector<int64_t>, input_shape);  // C, H, W
  TORCH_ARG(std::vector<int64_t>, filters);      // one block per entry: conv 3x3, batch norm, ReLU, max-pool 2
  TORCH_ARG(std::vector<int64_t>, head_hidden);  // dense ReLU layers after the blocks
  TORCH_ARG(int64_t, out_features);
};

// Convolutional classifier. Its hidden activations are each block's feature maps averaged over
// space (what the adversary sees: one value per filter, whatever the image size), then the dense
// head's layers; random slopes act on the last of these.
class ConvNetImpl : public FixedEffectsModule {
 public:
  explicit ConvNetImpl(ConvNetOptions options);
  void reset();
  FixedEffectsOutput forward(const torch::Tensor& x) override;

  ConvNetOptions options;
  std::vector<torch::nn::Conv2d> convs;
  std::vector<torch::nn::BatchNorm2d> norms;
  MLP head{nullptr};
};
TORCH_MODULE(ConvNet);

// Registers on `module` one conv 3x3 (padding 1, no bias: batch norm follows) and one batch norm
// per entry of `filters`, named conv<i> and norm<i>, into `convs` and `norms`; returns the last
// block's channels.
int64_t register_conv_blocks(torch::nn::Module& module, int64_t in_channels, const std::vector<int64_t>& filters,
                             int64_t stride, std::vector<torch::nn::Conv2d>& convs, std::vector<torch::nn::BatchNorm2d>& norms);

// Throws armed::Error unless `input_shape` is C, H, W with H and W at least 2^blocks.
void check_image_shape(const std::vector<int64_t>& input_shape, size_t blocks);

}  // namespace armed
