// The state behind a MixedEffectsModel, and what turns data into the network's tensors.
#include <sstream>

#include "armed/error.h"
#include "models/model_state.h"
#include "models/formula_model.h"
#include "models/from_config.h"

namespace armed {

const Likelihood& MixedEffectsModel::State::likelihood() const { return armed::likelihood(config.task); }

std::vector<int64_t> MixedEffectsModel::State::slope_columns(const std::string& slopes) const {
  std::vector<int64_t> columns;
  if (slopes == "hidden" || slopes == "none") return columns;
  if (slopes == "inputs") {
    for (size_t j = 0; j < features.size(); ++j) columns.push_back(static_cast<int64_t>(j));
    return columns;
  }
  std::stringstream names(slopes);
  for (std::string name; std::getline(names, name, ',');) {
    auto it = std::find(features.begin(), features.end(), name);
    if (it == features.end()) {
      std::string list;
      for (const auto& f : features) list += (list.empty() ? "" : ", ") + f;
      throw Error("--random-slopes: '" + name + "' is not a feature (features: " + list + ")");
    }
    columns.push_back(static_cast<int64_t>(it - features.begin()));
  }
  return columns;
}

std::vector<FactorTerms> MixedEffectsModel::State::factor_terms() const {
  std::vector<FactorTerms> terms = factor_random_effects(config, factor_names);
  for (size_t f = 0; f < terms.size(); ++f) {
    terms[f].clusters = encoders.at(f).size();
    terms[f].slope_columns = slope_columns(terms[f].slopes);
  }
  return terms;
}

void MixedEffectsModel::State::build_network(const FixedEffectsFactory& custom) {
  const int64_t outputs = likelihood().one_column_per_class() ? static_cast<int64_t>(spec.target_levels.size()) : 1;
  net = armed::build_network(config, input_shape, factor_terms(), custom, outputs);
}

torch::Tensor MixedEffectsModel::State::model_target(const torch::Tensor& y) const {
  return likelihood().has_residual_sd() ? (y - target_mean) / target_sd : y;
}

namespace {

std::string shape_string(c10::IntArrayRef shape) {
  std::string s;
  for (int64_t d : shape) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

}  // namespace

void check_data_kind(const ModelConfig& config, const ClusteredData& data) {
  const bool images = data.x.dim() == 4;
  if (images != config.for_images())
    throw Error(data.source + (images ? ": holds images; a '" + config.model + "' model reads a CSV of features (image models: " + model_kind_names(true) + ")"
                                      : ": holds features; a '" + config.model + "' model reads images (--images or --image-column)"));
}

torch::Tensor MixedEffectsModel::State::model_input(const ClusteredData& data) const {
  check_data_kind(config, data);
  if (config.for_images()) {
    if (data.x.sizes().slice(1) != c10::IntArrayRef(input_shape))
      throw Error(data.source + ": images are " + shape_string(data.x.sizes().slice(1)) + " (channels x height x width); the model's are " +
                  shape_string(input_shape));
    return data.x;
  }
  if (data.feature_names != features) {
    std::string expected;
    for (const auto& f : features) expected += (expected.empty() ? "" : ",") + f;
    throw Error(data.source + ": features do not match the model's (" + expected + ")");
  }
  return standardizer.transform(data.x);
}

TrainingTensors MixedEffectsModel::State::tensors(const ClusteredData& data) const {
  TrainingTensors t;
  t.x = model_input(data);
  if (data.has_target()) t.y = model_target(data.y);
  t.trials = data.trials;
  t.offset = data.offset;
  for (size_t f = 0; f < encoders.size(); ++f) {
    const GroupingFactor* factor = data.factor(factor_names[f]);
    t.z.push_back(factor ? ClusterDesign{encoders[f].encode(factor->labels), {}} : ClusterDesign::unknown(data.rows()));
  }
  return t;
}

torch::Tensor MixedEffectsModel::State::original_scale_map(const FactorTerms& terms) const {
  const auto& columns = terms.slope_columns;
  const int64_t units = 1 + static_cast<int64_t>(columns.size());
  const double scale = likelihood().has_residual_sd() ? target_sd : 1.0;
  auto a = torch::zeros({units, units}, torch::kFloat64);
  a[0][0] = scale;
  for (int64_t i = 1; i < units; ++i) {
    const auto c = static_cast<size_t>(columns[i - 1]);
    a[0][i] = -scale * standardizer.mean[c] / standardizer.sd[c];
    a[i][i] = scale / standardizer.sd[c];
  }
  return a;
}

}  // namespace armed
