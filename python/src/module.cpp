// armed's Python extension: the C++ library's model, data and simulators on NumPy arrays. The
// estimators users call live in Python (python/armed/); this module is what they stand on.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <iostream>
#include <map>
#include <optional>

#include "armed/config.h"
#include "armed/distributed.h"
#include "armed/error.h"
#include "armed/eval/report.h"
#include "armed/formula.h"
#include "armed/interrupt.h"
#include "armed/model.h"
#include "armed/sim/glmm.h"
#include "armed/sim/spiral.h"
#include "likelihood/likelihood.h"
#include "train/history_json.h"

namespace py = pybind11;

namespace armed {
namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

nlohmann::json parse_json(const std::string& text) { return nlohmann::json::parse(text); }

// The rows' grouping factors' labels and, where given, their targets (borrowed from the array).
// Targets the task cannot take are errors naming the row, as the CSV reader's are.
void add_groups_and_target(ClusteredData& data, const std::vector<std::string>& factor_names, const std::vector<std::vector<std::string>>& groups,
                           const std::optional<FloatArray>& y, const std::string& target_name, const std::vector<std::string>& target_levels,
                           const std::string& task) {
  const int64_t n = data.x.size(0);
  if (groups.size() != factor_names.size()) throw Error("groups: " + std::to_string(groups.size()) + " columns for " + std::to_string(factor_names.size()) + " names");
  for (size_t f = 0; f < groups.size(); ++f) {
    if (static_cast<int64_t>(groups[f].size()) != n)
      throw Error("groups: " + std::to_string(groups[f].size()) + " labels for '" + factor_names[f] + "', X has " + std::to_string(n) + " rows");
    data.factors.push_back({factor_names[f], groups[f]});
  }
  if (!y) return;
  if (y->ndim() != 1 || y->shape(0) != n)
    throw Error("y: expected " + std::to_string(n) + " values (one per row of X), got shape " + std::to_string(y->size()));
  data.target_name = target_name;
  data.target_levels = target_levels;
  data.y = torch::from_blob(const_cast<float*>(y->data()), {n}, torch::kFloat32);
  const Likelihood& family = likelihood(task);
  const float* target = y->data();
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(target[i])) throw Error("y row " + std::to_string(i + 1) + ": not a finite number");
    const std::string why = family.one_column_per_class() ? std::string() : family.invalid_target(target[i], 1.0, "");
    if (!why.empty()) throw Error("y row " + std::to_string(i + 1) + ": " + why);
  }
}

// The rows' features as given (float32, C order: no copy), named, with their factors and targets.
// Non-finite features are errors naming the row and column, as the CSV reader's are.
ClusteredData make_data(const FloatArray& x, const std::vector<std::string>& feature_names, const std::vector<std::string>& factor_names,
                        const std::vector<std::vector<std::string>>& groups, const std::optional<FloatArray>& y, const std::string& target_name,
                        const std::vector<std::string>& target_levels, const std::string& task) {
  // Features: rows x features; images (the image models): rows x channels x height x width.
  const bool images = x.ndim() == 4;
  if (x.ndim() != 2 && !images)
    throw Error("X: expected rows x features (2-d) or images rows x channels x height x width (4-d), got " + std::to_string(x.ndim()) +
                " dimensions");
  const int64_t n = x.shape(0), p = x.size() / std::max<int64_t>(n, 1);
  if (!images && static_cast<int64_t>(feature_names.size()) != p)
    throw Error("X: " + std::to_string(p) + " columns, but " + std::to_string(feature_names.size()) + " feature names");
  const float* values = x.data();
  for (int64_t i = 0; i < n * p; ++i)
    if (!std::isfinite(values[i]))
      throw Error("X row " + std::to_string(i / p + 1) + (images ? "" : ", column '" + feature_names[static_cast<size_t>(i % p)] + "'") +
                  ": not a finite number");
  ClusteredData data;
  data.source = "X";
  if (!images) data.feature_names = data.feature_columns = feature_names;
  // Borrowed from the array (kept alive with the Data): the model standardizes into tensors of its own.
  data.x = torch::from_blob(const_cast<float*>(values), std::vector<int64_t>(x.shape(), x.shape() + x.ndim()), torch::kFloat32);
  add_groups_and_target(data, factor_names, groups, y, target_name, target_levels, task);
  return data;
}

// A DataFrame with text columns, each column's cells as text: coded as the CLI codes a CSV file's
// (text columns as dummies against their first level, or against `levels`, a model's), so the
// CLI and Python read each other's models.
ClusteredData make_text_data(const std::vector<std::string>& columns, const std::vector<std::vector<std::string>>& cells,
                             const std::map<std::string, std::vector<std::string>>& levels, const std::vector<std::string>& factor_names,
                             const std::vector<std::vector<std::string>>& groups, const std::optional<FloatArray>& y,
                             const std::string& target_name, const std::vector<std::string>& target_levels, const std::string& task) {
  if (cells.size() != columns.size()) throw Error("X: " + std::to_string(cells.size()) + " columns of cells for " + std::to_string(columns.size()) + " names");
  CsvTable table;
  table.path = "X";
  table.header = columns;
  const size_t n = cells.empty() ? 0 : cells.front().size();
  table.rows.assign(n, std::vector<std::string>(columns.size()));
  for (size_t c = 0; c < cells.size(); ++c) {
    if (cells[c].size() != n) throw Error("X: column '" + columns[c] + "' has " + std::to_string(cells[c].size()) + " rows, not " + std::to_string(n));
    for (size_t r = 0; r < n; ++r) table.rows[r][c] = cells[c][r];
  }
  for (size_t r = 0; r < n; ++r) table.lines.push_back(static_cast<int64_t>(r) + 1);  // messages say "X line <row>"
  DataSpec spec;
  spec.features = columns;
  spec.text_is_categorical = true;
  spec.levels = levels;
  ClusteredData data = load_clustered_table(table, spec);
  add_groups_and_target(data, factor_names, groups, y, target_name, target_levels, task);
  return data;
}

// While a long call runs without the GIL, Ctrl-C (SIGINT) asks training to stop between steps;
// the previous handler (Python's) is back afterwards and the call raises KeyboardInterrupt.
class StopOnSigint {
 public:
  StopOnSigint() {
    clear_stop_request();
    struct sigaction action {};
    action.sa_handler = [](int) { request_stop(); };
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_);
  }
  ~StopOnSigint() {
    sigaction(SIGINT, &previous_, nullptr);
    clear_stop_request();
  }
  StopOnSigint(const StopOnSigint&) = delete;
  StopOnSigint& operator=(const StopOnSigint&) = delete;

 private:
  struct sigaction previous_ {};
};

// Progress lines to Python's logging (logger "armed", level INFO: silent unless asked for), one
// record per line, taking the GIL for each.
class LoggingBuffer : public std::streambuf {
 protected:
  int overflow(int c) override {
    if (c == '\n') emit();
    else if (c != traits_type::eof()) line_ += static_cast<char>(c);
    return c;
  }
  std::streamsize xsputn(const char* text, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) overflow(text[i]);
    return n;
  }

 private:
  void emit() {
    py::gil_scoped_acquire gil;
    try {
      py::module_::import("logging").attr("getLogger")("armed").attr("info")(line_);
    } catch (const py::error_already_set&) {
      // A failing handler must not end the training it reports on.
    }
    line_.clear();
  }
  std::string line_;
};

// Where a call's progress goes: stderr with verbose, else Python's logging.
class Progress {
 public:
  explicit Progress(bool verbose) : verbose_(verbose), logging_(&buffer_) {}
  std::ostream* stream() { return verbose_ ? &std::cerr : &logging_; }

 private:
  bool verbose_;
  LoggingBuffer buffer_;
  std::ostream logging_;
};

py::dict predictions_dict(const Predictions& p) {
  py::dict out;
  out["value"] = py::array_t<double>(static_cast<py::ssize_t>(p.value.size()), p.value.data());
  if (!p.probabilities.empty()) {
    const auto n = static_cast<py::ssize_t>(p.probabilities.size()), k = static_cast<py::ssize_t>(p.probabilities.front().size());
    py::array_t<double> probabilities({n, k});
    auto view = probabilities.mutable_unchecked<2>();
    for (py::ssize_t i = 0; i < n; ++i)
      for (py::ssize_t j = 0; j < k; ++j) view(i, j) = p.probabilities[static_cast<size_t>(i)][static_cast<size_t>(j)];
    out["probabilities"] = probabilities;
  }
  if (!p.lower.empty()) {
    out["lower"] = py::array_t<double>(static_cast<py::ssize_t>(p.lower.size()), p.lower.data());
    out["upper"] = py::array_t<double>(static_cast<py::ssize_t>(p.upper.size()), p.upper.data());
  }
  std::vector<std::string> modes;
  for (size_t i = 0; i < p.value.size(); ++i) modes.push_back(p.combined_mode(i));
  out["mode"] = modes;
  return out;
}

py::dict clustered_data_dict(const ClusteredData& data) {
  py::dict out;
  const auto x = data.x.contiguous();
  out["x"] = py::array_t<float>({x.size(0), x.size(1)}, x.data_ptr<float>());
  out["feature_names"] = data.feature_names;
  const auto y = data.y.contiguous();
  out["y"] = py::array_t<float>(y.size(0), y.data_ptr<float>());
  out["target_name"] = data.target_name;
  py::list factors;
  for (const auto& factor : data.factors) factors.append(py::make_tuple(factor.name, factor.labels));
  out["factors"] = factors;
  return out;
}

}  // namespace
}  // namespace armed

PYBIND11_MODULE(_armed, m) {
  using namespace armed;
  m.doc() = "armed's C++ library (mixed-effects deep learning); use the estimators in the armed package";
  py::register_exception<Error>(m, "ArmedError", PyExc_ValueError);
  // Registered after ArmedError, so tried before it (pybind11 tries the newest first).
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const Interrupted& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    }
  });

  m.attr("__version__") = ARMED_VERSION;  // CMakeLists.txt's project(VERSION), as the wheel's

  m.def("config_fields", [] {
    // Every ModelConfig field: (name, default, help); the estimators' parameters come from here.
    ModelConfig defaults;
    py::list fields;
    for_each_field(defaults, [&](const char* name, auto& field, const char* help) {
      fields.append(py::make_tuple(name, py::cast(field), help));
    });
    return fields;
  });

  // Rows for a model: features (borrowed from the NumPy array, kept alive with the object), names,
  // grouping factors and, where given, targets.
  py::class_<ClusteredData>(m, "Data").def_property_readonly("rows", &ClusteredData::rows);
  m.def(
      "data",
      [](const FloatArray& x, const std::vector<std::string>& feature_names, const std::vector<std::string>& factor_names,
         const std::vector<std::vector<std::string>>& groups, const std::optional<FloatArray>& y, const std::string& target_name,
         const std::vector<std::string>& target_levels, const std::string& task) {
        return make_data(x, feature_names, factor_names, groups, y, target_name, target_levels, task);
      },
      // No conversion: a converted copy would not outlive the call, and the Data borrows the array.
      py::arg("x").noconvert(), py::arg("feature_names"), py::arg("factor_names"), py::arg("groups"), py::arg("y").noconvert() = std::nullopt,
      py::arg("target_name") = "y", py::arg("target_levels") = std::vector<std::string>{}, py::arg("task") = "",
      py::keep_alive<0, 1>(), py::keep_alive<0, 5>());
  m.def("text_data", &make_text_data, py::arg("columns"), py::arg("cells"), py::arg("levels"), py::arg("factor_names"), py::arg("groups"),
        py::arg("y").noconvert() = std::nullopt, py::arg("target_name") = "y", py::arg("target_levels") = std::vector<std::string>{},
        py::arg("task") = "", py::keep_alive<0, 6>());

  py::class_<MixedEffectsModel>(m, "Model")
      // checkpoint_dir: checkpoints every checkpoint_every epochs and on Ctrl-C; resume continues
      // the run they hold, which must have had these parameters and data (the CLI's checks).
      .def_static(
          "fit",
          [](const std::string& config_json, const ClusteredData& data, bool verbose, const std::string& checkpoint_dir,
             int64_t checkpoint_every, bool resume) {
            const ModelConfig config = config_from_json(parse_json(config_json), "parameters");
            Checkpointing checkpointing;
            checkpointing.dir = checkpoint_dir;
            checkpointing.every = checkpoint_every;
            checkpointing.resume = resume;
            Progress progress(verbose);
            py::gil_scoped_release release;
            // torchrun's variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) make this process one
            // rank of a data-parallel fit, as they do `armed train`.
            const ProcessGroup group = ProcessGroup::from_environment(std::chrono::seconds(300));
            StopOnSigint stop_on_sigint;
            return MixedEffectsModel::fit(config, data, progress.stream(), {}, checkpointing, group);
          },
          py::arg("config_json"), py::arg("data"), py::arg("verbose"), py::arg("checkpoint_dir") = "", py::arg("checkpoint_every") = 0,
          py::arg("resume") = false)
      // A formula model on a CSV file, as `armed train --formula` (network: a --model was given).
      .def_static("fit_formula",
                  [](const std::string& config_json, const std::string& family, const std::string& csv, bool network, bool verbose) {
                    ModelConfig config = config_from_json(parse_json(config_json), "parameters");
                    if (!family.empty()) config.task = task_of_family(family);
                    DataSpec spec;
                    spec.task = config.task;
                    apply_formula(parse_formula(config.formula), network, config, spec);
                    config.validate();
                    const ClusteredData data = load_clustered_csv(csv, spec);
                    Progress progress(verbose);
                    py::gil_scoped_release release;
                    StopOnSigint stop_on_sigint;
                    return MixedEffectsModel::fit(config, data, progress.stream());
                  })
      .def("read_csv", [](const MixedEffectsModel& model, const std::string& csv) { return load_clustered_csv(csv, model.data_spec()); })
      .def_static("load", [](const std::string& dir) { return MixedEffectsModel::load(dir); })
      .def("save", &MixedEffectsModel::save)
      .def("predict",
           [](const MixedEffectsModel& model, const ClusteredData& data, const std::string& mode, const std::string& unseen, double interval) {
             Predictions p;
             {
               py::gil_scoped_release release;
               p = model.predict(data, parse_predict_mode(mode), parse_unseen_mode(unseen), interval);
             }
             return predictions_dict(p);
           })
      .def("evaluate",
           [](const MixedEffectsModel& model, const ClusteredData& data, const std::string& mode, const std::string& unseen,
              std::optional<double> threshold) {
             py::gil_scoped_release release;
             return model.evaluate(data, parse_predict_mode(mode), parse_unseen_mode(unseen),
                                   threshold.value_or(std::numeric_limits<double>::quiet_NaN()))
                 .dump();
           })
      .def("report",
           [](const MixedEffectsModel& model, const ClusteredData& data, const std::string& path, const MixedEffectsModel* compare) {
             py::gil_scoped_release release;
             write_model_report(model, data, path, kDefaultSeed, compare);
           })
      .def_property_readonly("task", [](const MixedEffectsModel& model) { return model.config().task; })
      .def("effects_json", [](const MixedEffectsModel& model) { return model.effects().dump(); })
      .def("config_json", [](const MixedEffectsModel& model) { return config_to_json(model.config()).dump(); })
      .def_property_readonly("feature_names", &MixedEffectsModel::feature_names)
      .def_property_readonly("feature_columns", [](const MixedEffectsModel& model) { return model.data_spec().features; })
      .def_property_readonly("levels", [](const MixedEffectsModel& model) { return model.data_spec().levels; })
      .def_property_readonly("factor_names", &MixedEffectsModel::factor_names)
      .def_property_readonly("target_name", &MixedEffectsModel::target_name)
      .def_property_readonly("target_levels", [](const MixedEffectsModel& model) { return model.data_spec().target_levels; })
      .def_property_readonly("n_clusters",
                             [](const MixedEffectsModel& model) {
                               std::vector<int64_t> counts;
                               for (size_t f = 0; f < model.factor_names().size(); ++f)
                                 counts.push_back(static_cast<int64_t>(model.clusters(f).size()));
                               return counts;
                             })
      .def_property_readonly("history", [](const MixedEffectsModel& model) { return history_to_json(model.history()).dump(); });

  // The simulators' defaults are their options structs' (SpiralOptions, GlmmOptions).
  const SpiralOptions spiral;
  m.def(
      "simulate_spiral",
      [](int64_t clusters, int64_t points_per_cluster, double radius_sd, double noise, uint64_t seed) {
        SpiralOptions o;
        o.clusters = clusters;
        o.points_per_cluster = points_per_cluster;
        o.radius_sd = radius_sd;
        o.noise = noise;
        o.seed = seed;
        o.validate();
        return clustered_data_dict(simulate_spiral(o).data);
      },
      py::arg("clusters") = spiral.clusters, py::arg("points_per_cluster") = spiral.points_per_cluster,
      py::arg("radius_sd") = spiral.radius_sd, py::arg("noise") = spiral.noise, py::arg("seed") = spiral.seed);
  const GlmmOptions glmm;
  m.def(
      "simulate_glmm",
      [](int64_t rows, int64_t features, int64_t clusters, double variance, const std::string& task, uint64_t seed) {
        GlmmOptions o;
        o.rows = rows;
        o.features = features;
        o.clusters = {clusters};
        o.variances = {variance};
        o.task = task;
        o.seed = seed;
        o.validate();
        return clustered_data_dict(simulate_glmm(o).data);
      },
      py::arg("rows") = glmm.rows, py::arg("features") = glmm.features, py::arg("clusters") = glmm.clusters.front(),
      py::arg("variance") = glmm.variances.front(), py::arg("task") = glmm.task, py::arg("seed") = glmm.seed);
}
