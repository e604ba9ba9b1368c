#include "armed/nn/mlp.h"

#include "armed/error.h"

namespace armed {

MLPImpl::MLPImpl(MLPOptions options_) : options(std::move(options_)) { reset(); }

void MLPImpl::reset() {
  if (options.in_features() < 1 || options.out_features() < 1) throw Error("MLP needs at least one input and output");
  layers.clear();
  int64_t width = options.in_features();
  for (size_t i = 0; i < options.hidden().size(); ++i) {
    const int64_t h = options.hidden()[i];
    if (h < 1) throw Error("hidden layer widths must be positive");
    layers.push_back(register_module("hidden" + std::to_string(i), torch::nn::Linear(width, h)));
    width = h;
  }
  output = register_module("output", torch::nn::Linear(width, options.out_features()));
  // Glorot-uniform weights and zero biases (Keras' default, used by the paper): with layers as
  // narrow as 4 units, LibTorch's default uniform biases leave whole layers dead more often.
  torch::NoGradGuard no_grad;
  for (auto& layer : layers) {
    torch::nn::init::xavier_uniform_(layer->weight);
    torch::nn::init::zeros_(layer->bias);
  }
  torch::nn::init::xavier_uniform_(output->weight);
  torch::nn::init::zeros_(output->bias);
}

FixedEffectsOutput MLPImpl::forward(const torch::Tensor& x) {
  FixedEffectsOutput out;
  torch::Tensor h = x;
  for (auto& layer : layers) {
    h = torch::relu(layer->forward(h));
    out.hidden.push_back(h);
  }
  out.output = output->forward(h);
  return out;
}

}  // namespace armed
