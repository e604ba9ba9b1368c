#pragma once
#include <torch/torch.h>

#include <vector>

#include "data/cluster_design.h"
#include "armed/fixed_effects.h"
#include "nn/conv_net.h"
#include "nn/mlp.h"
#include "nn/random_effects.h"

namespace armed {

struct DecoderOptions {
  DecoderOptions(std::vector<int64_t> output_shape, std::vector<int64_t> filters, int64_t latent)
      : output_shape_(std::move(output_shape)), filters_(std::move(filters)), latent_(latent) {}
  TORCH_ARG(std::vector<int64_t>, output_shape);  // C, H, W of the images
  TORCH_ARG(std::vector<int64_t>, filters);       // the encoder's; the decoder runs them in reverse
  TORCH_ARG(int64_t, latent);
  // 0: batch norm after each transposed convolution. K > 0: cluster-specific scale and bias per
  // filter instead, random effects over K clusters.
  TORCH_ARG(int64_t, clusters) = 0;
  // With clusters: the scale-bias random effects' prior and initial posterior (see RandomEffectsOptions).
  TORCH_ARG(double, prior_scale) = NAN;
  TORCH_ARG(double, posterior_loc_init_scale) = NAN;
  TORCH_ARG(double, posterior_scale_init_min) = NAN;
  TORCH_ARG(double, posterior_scale_init_range) = NAN;
};

// Dense layer from the latent to the smallest feature map, then one transposed convolution
// (3x3, stride 2) per encoder block back to the image size; linear output, so images on any
// scale can be reconstructed. With clusters, each hidden map is instance-normalized and then
// scaled and shifted per filter by its cluster's random effects, (1 + gamma_k) h + beta_k, and
// the output channels likewise without normalization: the decoder learns each cluster's style
// (brightness, contrast, texture) as random effects, shrunk towards none.
class DecoderImpl : public torch::nn::Module {
 public:
  explicit DecoderImpl(DecoderOptions options);
  void reset();
  // `z` is needed with clusters; an unknown cluster (Z = 0) decodes without cluster style.
  torch::Tensor forward(const torch::Tensor& latent, const ClusterDesign* z = nullptr);
  torch::Tensor kl_divergence() const;  // of the scale-bias random effects; 0 without them

  DecoderOptions options;
  torch::nn::Linear dense{nullptr};
  std::vector<torch::nn::ConvTranspose2d> deconvs;
  std::vector<torch::nn::BatchNorm2d> norms;
  RandomEffects scale_bias{nullptr};  // units: per hidden map then output, gammas then betas

 private:
  std::vector<int64_t> start_shape_;  // filters, height, width after the dense layer
};
TORCH_MODULE(Decoder);

struct AutoencoderOptions {
  AutoencoderOptions(std::vector<int64_t> input_shape, std::vector<int64_t> filters, int64_t latent,
                     std::vector<int64_t> classifier_hidden)
      : input_shape_(std::move(input_shape)), filters_(std::move(filters)), latent_(latent),
        classifier_hidden_(std::move(classifier_hidden)) {}
  TORCH_ARG(std::vector<int64_t>, input_shape);  // C, H, W; H and W divisible by 2^blocks
  TORCH_ARG(std::vector<int64_t>, filters);      // encoder blocks: conv 3x3 stride 2, batch norm, ReLU
  TORCH_ARG(int64_t, latent);
  TORCH_ARG(std::vector<int64_t>, classifier_hidden);  // the classifier on the latent
  TORCH_ARG(int64_t, outputs) = 1;                     // its logits: 1, or one per class
  // The decoder learns the reconstruction from the latent without shaping the latent (aec-armed:
  // a cluster-specific decoder owns reconstruction, so the latent need not carry cluster style).
  TORCH_ARG(bool, population_decoder) = false;
  TORCH_ARG(std::vector<int64_t>, styled_blocks) = {};  // encoder blocks (0-based) that take a style in forward_styled
};

// Autoencoder with an auxiliary classifier on its latent: the fixed-effects network of the aec
// models. Output: the classifier's logit. Hidden, what the adversary sees: the latent alone, the
// representation meant to be free of cluster information. The encoder's conv maps hold brightness
// however the latent is trained, and the classifier's layers are free to combine the latent with
// the random effects. Random slopes act on the classifier's last layer.
class AutoencoderClassifierImpl : public FixedEffectsModule {
 public:
  explicit AutoencoderClassifierImpl(AutoencoderOptions options);
  void reset();
  FixedEffectsOutput forward(const torch::Tensor& x) override;
  std::vector<int64_t> styled_filters() const override { return encoder.styled_filters(); }
  // The styled pass encodes in the styles and classifies that latent; reconstruction, latent and
  // what the adversary sees stay the fixed pass's.
  std::pair<FixedEffectsOutput, FixedEffectsOutput> forward_styled(const torch::Tensor& x, const BlockStyles& styles) override;

  AutoencoderOptions options;
  ConvBlocks encoder;
  torch::nn::Linear to_latent{nullptr};
  Decoder decoder{nullptr};
  MLP classifier{nullptr};
};
TORCH_MODULE(AutoencoderClassifier);

}  // namespace armed
