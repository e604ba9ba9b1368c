// The state behind a MixedEffectsModel, and what turns data into the network's tensors.
#include <sstream>

#include "armed/error.h"
#include "models/model_state.h"
#include "models/from_config.h"

namespace armed {

const Likelihood& MixedEffectsModel::State::likelihood() const { return armed::likelihood(config.task); }

std::vector<int64_t> MixedEffectsModel::State::slope_columns() const {
  std::vector<int64_t> columns;
  if (!config.slopes_on_inputs()) return columns;
  if (config.random_slopes == "inputs") {
    for (size_t j = 0; j < features.size(); ++j) columns.push_back(static_cast<int64_t>(j));
    return columns;
  }
  std::stringstream names(config.random_slopes);
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

void MixedEffectsModel::State::build_network(const FixedEffectsFactory& custom) {
  net = armed::build_network(config, input_shape, encoder.size(), slope_columns(), custom);
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
  t.z = data.has_clusters() ? ClusterDesign{encoder.encode(data.clusters), {}} : ClusterDesign::unknown(data.rows());
  return t;
}

torch::Tensor MixedEffectsModel::State::original_scale_map() const {
  const auto columns = slope_columns();
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
