#pragma once
#include <torch/torch.h>

#include <functional>

#include "armed/fixed_effects.h"
#include "data/cluster_design.h"
#include "nn/autoencoder.h"
#include "nn/membership.h"
#include "nn/mlp.h"
#include "nn/random_effects.h"

namespace armed {

struct NetworkOutput {
  // [n], or [n, outputs] with several outputs (one per class).
  torch::Tensor output;     // the model's prediction given Z (mixed with random effects): link scale
  torch::Tensor fixed;      // the fixed-effects part alone
  torch::Tensor hidden;     // [n, sum(hidden)] concatenated fixed-effects hidden activations, the adversaries'
                            // input (undefined without an adversary)
  // Per grouping factor, [n, units - 1] what its random slopes multiply (undefined: intercepts only).
  std::vector<torch::Tensor> re_slopes;
  torch::Tensor latent;                // autoencoders: the fixed-effects latent
  torch::Tensor reconstruction;        // autoencoders: the fixed-effects decoder's images
  torch::Tensor mixed_reconstruction;  // with a cluster decoder: its images, in Z's clusters' style
};

// What random slopes multiply: nothing, the fixed-effects network's slope features (its last
// hidden layer unless it names others), or chosen input columns.
enum class SlopeSource { none, hidden, input_columns };

// The random effects' priors and initial posteriors; the network sizes them once it knows its
// slope features.
struct RandomEffectsPlan {
  SlopeSource slopes = SlopeSource::none;
  std::vector<int64_t> slope_columns;  // SlopeSource::input_columns
  double intercept_prior_scale = 0, slope_prior_scale = 0;
  double intercept_posterior_init_scale = 0, slope_posterior_init_scale = 0;
  double posterior_scale_init_min = 0, posterior_scale_init_range = 0;
  bool learn_prior_scale = false;
  Covariance covariance = Covariance::diagonal;
};

// The block random effects: with random effects and a fixed-effects network whose convolution
// blocks take styles, per factor and cluster a scale and a bias for each styled filter.
struct BlockEffectsPlan {
  double prior_scale = 0, posterior_loc_init_scale = 0;
  double posterior_scale_init_min = 0, posterior_scale_init_range = 0;
  bool learn_prior_scale = false;
};

// One grouping factor's part of a Network.
struct GroupingFactorOptions {
  int64_t clusters = 0;                // its levels seen in training
  RandomEffectsPlan random_effects;    // with NetworkOptions::random_effects
  // Its cluster-membership predictor's network (output = cluster logits), with random effects;
  // none: unseen clusters get the fixed effects alone.
  std::function<std::shared_ptr<FixedEffectsModule>()> membership;
};

// Everything a Network is built from; src/models/from_config.cpp fills it from a ModelConfig.
struct NetworkOptions {
  std::vector<int64_t> input_shape;  // {features}, or {channels, height, width} for images
  // Link-scale outputs per row: 1, or one per class (multiclass), when each factor's random
  // effects are an intercept per output (no slopes) and the adversary reads the target one-hot.
  int64_t outputs = 1;
  std::vector<GroupingFactorOptions> factors;  // one or several grouping factors (crossed or nested)
  // Builds the fixed-effects network for its number of input features (images: unused).
  FixedEffectsFactory fixed_effects;
  bool cluster_input = false;  // every factor's one-hot cluster is appended to the fixed effects' input
  // The adversaries: per factor an MLP from the hidden activations (and with sees_target the
  // target) to the factor's cluster.
  bool adversary = false;
  std::vector<int64_t> adversary_hidden;
  bool adversary_sees_target = false;
  // Per factor, random effects combined with the fixed effects on the link scale, with the
  // membership predictor that infers soft Z for unseen clusters; for autoencoders, a cluster
  // decoder styled by the first factor.
  bool random_effects = false;
  BlockEffectsPlan block_effects;            // where the fixed-effects network has styled blocks
  std::function<Decoder()> cluster_decoder;  // may be empty
  bool sparse_random_effects = false;  // their tables get sparse row gradients (for SparseAdam)
  bool residual_sd = false;            // a Gaussian residual SD is learned with the network
  // The fixed-effects output passes through a shift and scale held as a buffer (0 and 1 in
  // training), which an exact final stage sets: the network's output on the conditional scale.
  bool fixed_calibration = false;
};

// The network behind every model kind: a fixed-effects network, optionally with the one-hot
// clusters as input, an adversary per grouping factor predicting its cluster from the hidden
// activations, and random effects combined on the link scale: mixed = fixed + sum over factors f
// of u_f(Z_f) . [1, s_f], with a random intercept and random slopes on s_f (hidden activations or
// input columns). With random effects, a cluster-membership predictor per factor supplies a soft
// Z_f for clusters not seen in training. Where the fixed-effects network's convolution blocks take
// styles, each factor also has block random effects, and the mixed prediction comes from the pass
// in the rows' clusters' styles (their sum over factors). z holds one ClusterDesign per factor.
class NetworkImpl : public torch::nn::Module {
 public:
  explicit NetworkImpl(NetworkOptions options);
  NetworkOutput forward(const torch::Tensor& x, const std::vector<ClusterDesign>& z);
  // What the adversary reads: the hidden activations, and with adversary_sees_target the target
  // ([n], y or y / trials) as a last column (with several outputs, the class one-hot).
  torch::Tensor adversary_input(const torch::Tensor& hidden, const torch::Tensor& target) const;
  torch::Tensor membership_probabilities(const torch::Tensor& x, size_t factor);  // [n, clusters], rows sum to 1
  // Mean and variance under the posterior of the random effects' part of the output, shaped as
  // it, for rows of known clusters (ids per factor, -1: none) and their slope features.
  std::pair<torch::Tensor, torch::Tensor> random_effects_moments(const std::vector<torch::Tensor>& ids,
                                                                 const std::vector<torch::Tensor>& re_slopes);
  torch::Tensor kl_divergence();  // of the random effects (and the cluster decoder's); 0 without them
  // Its minibatch estimate from each factor's ids and weights (see
  // RandomEffectsImpl::kl_divergence(ids, weights)); the cluster decoder goes with the first factor.
  torch::Tensor kl_divergence(const std::vector<torch::Tensor>& ids, const std::vector<torch::Tensor>& weights);
  // The random effects' per-cluster tables when options.sparse_random_effects: their gradients
  // come as sparse rows, for SparseAdam. Empty otherwise.
  std::vector<torch::Tensor> sparse_cluster_tables();
  std::vector<torch::Tensor> main_parameters();  // everything but the adversaries and the membership predictors
  std::vector<torch::Tensor> adversary_parameters();
  bool uses_clusters() const { return options.cluster_input || options.random_effects; }
  size_t factors() const { return options.factors.size(); }
  bool takes_images() const { return options.input_shape.size() == 3; }

  NetworkOptions options;
  std::vector<int64_t> hidden_widths;  // of the fixed-effects network's hidden activations
  int64_t slope_width = 0;             // of the features hidden random slopes act on
  std::shared_ptr<FixedEffectsModule> fixed_effects;
  // Per grouping factor (empty without them): the factor's first is named as models with one
  // factor always named it (adversary, random_effects, membership), the others with a number.
  std::vector<MLP> adversaries;
  std::vector<MembershipPredictor> memberships;
  std::vector<RandomEffects> random_effects;  // unit 0: intercept; units 1..: slopes
  // Per factor where the fixed-effects network has styled blocks: per styled block its filters'
  // scales, then their biases.
  std::vector<RandomEffects> block_effects;
  Decoder mixed_decoder{nullptr};             // aec-armed
  torch::Tensor log_residual_sd;          // Gaussian outcomes only, on the standardized target's scale
  torch::Tensor fixed_calibration;        // [2] shift and scale of the fixed-effects output, [2, outputs] per output (options.fixed_calibration)

 private:
  std::vector<torch::Tensor> slope_index_;  // each factor's slope_columns as a tensor
  std::vector<RandomEffects> random_effects_parts();  // random_effects, block_effects and the mixed decoder's, those present
  BlockStyles block_styles(const std::vector<ClusterDesign>& z);  // the rows' clusters' styles, summed over factors
  torch::Tensor slope_features(const FixedEffectsOutput& fe, const torch::Tensor& x, size_t factor) const;
  torch::Tensor sum_over_parts(const std::function<torch::Tensor(RandomEffectsImpl&)>& term);  // 0 without parts
};
TORCH_MODULE(Network);

// Rows per evaluation chunk, bounding memory: a soft Z holds rows x clusters values, an image
// model's activations several times each image's pixels.
int64_t prediction_chunk(const NetworkImpl& net, bool soft);

// Network outputs in evaluation mode, without autograd, in chunks that bound memory.
torch::Tensor network_output(Network& net, const torch::Tensor& x, const std::vector<ClusterDesign>& z);
// The same with the fixed-effects output and each factor's slope features (what random slopes
// multiply; undefined for intercepts alone) beside it, as an exact final stage and prediction
// intervals read them.
NetworkOutput network_outputs(Network& net, const torch::Tensor& x, const std::vector<ClusterDesign>& z);

}  // namespace armed
