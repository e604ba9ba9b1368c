#include "nn/conv_net.h"

#include <cmath>
#include <string>

#include "armed/error.h"

namespace armed {
namespace {

// `a` batch-normalized by `norm` with the statistics of `reference`, the fixed pass's input to it.
torch::Tensor normalize_as(const torch::nn::BatchNorm2d& norm, const torch::Tensor& a, const torch::Tensor& reference) {
  const std::vector<int64_t> channel{1, -1, 1, 1};
  torch::Tensor mean, var;
  if (norm->is_training()) {
    mean = reference.mean({0, 2, 3});
    var = reference.var({0, 2, 3}, /*unbiased=*/false);
  } else {
    mean = norm->running_mean;
    var = norm->running_var;
  }
  return (a - mean.view(channel)) * torch::rsqrt(var.view(channel) + norm->options.eps()) * norm->weight.view(channel) +
         norm->bias.view(channel);
}

// Throws armed::Error unless `styles` holds one [n, filters] scale and bias per styled block.
void check_styles(const BlockStyles& styles, const std::vector<int64_t>& filters, int64_t rows) {
  if (styles.gamma.size() != filters.size() || styles.beta.size() != filters.size())
    throw Error("block styles: " + std::to_string(filters.size()) + " styled blocks but " + std::to_string(styles.gamma.size()) + " styles");
  for (size_t b = 0; b < filters.size(); ++b)
    for (const auto* t : {&styles.gamma[b], &styles.beta[b]})
      if (t->dim() != 2 || t->size(0) != rows || t->size(1) != filters[b])
        throw Error("block styles: block " + std::to_string(b + 1) + " takes [rows, " + std::to_string(filters[b]) + "] scales and biases");
}

}  // namespace

void check_image_shape(const std::vector<int64_t>& shape, size_t blocks) {
  if (shape.size() != 3) throw Error("image models need images of shape channels x height x width");
  const int64_t need = int64_t{1} << blocks;
  if (shape[1] < need || shape[2] < need)
    throw Error("--filters: " + std::to_string(blocks) + " blocks halve the image " + std::to_string(blocks) + " times; " +
                std::to_string(shape[1]) + "x" + std::to_string(shape[2]) + " images allow at most " +
                std::to_string(static_cast<int64_t>(std::log2(std::min(shape[1], shape[2])))));
}

ConvBlocks register_conv_blocks(torch::nn::Module& module, int64_t channels, const std::vector<int64_t>& filters, int64_t stride,
                                bool pool, const std::vector<int64_t>& styled) {
  ConvBlocks blocks;
  blocks.pool = pool;
  for (size_t i = 0; i < filters.size(); ++i) {
    blocks.convs.push_back(module.register_module(
        "conv" + std::to_string(i),
        torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, filters[i], 3).stride(stride).padding(1).bias(false))));
    blocks.norms.push_back(module.register_module("norm" + std::to_string(i), torch::nn::BatchNorm2d(filters[i])));
    channels = filters[i];
  }
  for (size_t i = 0; i < styled.size(); ++i)
    if (styled[i] < 0 || styled[i] >= static_cast<int64_t>(filters.size()) || (i > 0 && styled[i] <= styled[i - 1]))
      throw Error("--block-effects: block " + std::to_string(styled[i] + 1) + " is not one of the " + std::to_string(filters.size()) +
                  " blocks of --filters, in ascending order");
  blocks.styled = styled;
  return blocks;
}

std::vector<int64_t> ConvBlocks::styled_filters() const {
  std::vector<int64_t> filters;
  for (int64_t b : styled) filters.push_back(norms[static_cast<size_t>(b)]->options.num_features());
  return filters;
}

ConvBlocks::Passes ConvBlocks::forward(const torch::Tensor& x, const BlockStyles* styles) {
  if (styles) check_styles(*styles, styled_filters(), x.size(0));
  auto finish = [this](const torch::Tensor& normalized) {
    auto h = torch::relu(normalized);
    return pool ? torch::max_pool2d(h, 2) : h;
  };
  Passes p;
  p.fixed = x;
  size_t next = 0;  // the next styled block
  for (size_t i = 0; i < convs.size(); ++i) {
    const auto a = convs[i]->forward(p.fixed);
    const auto normalized = norms[i]->forward(a);
    const bool takes_style = styles && next < styled.size() && styled[next] == static_cast<int64_t>(i);
    if (takes_style || p.styled.defined()) {
      // Until the first styled block the passes are one.
      auto s = p.styled.defined() ? normalize_as(norms[i], convs[i]->forward(p.styled), a) : normalized;
      if (takes_style) {
        s = s * (1 + styles->gamma[next].unsqueeze(2).unsqueeze(3)) + styles->beta[next].unsqueeze(2).unsqueeze(3);
        ++next;
      }
      p.styled = finish(s);
    }
    p.fixed = finish(normalized);
    p.fixed_hidden.push_back(p.fixed.mean({2, 3}));
    p.styled_hidden.push_back(p.styled.defined() ? p.styled.mean({2, 3}) : p.fixed_hidden.back());
  }
  if (!p.styled.defined()) p.styled = p.fixed;
  return p;
}

ConvNetImpl::ConvNetImpl(ConvNetOptions options_) : options(std::move(options_)) { reset(); }

void ConvNetImpl::reset() {
  check_image_shape(options.input_shape(), options.filters().size());
  blocks = register_conv_blocks(*this, options.input_shape()[0], options.filters(), /*stride=*/1, /*pool=*/true, options.styled_blocks());
  // Each block's max-pool halves the maps, rounding down.
  const int64_t height = options.input_shape()[1] >> options.filters().size(), width = options.input_shape()[2] >> options.filters().size();
  head = register_module("head", MLP(MLPOptions(options.filters().back() * height * width, options.head_hidden(), options.out_features())));
}

FixedEffectsOutput ConvNetImpl::with_head(const torch::Tensor& maps, std::vector<torch::Tensor> hidden) {
  FixedEffectsOutput dense = head->forward(maps.flatten(1));
  FixedEffectsOutput out;
  out.output = dense.output;
  out.hidden = std::move(hidden);
  out.hidden.insert(out.hidden.end(), dense.hidden.begin(), dense.hidden.end());
  return out;
}

FixedEffectsOutput ConvNetImpl::forward(const torch::Tensor& x) {
  ConvBlocks::Passes p = blocks.forward(x, nullptr);
  return with_head(p.fixed, std::move(p.fixed_hidden));
}

std::pair<FixedEffectsOutput, FixedEffectsOutput> ConvNetImpl::forward_styled(const torch::Tensor& x, const BlockStyles& styles) {
  ConvBlocks::Passes p = blocks.forward(x, &styles);
  return {with_head(p.fixed, std::move(p.fixed_hidden)), with_head(p.styled, std::move(p.styled_hidden))};
}

}  // namespace armed
