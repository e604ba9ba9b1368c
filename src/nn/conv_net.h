#pragma once
#include <torch/torch.h>

#include <vector>

#include "armed/fixed_effects.h"
#include "nn/mlp.h"

namespace armed {

// A stack of convolution blocks (conv 3x3, batch norm, ReLU, then a max-pool 2 where `pool`) run
// over the fixed-effects pass and, where blocks take styles, a styled pass that normalizes each
// block with the fixed pass's statistics (the batch's in training, the running ones in
// evaluation) before its style: with zero styles the two passes agree. The running statistics
// follow the fixed pass alone.
struct ConvBlocks {
  std::vector<torch::nn::Conv2d> convs;
  std::vector<torch::nn::BatchNorm2d> norms;
  std::vector<int64_t> styled;  // the blocks taking a style, 0-based, ascending
  bool pool = false;

  struct Passes {
    torch::Tensor fixed, styled;                             // the last block's maps
    std::vector<torch::Tensor> fixed_hidden, styled_hidden;  // per block, its maps averaged over space
  };
  // `styles` null: the fixed pass alone (styled = fixed). Else one scale and bias per styled block.
  Passes forward(const torch::Tensor& x, const BlockStyles* styles);
  std::vector<int64_t> styled_filters() const;
};

// Registers on `module` one conv 3x3 (padding 1, no bias: batch norm follows) and one batch norm
// per entry of `filters`, named conv<i> and norm<i>; blocks `styled` (0-based) take styles.
// Throws armed::Error naming --block-effects for a block beyond the stack.
ConvBlocks register_conv_blocks(torch::nn::Module& module, int64_t in_channels, const std::vector<int64_t>& filters, int64_t stride,
                                bool pool, const std::vector<int64_t>& styled);

// Throws armed::Error unless `input_shape` is C, H, W with H and W at least 2^blocks.
void check_image_shape(const std::vector<int64_t>& input_shape, size_t blocks);

struct ConvNetOptions {
  ConvNetOptions(std::vector<int64_t> input_shape, std::vector<int64_t> filters, std::vector<int64_t> head_hidden,
                 int64_t out_features)
      : input_shape_(std::move(input_shape)), filters_(std::move(filters)), head_hidden_(std::move(head_hidden)),
        out_features_(out_features) {}
  TORCH_ARG(std::vector<int64_t>, input_shape);  // C, H, W
  TORCH_ARG(std::vector<int64_t>, filters);      // one block per entry: conv 3x3, batch norm, ReLU, max-pool 2
  TORCH_ARG(std::vector<int64_t>, head_hidden);  // dense ReLU layers after the blocks
  TORCH_ARG(int64_t, out_features);
  TORCH_ARG(std::vector<int64_t>, styled_blocks) = {};  // blocks (0-based) that take a style in forward_styled
};

// Convolutional classifier. Its hidden activations are each block's feature maps averaged over
// space (what the adversary sees: one value per filter, whatever the image size), then the dense
// head's layers; random slopes act on the last of these.
class ConvNetImpl : public FixedEffectsModule {
 public:
  explicit ConvNetImpl(ConvNetOptions options);
  void reset();
  FixedEffectsOutput forward(const torch::Tensor& x) override;
  std::vector<int64_t> styled_filters() const override { return blocks.styled_filters(); }
  std::pair<FixedEffectsOutput, FixedEffectsOutput> forward_styled(const torch::Tensor& x, const BlockStyles& styles) override;

  ConvNetOptions options;
  ConvBlocks blocks;
  MLP head{nullptr};

 private:
  FixedEffectsOutput with_head(const torch::Tensor& maps, std::vector<torch::Tensor> hidden);
};
TORCH_MODULE(ConvNet);

}  // namespace armed
