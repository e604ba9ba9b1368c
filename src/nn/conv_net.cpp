#include "nn/conv_net.h"

#include "armed/error.h"

namespace armed {

void check_image_shape(const std::vector<int64_t>& shape, size_t blocks) {
  if (shape.size() != 3) throw Error("image models need images of shape channels x height x width");
  const int64_t need = int64_t{1} << blocks;
  if (shape[1] < need || shape[2] < need)
    throw Error("--filters: " + std::to_string(blocks) + " blocks halve the image " + std::to_string(blocks) + " times; " +
                std::to_string(shape[1]) + "x" + std::to_string(shape[2]) + " images allow at most " +
                std::to_string(static_cast<int64_t>(std::log2(std::min(shape[1], shape[2])))));
}

int64_t register_conv_blocks(torch::nn::Module& module, int64_t channels, const std::vector<int64_t>& filters,
                             int64_t stride, std::vector<torch::nn::Conv2d>& convs, std::vector<torch::nn::BatchNorm2d>& norms) {
  convs.clear();
  norms.clear();
  for (size_t i = 0; i < filters.size(); ++i) {
    convs.push_back(module.register_module(
        "conv" + std::to_string(i),
        torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, filters[i], 3).stride(stride).padding(1).bias(false))));
    norms.push_back(module.register_module("norm" + std::to_string(i), torch::nn::BatchNorm2d(filters[i])));
    channels = filters[i];
  }
  return channels;
}

ConvNetImpl::ConvNetImpl(ConvNetOptions options_) : options(std::move(options_)) { reset(); }

void ConvNetImpl::reset() {
  check_image_shape(options.input_shape(), options.filters().size());
  const int64_t channels = register_conv_blocks(*this, options.input_shape()[0], options.filters(), /*stride=*/1, convs, norms);
  // Each block's max-pool halves the maps, rounding down.
  const int64_t height = options.input_shape()[1] >> options.filters().size(), width = options.input_shape()[2] >> options.filters().size();
  head = register_module("head", MLP(MLPOptions(channels * height * width, options.head_hidden(), options.out_features())));
}

FixedEffectsOutput ConvNetImpl::forward(const torch::Tensor& x) {
  FixedEffectsOutput out;
  torch::Tensor h = x;
  for (size_t i = 0; i < convs.size(); ++i) {
    h = torch::max_pool2d(torch::relu(norms[i]->forward(convs[i]->forward(h))), 2);
    out.hidden.push_back(h.mean({2, 3}));
  }
  FixedEffectsOutput dense = head->forward(h.flatten(1));
  out.output = dense.output;
  out.hidden.insert(out.hidden.end(), dense.hidden.begin(), dense.hidden.end());
  return out;
}

}  // namespace armed
