#include "armed/nn/conv_net.h"

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

ConvNetImpl::ConvNetImpl(ConvNetOptions options_) : options(std::move(options_)) { reset(); }

void ConvNetImpl::reset() {
  check_image_shape(options.input_shape(), options.filters().size());
  convs.clear();
  norms.clear();
  int64_t channels = options.input_shape()[0], height = options.input_shape()[1], width = options.input_shape()[2];
  for (size_t i = 0; i < options.filters().size(); ++i) {
    const int64_t f = options.filters()[i];
    convs.push_back(register_module("conv" + std::to_string(i),
                                    torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, f, 3).padding(1).bias(false))));
    norms.push_back(register_module("norm" + std::to_string(i), torch::nn::BatchNorm2d(f)));
    channels = f;
    height /= 2;
    width /= 2;
  }
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
