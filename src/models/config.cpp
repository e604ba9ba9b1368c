#include "armed/config.h"

#include <algorithm>
#include <limits>
#include <set>
#include <sstream>
#include <type_traits>

#include "armed/error.h"
#include "likelihood/likelihood.h"

namespace armed {
namespace {

template <typename T>
bool one_of(const T& value, std::initializer_list<T> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

}  // namespace

std::string option_flag(const std::string& field) {
  std::string f = "--" + field;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

double ModelConfig::adversary_weight() const { return weight_adversary >= 0 ? weight_adversary : kind().adversary_weight; }

bool ModelConfig::sparse_random_effects(int64_t clusters) const {
  if (optimizer != "adam") return false;
  return re_updates == "sparse" || (re_updates == "auto" && clusters >= sparse_from_clusters);
}

bool ModelConfig::exact_likelihood() const {
  if (!has_random_effects() || kind().backbone == Backbone::autoencoder) return false;
  return likelihood == "laplace" || (likelihood == "auto" && (re_prior == "learned" || fe == "linear"));
}

// Multiclass has one logit per class: a linear fixed part is trained as a network, then its exact stage.
bool ModelConfig::linear_mixed_model() const {
  return fe == "linear" && exact_likelihood() && !armed::likelihood(task).one_column_per_class();
}

std::vector<int64_t> ModelConfig::styled_blocks() const {
  std::vector<int64_t> blocks;
  if (block_effects == "none" || !for_images() || !has_random_effects()) return blocks;
  if (block_effects == "all") {
    for (size_t b = 0; b < filters.size(); ++b) blocks.push_back(static_cast<int64_t>(b));
    return blocks;
  }
  const std::string flag = option_flag("block_effects");
  std::stringstream list(block_effects);
  for (std::string item; std::getline(list, item, ',');) {
    size_t used = 0;
    int64_t number = 0;
    try {
      number = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || number < 1 || number > static_cast<int64_t>(filters.size()))
      throw Error(flag + ": '" + item + "' is not a block number from 1 to " + std::to_string(filters.size()) + " (or all, none)");
    if (!blocks.empty() && number - 1 <= blocks.back()) throw Error(flag + ": list the blocks once each, in ascending order");
    blocks.push_back(number - 1);
  }
  return blocks;
}

ModelConfig ModelConfig::for_model(const std::string& name) const {
  ModelConfig c = *this;
  c.model = name;
  if (!c.has_adversary()) c.adversary_sees_target = false;
  if (!c.kind().has_adversary()) c.no_adversary = false;
  if (!c.kind().has_random_effects()) {
    c.no_random_effects = false;
    c.block_effects = ModelConfig{}.block_effects;
    c.likelihood = "auto";
    c.nagq = 1;
  }
  return c;
}

void ModelConfig::validate() const {
  const ModelKind& k = kind();
  const Likelihood& family = armed::likelihood(task);  // throws for an unknown task
  if (for_images()) {
    if (filters.empty()) throw Error(option_flag("filters") + ": image models need at least one convolutional block");
    if (fe != "mlp") throw Error(option_flag("fe") + ": is for tabular models; image models are set by --filters and --head-hidden");
    if (slopes_on_inputs())
      throw Error(option_flag("random_slopes") + ": image models take random slopes on hidden features or none, not on pixels");
    if (!family.predicts_probability()) throw Error(option_flag("task") + ": image models are classifiers");
  }
  if (latent < 1) throw Error(option_flag("latent") + ": must be at least 1");
  if (hidden.empty() && fe == "mlp") throw Error(option_flag("hidden") + ": needs at least one hidden layer (or --fe linear)");
  for (auto [name, widths] : {std::pair{"hidden", &hidden}, {"adversary_hidden", &adversary_hidden},
                              {"membership_hidden", &membership_hidden}, {"filters", &filters}, {"head_hidden", &head_hidden}})
    for (int64_t h : *widths)
      if (h < 1) throw Error(option_flag(name) + ": layer widths must be positive");
  if (random_slopes.empty()) throw Error(option_flag("random_slopes") + ": give hidden, inputs, none or feature names");
  // "custom" is set by the C++ API when a user's network is wrapped.
  if (!one_of<std::string>(fe, {"mlp", "linear", "custom"})) throw Error(option_flag("fe") + ": '" + fe + "' is not mlp or linear");
  if (fe == "linear" && has_adversary())
    throw Error(option_flag("fe") + " linear: a linear fixed-effects part has no hidden layer for the adversary; add --no-adversary");
  if (fe == "linear" && random_slopes == "hidden" && has_random_effects())
    throw Error(option_flag("fe") + " linear: no hidden layer for random slopes; use --random-slopes inputs, none or feature names");
  if (fe == "linear" && k.method == Method::cluster_input) throw Error(option_flag("fe") + " linear is for conventional and armed models");
  if (no_intercept && fe != "linear") throw Error(option_flag("no_intercept") + " is for --fe linear: a network has its own biases");
  if (!one_of<std::string>(re_covariance, {"diagonal", "full"}))
    throw Error(option_flag("re_covariance") + ": '" + re_covariance + "' is not diagonal or full");
  if (!one_of<std::string>(adversary_objective, {"reverse", "confusion"}))
    throw Error(option_flag("adversary_objective") + ": '" + adversary_objective + "' is not reverse or confusion");
  if (!one_of<std::string>(optimizer, {"adam", "lbfgs"}))
    throw Error(option_flag("optimizer") + ": '" + optimizer + "' is not adam or lbfgs");
  if (optimizer == "lbfgs" && validation_fraction > 0)
    throw Error(option_flag("validation_fraction") + ": early stopping is for adam; L-BFGS stops at its tolerance");
  if (optimizer == "lbfgs" && has_adversary())
    throw Error(option_flag("optimizer") + " lbfgs: the adversary needs alternating minibatch steps; use adam or --no-adversary");
  if (!one_of<std::string>(re_updates, {"auto", "dense", "sparse"}))
    throw Error(option_flag("re_updates") + ": '" + re_updates + "' is not auto, dense or sparse");
  if (re_updates == "sparse" && optimizer != "adam")
    throw Error(option_flag("re_updates") + " sparse: is for Adam's minibatches; L-BFGS takes the full batch");
  if (!one_of<std::string>(re_prior, {"fixed", "learned"}))
    throw Error(option_flag("re_prior") + ": '" + re_prior + "' is not fixed or learned");
  if (no_adversary && !k.has_adversary())
    throw Error(option_flag("no_adversary") + ": only armed and adversarial models have an adversary");
  if (adversary_sees_target && !has_adversary())
    throw Error(option_flag("adversary_sees_target") + ": this model has no adversary");
  if (no_random_effects && !k.has_random_effects()) throw Error(option_flag("no_random_effects") + ": only armed models have random effects");
  for (auto [name, value] : {std::pair{"slope_prior_scale", slope_prior_scale}, {"intercept_prior_scale", intercept_prior_scale},
                             {"posterior_scale_init_min", posterior_scale_init_min},
                             {"scale_bias_prior_scale", scale_bias_prior_scale}})
    if (!(value > 0)) throw Error(option_flag(name) + ": must be positive");
  for (auto [name, value] : {std::pair{"slope_posterior_init_scale", slope_posterior_init_scale},
                             {"intercept_posterior_init_scale", intercept_posterior_init_scale},
                             {"posterior_scale_init_range", posterior_scale_init_range}, {"weight_mixed", weight_mixed},
                             {"weight_fixed", weight_fixed}, {"weight_reconstruction", weight_reconstruction},
                             {"weight_classification", weight_classification}, {"kl_weight", kl_weight},
                             {"scale_bias_posterior_init_scale", scale_bias_posterior_init_scale}})
    if (!(value >= 0)) throw Error(option_flag(name) + ": must be >= 0");
  if (block_effects != "none") {
    if (!for_images() || !has_random_effects())
      throw Error(option_flag("block_effects") + ": is for image armed models (cnn-armed, aec-armed) with random effects");
    if (exact_likelihood())
      throw Error(option_flag("block_effects") + ": the exact likelihood takes random effects on the output only; use --likelihood variational");
    if (optimizer != "adam") throw Error(option_flag("block_effects") + ": sampled styles need Adam's minibatch steps; use --optimizer adam");
    styled_blocks();  // throws for a malformed list
  }
  if (epochs < 1) throw Error(option_flag("epochs") + ": must be at least 1");
  if (batch_size < 1) throw Error(option_flag("batch_size") + ": must be at least 1");
  if (!(lr > 0)) throw Error(option_flag("lr") + ": must be positive");
  if (!(validation_fraction >= 0 && validation_fraction < 1))
    throw Error(option_flag("validation_fraction") + ": must be in [0, 1)");
  if (patience < 1) throw Error(option_flag("patience") + ": must be at least 1");
  if (!one_of<std::string>(early_stopping, {"loss", "metric"}))
    throw Error(option_flag("early_stopping") + ": '" + early_stopping + "' is not loss or metric");
  if (!one_of<std::string>(likelihood, {"auto", "variational", "laplace"}))
    throw Error(option_flag("likelihood") + ": '" + likelihood + "' is not auto, variational or laplace");
  if (likelihood == "laplace" && !has_random_effects())
    throw Error(option_flag("likelihood") + " laplace: is for models with random effects (armed, or a formula's terms)");
  if (likelihood == "laplace" && k.backbone == Backbone::autoencoder)
    throw Error(option_flag("likelihood") + " laplace: the autoencoder's cluster decoder has no exact likelihood; use variational");
  if (likelihood == "laplace" && fe != "linear" && re_prior != "learned")
    throw Error(option_flag("likelihood") + " laplace: the exact stage after a network estimates the variance components; add --re-prior learned");
  if (nagq > 1 && family.one_column_per_class())
    throw Error(option_flag("nagq") + ": --task " + task + "'s exact stage takes Laplace's approximation; leave it at 1");
  if (family.one_column_per_class() && has_random_effects() && random_slopes != "none")
    throw Error(option_flag("random_slopes") + ": --task " + task + " takes random intercepts per class; add --random-slopes none");
  if (nagq < 1 || nagq > 100) throw Error(option_flag("nagq") + ": must be between 1 (Laplace) and 100");
  if (nagq > 1 && !exact_likelihood())
    throw Error(option_flag("nagq") + ": quadrature is for the exact likelihood (--likelihood laplace, or --re-prior learned)");
  if (nagq > 1 && family.has_residual_sd())
    throw Error(option_flag("nagq") + ": a Gaussian model's likelihood is exact without quadrature; leave it at 1");
  if (reml && !(linear_mixed_model() && family.has_residual_sd()))
    throw Error(option_flag("reml") + ": is for linear mixed models (--task regression, --fe linear, an armed model with random effects)");
  if (linear_mixed_model() && validation_fraction > 0)
    throw Error(option_flag("validation_fraction") + ": a linear mixed model is fitted exactly; there is no training to stop early");
}

nlohmann::json config_to_json(const ModelConfig& config) {
  nlohmann::json j = nlohmann::json::object();
  ModelConfig copy = config;
  for_each_field(copy, [&](const char* name, auto& field, const char*) { j[name] = field; });
  return j;
}

namespace {

// Whether a JSON value converts to T without a narrowing cast: nlohmann would convert 1e300 to an
// integer field by an undefined cast (found by make fuzz, fuzz_model_dir).
template <typename T>
bool json_fits(const nlohmann::json& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v.is_boolean();
  } else if constexpr (std::is_integral_v<T>) {
    if (!v.is_number_integer()) return false;
    if constexpr (std::is_signed_v<T>) return !v.is_number_unsigned() || v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
    else return v.is_number_unsigned() || v.get<int64_t>() >= 0;
  } else if constexpr (std::is_floating_point_v<T>) {
    return v.is_number();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return v.is_string();
  } else {
    return v.is_array() && std::all_of(v.begin(), v.end(), [](const nlohmann::json& e) { return json_fits<typename T::value_type>(e); });
  }
}

}  // namespace

ModelConfig config_from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw Error(source + ": the model configuration must be a JSON object");
  ModelConfig config;
  std::set<std::string> known;
  for_each_field(config, [&](const char* name, auto& field, const char*) {
    known.insert(name);
    if (!j.contains(name)) return;
    if (!json_fits<std::decay_t<decltype(field)>>(j.at(name)))
      throw Error(source + ": '" + name + "' has the wrong type (" + j.at(name).dump() + ")");
    j.at(name).get_to(field);
  });
  for (const auto& item : j.items())
    if (!known.count(item.key())) throw Error(source + ": unknown option '" + item.key() + "'");
  return config;
}

}  // namespace armed
