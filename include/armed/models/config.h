#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace armed {

// Every hyperparameter of a model and its training, with its default. The CLI flags, JSON config
// files and the C++ API all fill this one struct (through for_each_field below).
struct ModelConfig {
  std::string model = "conventional";   // conventional | cluster-input
  std::string task = "classification";  // classification (0/1 target, BCE) | regression (MSE)
  std::vector<int64_t> hidden = {4, 4, 4};  // the paper's spiral MLP: 3 hidden layers of 4 ReLU units

  int64_t epochs = 40;
  int64_t batch_size = 32;
  double lr = 1e-3;                     // Adam learning rate
  uint64_t seed = 48;                   // weight initialization, shuffling, validation split
  double validation_fraction = 0.0;     // share of each cluster's rows held out for early stopping
  int64_t patience = 10;                // epochs without validation improvement before stopping

  void validate() const;  // throws armed::Error naming the option
};

// Visits (name, field, help) for every field; names are snake_case JSON keys, shown as --dashed-flags.
template <typename Visitor>
void for_each_field(ModelConfig& c, Visitor&& v) {
  v("model", c.model, "model: conventional | cluster-input");
  v("task", c.task, "classification (0/1 target) | regression");
  v("hidden", c.hidden, "hidden layer widths of the fixed-effects MLP, comma-separated");
  v("epochs", c.epochs, "training epochs (at most, with early stopping)");
  v("batch_size", c.batch_size, "minibatch size");
  v("lr", c.lr, "Adam learning rate");
  v("seed", c.seed, "random seed (initialization, shuffling, validation split)");
  v("validation_fraction", c.validation_fraction, "share of each cluster's rows held out for early stopping (0: none)");
  v("patience", c.patience, "early stopping: epochs without validation improvement");
}

nlohmann::json config_to_json(const ModelConfig& config);
// Starts from the defaults; unknown keys and wrongly typed values are errors naming the key.
ModelConfig config_from_json(const nlohmann::json& j, const std::string& source);

}  // namespace armed
