#include "armed/model_kind.h"

#include "armed/error.h"

namespace armed {

const std::vector<ModelKind>& model_kinds() {
  // Adversary weights: the paper's MLP, CNN and autoencoder experiments.
  static const std::vector<ModelKind> kinds{
      {"conventional", Backbone::mlp, Method::conventional, 0.5, "an MLP, or with --fe linear a GLM"},
      {"cluster-input", Backbone::mlp, Method::cluster_input, 0.5, "the MLP with the one-hot cluster as input"},
      {"adversarial", Backbone::mlp, Method::adversarial, 0.5, "the MLP trained against an adversary that predicts the cluster"},
      {"armed", Backbone::mlp, Method::armed, 0.5, "ARMED: the adversarial MLP plus random effects per cluster"},
      {"cnn", Backbone::cnn, Method::conventional, 0.1, "a convolutional image classifier"},
      {"cnn-adversarial", Backbone::cnn, Method::adversarial, 0.1, "the CNN against an adversary"},
      {"cnn-armed", Backbone::cnn, Method::armed, 0.1, "the CNN with adversary and random effects"},
      {"aec", Backbone::autoencoder, Method::conventional, 0.05, "an autoencoder with a classifier on its latent"},
      {"aec-adversarial", Backbone::autoencoder, Method::adversarial, 0.05, "the autoencoder against an adversary on its latent"},
      {"aec-armed", Backbone::autoencoder, Method::armed, 0.05,
       "the adversarial autoencoder plus random effects and a cluster-specific decoder"},
  };
  return kinds;
}

std::vector<std::string> model_names(bool images) {
  std::vector<std::string> names;
  for (const auto& kind : model_kinds())
    if (kind.takes_images() == images) names.push_back(kind.name);
  return names;
}

std::string model_kind_names(bool images) {
  std::string joined;
  for (const auto& name : model_names(images)) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

const ModelKind& model_kind(const std::string& name) {
  for (const auto& kind : model_kinds())
    if (kind.name == name) return kind;
  throw Error("--model: unknown model '" + name + "' (" + model_kind_names(false) + "; images: " + model_kind_names(true) + ")");
}

}  // namespace armed
