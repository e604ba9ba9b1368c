#include "nn/autoencoder.h"

#include "armed/error.h"
#include "nn/conv_net.h"

namespace armed {
namespace {

void check_autoencoder_shape(const std::vector<int64_t>& shape, size_t blocks) {
  check_image_shape(shape, blocks);
  const int64_t step = int64_t{1} << blocks;
  if (shape[1] % step != 0 || shape[2] % step != 0)
    throw Error("--filters: an autoencoder with " + std::to_string(blocks) + " blocks needs image sides divisible by " +
                std::to_string(step) + " (images are " + std::to_string(shape[1]) + "x" + std::to_string(shape[2]) + ")");
}

}  // namespace

DecoderImpl::DecoderImpl(DecoderOptions options_) : options(std::move(options_)) { reset(); }

void DecoderImpl::reset() {
  const auto& f = options.filters();
  const auto& shape = options.output_shape();
  check_autoencoder_shape(shape, f.size());
  const int64_t blocks = static_cast<int64_t>(f.size());
  start_shape_ = {f.back(), shape[1] >> blocks, shape[2] >> blocks};
  dense = register_module("dense", torch::nn::Linear(options.latent(), start_shape_[0] * start_shape_[1] * start_shape_[2]));
  deconvs.clear();
  norms.clear();
  int64_t units = 0;
  for (int64_t i = blocks - 1; i >= 0; --i) {
    const int64_t out = i > 0 ? f[i - 1] : shape[0];
    deconvs.push_back(register_module(
        "deconv" + std::to_string(deconvs.size()),
        torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(f[i], out, 3).stride(2).padding(1).output_padding(1))));
    if (i > 0 && options.clusters() == 0)
      norms.push_back(register_module("norm" + std::to_string(norms.size()), torch::nn::BatchNorm2d(out)));
    units += out;
  }
  if (options.clusters() > 0)
    scale_bias = register_module("scale_bias", RandomEffects(RandomEffectsOptions(options.clusters(), 2 * units)
                                                                 .posterior_loc_init_scale({options.posterior_loc_init_scale()})
                                                                 .posterior_scale_init_min(options.posterior_scale_init_min())
                                                                 .posterior_scale_init_range(options.posterior_scale_init_range())
                                                                 .prior_scale({options.prior_scale()})));
}

torch::Tensor DecoderImpl::forward(const torch::Tensor& latent, const ClusterDesign* z) {
  torch::Tensor gamma, beta;
  if (scale_bias) {
    TORCH_CHECK(z, "a decoder with cluster-specific scales needs the cluster design");
    auto u = scale_bias->forward(*z);
    gamma = u.narrow(1, 0, u.size(1) / 2);
    beta = u.narrow(1, u.size(1) / 2, u.size(1) / 2);
  }
  torch::Tensor h = torch::relu(dense->forward(latent)).view({-1, start_shape_[0], start_shape_[1], start_shape_[2]});
  int64_t offset = 0;
  for (size_t i = 0; i < deconvs.size(); ++i) {
    h = deconvs[i]->forward(h);
    const bool last = i + 1 == deconvs.size();
    if (scale_bias) {
      if (!last) h = torch::instance_norm(h, {}, {}, {}, {}, /*use_input_stats=*/true, 0.1, 1e-5, false);
      const int64_t c = h.size(1);
      h = h * (1 + gamma.narrow(1, offset, c).view({-1, c, 1, 1})) + beta.narrow(1, offset, c).view({-1, c, 1, 1});
      offset += c;
    } else if (!last) {
      h = norms[i]->forward(h);
    }
    if (!last) h = torch::relu(h);
  }
  return h;
}

torch::Tensor DecoderImpl::kl_divergence() const { return scale_bias ? scale_bias->kl_divergence() : torch::zeros({}); }

AutoencoderClassifierImpl::AutoencoderClassifierImpl(AutoencoderOptions options_) : options(std::move(options_)) { reset(); }

void AutoencoderClassifierImpl::reset() {
  const auto& shape = options.input_shape();
  check_autoencoder_shape(shape, options.filters().size());
  if (options.latent() < 1) throw Error("--latent: must be at least 1");
  encoder = register_conv_blocks(*this, shape[0], options.filters(), /*stride=*/2, /*pool=*/false, options.styled_blocks());
  const int64_t blocks = static_cast<int64_t>(options.filters().size());
  to_latent = register_module("to_latent", torch::nn::Linear(options.filters().back() * (shape[1] >> blocks) * (shape[2] >> blocks), options.latent()));
  decoder = register_module("decoder", Decoder(DecoderOptions(shape, options.filters(), options.latent())));
  classifier = register_module("classifier", MLP(MLPOptions(options.latent(), options.classifier_hidden(), options.outputs())));
}

FixedEffectsOutput AutoencoderClassifierImpl::forward(const torch::Tensor& x) { return forward_styled(x, BlockStyles{}).first; }

std::pair<FixedEffectsOutput, FixedEffectsOutput> AutoencoderClassifierImpl::forward_styled(const torch::Tensor& x,
                                                                                            const BlockStyles& styles) {
  const bool styled = !styles.gamma.empty();
  const ConvBlocks::Passes p = encoder.forward(x, styled ? &styles : nullptr);
  FixedEffectsOutput out;
  out.latent = to_latent->forward(p.fixed.flatten(1));
  out.hidden.push_back(out.latent);
  out.reconstruction = decoder->forward(options.population_decoder() ? out.latent.detach() : out.latent);
  const auto classify = [this](FixedEffectsOutput& o, const torch::Tensor& latent) {
    FixedEffectsOutput cls = classifier->forward(latent);
    o.output = cls.output;
    if (!cls.hidden.empty()) o.slope_features = cls.hidden.back();
  };
  classify(out, out.latent);
  if (!styled) return {out, out};
  FixedEffectsOutput in_styles = out;
  classify(in_styles, to_latent->forward(p.styled.flatten(1)));
  return {out, in_styles};
}

}  // namespace armed
