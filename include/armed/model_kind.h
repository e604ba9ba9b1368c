#pragma once
#include <string>
#include <vector>

namespace armed {

// The network a model's fixed effects are built on. Each has a factory (src/models/backbones.cpp).
enum class Backbone { mlp, cnn, autoencoder };
// What a model adds around its backbone.
enum class Method { conventional, cluster_input, adversarial, armed };

// One kind of model, as `--model` names it: every kind is a row of model_kinds().
struct ModelKind {
  std::string name;
  Backbone backbone;
  Method method;
  double adversary_weight;  // the default weight of the adversary's loss (the paper's for the backbone)
  std::string summary;      // for --help

  bool takes_images() const { return backbone != Backbone::mlp; }
  bool has_adversary() const { return method == Method::adversarial || method == Method::armed; }
  bool has_random_effects() const { return method == Method::armed; }
};

const std::vector<ModelKind>& model_kinds();
// The row named `name`; throws armed::Error naming --model and listing the kinds.
const ModelKind& model_kind(const std::string& name);
// The names of the tabular or of the image kinds, in the table's order.
std::vector<std::string> model_names(bool images);
// The same joined by ", ", for messages.
std::string model_kind_names(bool images);

}  // namespace armed
