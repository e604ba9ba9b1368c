#include "armed/data/clustered_data.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "armed/data/cluster_encoder.h"
#include "armed/data/csv.h"
#include "armed/error.h"
#include "likelihood/likelihood.h"

namespace armed {

namespace {

// The columns whose labels name a row's cluster: `cluster`, or for g1:g2 (no column of that name)
// each of g1 and g2, their labels joined by ':'. Empty when the file has none of them.
std::vector<size_t> grouping_columns(const CsvTable& table, const std::string& cluster) {
  if (cluster.empty()) return {};
  if (table.has_column(cluster)) return {table.column(cluster)};
  std::vector<size_t> columns;
  std::stringstream parts(cluster);
  for (std::string part; std::getline(parts, part, ':');) {
    if (part.empty() || !table.has_column(part)) return {};
    columns.push_back(table.column(part));
  }
  return columns.size() > 1 ? columns : std::vector<size_t>{};
}

// Every column of every grouping factor, to leave out of "every other column".
std::set<size_t> all_grouping_columns(const CsvTable& table, const std::string& cluster) {
  std::set<size_t> columns;
  for (const auto& name : grouping_factor_names(cluster))
    for (size_t c : grouping_columns(table, name)) columns.insert(c);
  return columns;
}

std::string joined(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
  return list;
}

// A class target's distinct labels: by value when every label is a number (2 before 10), else
// sorted as text, as R sorts a factor's levels.
std::vector<std::string> class_levels(const CsvTable& table, size_t column) {
  std::set<std::string> distinct;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const std::string& cell = table.rows[r][column];
    if (cell.find_first_not_of(" \t") == std::string::npos) throw Error(table.where(r, column) + ": empty target cell");
    distinct.insert(cell);
  }
  std::vector<std::string> levels(distinct.begin(), distinct.end());
  if (!table.is_text(column))
    std::stable_sort(levels.begin(), levels.end(), [](const std::string& a, const std::string& b) { return std::stod(a) < std::stod(b); });
  return levels;
}

}  // namespace

std::vector<std::string> grouping_factor_names(const std::string& cluster) {
  std::vector<std::string> names;
  std::stringstream parts(cluster);
  for (std::string part; std::getline(parts, part, ',');) {
    if (part.empty()) throw Error("--cluster: empty grouping factor name in '" + cluster + "'");
    if (std::find(names.begin(), names.end(), part) != names.end())
      throw Error("--cluster: grouping factor '" + part + "' is listed twice");
    names.push_back(part);
  }
  return names;
}

const std::vector<std::string>& ClusteredData::clusters() const {
  static const std::vector<std::string> none;
  return factors.empty() ? none : factors.front().labels;
}

const std::string& ClusteredData::cluster_name() const {
  static const std::string none;
  return factors.empty() ? none : factors.front().name;
}

const GroupingFactor* ClusteredData::factor(const std::string& name) const {
  for (const auto& f : factors)
    if (f.name == name) return f.labels.empty() ? nullptr : &f;
  return nullptr;
}

namespace {

// DataSpec::task_from_target's rule for the target column `tc`.
std::string task_of_target(const CsvTable& table, size_t tc) {
  if (table.is_text(tc)) return "classification";
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const double v = table.number(r, tc);
    if (v != 0.0 && v != 1.0) return "regression";
  }
  return "classification";
}

}  // namespace

void read_target_and_clusters(const CsvTable& table, const DataSpec& spec, ClusteredData& data) {
  data.source = table.path;
  data.target_name = spec.target;
  data.trials_name = spec.trials;
  data.exposure_name = spec.exposure;
  data.task = spec.task;
  const bool has_target = !spec.target.empty() && table.has_column(spec.target);
  const int64_t n = static_cast<int64_t>(table.rows.size());
  if (!spec.trials.empty()) {
    const size_t tc = table.column(spec.trials);
    data.trials = torch::empty({n}, torch::kFloat32);
    auto* t = data.trials.data_ptr<float>();
    for (int64_t r = 0; r < n; ++r) {
      const double v = table.number(r, tc);
      if (v < 1 || v != std::floor(v)) throw Error(table.where(r, tc) + ": '" + table.rows[r][tc] + "' is not a positive whole number of trials");
      t[r] = static_cast<float>(v);
    }
  }
  if (!spec.exposure.empty()) {
    const size_t ec = table.column(spec.exposure);
    data.offset = torch::empty({n}, torch::kFloat32);
    auto* o = data.offset.data_ptr<float>();
    for (int64_t r = 0; r < n; ++r) {
      const double v = table.number(r, ec);
      if (!(v > 0)) throw Error(table.where(r, ec) + ": '" + table.rows[r][ec] + "' is not a positive exposure");
      o[r] = static_cast<float>(std::log(v));
    }
  }
  if (has_target) {
    const size_t tc = table.column(spec.target);
    data.y = torch::empty({n}, torch::kFloat32);
    auto* y = data.y.data_ptr<float>();
    const float* t = data.trials.defined() ? data.trials.data_ptr<float>() : nullptr;
    if (spec.task_from_target && spec.trials.empty()) data.task = task_of_target(table, tc);
    const Likelihood* family = data.task.empty() ? nullptr : &likelihood(data.task);
    data.target_levels = spec.target_levels;
    if (data.target_levels.empty() && family && family->one_column_per_class()) {
      data.target_levels = class_levels(table, tc);
    } else if (data.target_levels.empty() && family && family->predicts_probability() && !t && table.is_text(tc)) {
      // Text such as Y/N: two levels sorted as R sorts a factor's, the second being the event.
      data.target_levels = class_levels(table, tc);
      if (data.target_levels.size() != 2)
        throw Error(table.path + ": target '" + spec.target + "' has " + std::to_string(data.target_levels.size()) + " text levels (" +
                    joined(data.target_levels) + "); classification needs two, or 0/1 (or --task multiclass)");
    }
    for (int64_t r = 0; r < n; ++r) {
      if (!data.target_levels.empty()) {
        const std::string& cell = table.rows[r][tc];
        const auto level = std::find(data.target_levels.begin(), data.target_levels.end(), cell);
        if (level == data.target_levels.end())
          throw Error(table.where(r, tc) + ": '" + cell + "' is " +
                      (data.target_levels.size() == 2 ? "neither level" : "none of the classes") + " of the target (" +
                      joined(data.target_levels) + ")");
        y[r] = static_cast<float>(level - data.target_levels.begin());
        continue;
      }
      const double v = table.number(r, tc);
      if (family) {
        const std::string problem =
            family->invalid_target(v, t ? t[r] : 0.0, t ? spec.trials + " (" + format_number(t[r]) + ")" : std::string());
        if (!problem.empty()) throw Error(table.where(r, tc) + ": '" + table.rows[r][tc] + "' " + problem);
      }
      y[r] = static_cast<float>(v);
    }
  }
  data.factors.clear();
  for (const auto& name : grouping_factor_names(spec.cluster)) {
    GroupingFactor factor{name, {}};
    const std::vector<size_t> columns = grouping_columns(table, name);
    if (!columns.empty()) factor.labels.reserve(n);
    for (int64_t r = 0; r < n && !columns.empty(); ++r) {
      std::string label;
      for (size_t cc : columns) {
        if (table.rows[r][cc].empty()) throw Error(table.where(r, cc) + ": empty cluster label");
        label += (label.empty() ? "" : ":") + table.rows[r][cc];
      }
      factor.labels.push_back(std::move(label));
    }
    data.factors.push_back(std::move(factor));
  }
}

namespace {

// A feature column's model inputs: its values, or one 0/1 dummy per level after the first.
struct EncodedColumn {
  std::vector<std::string> names;
  std::vector<torch::Tensor> columns;
};

EncodedColumn encode_column(const CsvTable& table, size_t c, bool is_categorical, const DataSpec& spec, ClusteredData& data) {
  const std::string& name = table.header[c];
  const auto n = static_cast<int64_t>(table.rows.size());
  EncodedColumn out;
  if (!is_categorical) {
    auto col = torch::empty({n}, torch::kFloat32);
    auto* v = col.data_ptr<float>();
    for (int64_t r = 0; r < n; ++r) v[r] = static_cast<float>(table.number(r, c));
    out.names.push_back(name);
    out.columns.push_back(col);
    return out;
  }
  std::vector<std::string> values;
  for (int64_t r = 0; r < n; ++r) values.push_back(table.rows[r][c]);
  auto known = spec.levels.find(name);
  const std::vector<std::string> levels = known != spec.levels.end() ? known->second : ClusterEncoder::fit(values).vocabulary();
  if (levels.size() < 2) throw Error(table.path + ": categorical column '" + name + "' has a single level");
  const ClusterEncoder encoder(levels);
  auto codes = encoder.encode(values);
  const auto code = codes.accessor<int64_t, 1>();
  for (int64_t r = 0; r < n; ++r)
    if (code[r] < 0) {
      std::string list;
      for (const auto& l : levels) list += (list.empty() ? "" : ", ") + l;
      throw Error(table.where(r, c) + ": level '" + values[r] + "' was not seen in training (levels: " + list + ")");
    }
  for (size_t l = 1; l < levels.size(); ++l) {
    out.columns.push_back(codes.eq(static_cast<int64_t>(l)).to(torch::kFloat32));
    out.names.push_back(name + levels[l]);
  }
  data.levels[name] = levels;
  return out;
}

}  // namespace

ClusteredData load_clustered_csv(const std::string& path, const DataSpec& spec) { return load_clustered_table(read_csv(path), spec); }

ClusteredData load_clustered_table(const CsvTable& table, const DataSpec& spec) {
  const std::string& path = table.path;
  const std::set<std::string> categorical(spec.categorical.begin(), spec.categorical.end());

  // Each feature: one column, or an interaction a:b of several (their products).
  ClusteredData data;
  std::vector<std::vector<size_t>> features;
  const std::set<size_t> cluster_columns = all_grouping_columns(table, spec.cluster);
  const std::vector<std::string> factor_names = grouping_factor_names(spec.cluster);
  if (spec.no_features) {
    if (!spec.features.empty()) throw Error("no features asked for, yet features named");
  } else if (spec.features.empty()) {
    for (size_t c = 0; c < table.header.size(); ++c) {
      const auto& name = table.header[c];
      if (name != spec.target && !cluster_columns.count(c) && name != spec.trials && name != spec.exposure) features.push_back({c});
    }
  } else {
    std::set<std::string> seen;
    for (const auto& name : spec.features) {
      if (!seen.insert(name).second) throw Error("feature '" + name + "' is listed twice");
      if (name == spec.target) throw Error("feature '" + name + "' is also the target");
      if (std::find(factor_names.begin(), factor_names.end(), name) != factor_names.end())
        throw Error("feature '" + name + "' is also a grouping factor");
      if (name == spec.trials) throw Error("feature '" + name + "' is also the trials column");
      if (name == spec.exposure) throw Error("feature '" + name + "' is also the exposure column");
      std::vector<size_t> parts;
      if (table.has_column(name) || name.find(':') == std::string::npos) {
        parts.push_back(table.column(name));
      } else {
        std::stringstream names(name);
        for (std::string part; std::getline(names, part, ':');) parts.push_back(table.column(part));
      }
      features.push_back(parts);
    }
  }
  if (features.empty() && !spec.no_features) throw Error(path + ": no feature columns (only target and cluster)");
  for (const auto& name : categorical) {
    const size_t c = table.column(name);
    if (std::none_of(features.begin(), features.end(),
                     [c](const auto& parts) { return std::find(parts.begin(), parts.end(), c) != parts.end(); }))
      throw Error("--categorical: '" + name + "' is not a feature column");
  }

  std::vector<torch::Tensor> columns;
  for (const auto& parts : features) {
    std::string feature;
    EncodedColumn product{{""}, {torch::Tensor()}};
    for (size_t c : parts) {
      const std::string& name = table.header[c];
      feature += (feature.empty() ? "" : ":") + name;
      const bool is_categorical =
          categorical.count(name) || spec.levels.count(name) || (spec.text_is_categorical && table.is_text(c));
      const EncodedColumn part = encode_column(table, c, is_categorical, spec, data);
      EncodedColumn next;
      for (size_t i = 0; i < product.names.size(); ++i)
        for (size_t j = 0; j < part.names.size(); ++j) {
          next.names.push_back(product.names[i].empty() ? part.names[j] : product.names[i] + ":" + part.names[j]);
          next.columns.push_back(product.columns[i].defined() ? product.columns[i] * part.columns[j] : part.columns[j]);
        }
      product = std::move(next);
    }
    data.feature_columns.push_back(feature);
    data.feature_names.insert(data.feature_names.end(), product.names.begin(), product.names.end());
    columns.insert(columns.end(), product.columns.begin(), product.columns.end());
  }
  data.x = columns.empty() ? torch::empty({static_cast<int64_t>(table.rows.size()), 0}) : torch::stack(columns, 1).contiguous();

  read_target_and_clusters(table, spec, data);
  return data;
}

void check_trainable(const ClusteredData& data, const std::string& task) {
  if (data.rows() == 0) throw Error(data.source + ": no data rows");
  if (!data.has_target()) throw Error(data.source + ": no column '" + data.target_name + "' for the target (--target)");
  if (data.factors.empty()) throw Error(data.source + ": no grouping factor (--cluster, or a (1 | group) term in --formula)");
  for (const auto& factor : data.factors)
    if (factor.labels.empty()) throw Error(data.source + ": no column '" + factor.name + "' for the cluster (--cluster)");
  const std::string problem = likelihood(task).untrainable(data.y, data.trials);
  if (!problem.empty()) throw Error(data.source + ": " + problem);
  for (const auto& factor : data.factors) {
    std::set<std::string> distinct(factor.labels.begin(), factor.labels.end());
    if (distinct.size() < 2)
      throw Error(data.source + ": a single cluster ('" + *distinct.begin() + "') of '" + factor.name +
                  "'; a mixed-effects model needs at least 2 clusters per grouping factor");
  }
}

std::vector<int64_t> target_labels(const ClusteredData& data) {
  auto y = data.y.round().to(torch::kInt64).contiguous();
  return {y.data_ptr<int64_t>(), y.data_ptr<int64_t>() + y.numel()};
}

ClusteredData subset(const ClusteredData& data, const std::vector<int64_t>& index) {
  ClusteredData out;
  out.source = data.source;
  out.target_name = data.target_name;
  out.trials_name = data.trials_name;
  out.exposure_name = data.exposure_name;
  out.levels = data.levels;
  out.target_levels = data.target_levels;
  out.task = data.task;
  out.feature_columns = data.feature_columns;
  out.feature_names = data.feature_names;
  auto idx = torch::tensor(index, torch::kInt64);
  out.x = data.x.index_select(0, idx);
  if (data.has_target()) out.y = data.y.index_select(0, idx);
  if (data.trials.defined()) out.trials = data.trials.index_select(0, idx);
  if (data.offset.defined()) out.offset = data.offset.index_select(0, idx);
  for (const auto& factor : data.factors) {
    GroupingFactor part{factor.name, {}};
    if (!factor.labels.empty())
      for (int64_t i : index) part.labels.push_back(factor.labels[static_cast<size_t>(i)]);
    out.factors.push_back(std::move(part));
  }
  return out;
}

void write_clustered_csv(const std::string& path, const ClusteredData& data) {
  std::vector<std::string> header = data.feature_names;
  if (data.has_target()) header.push_back(data.target_name);
  std::vector<const GroupingFactor*> factors;
  for (const auto& factor : data.factors)
    if (!factor.labels.empty()) {
      header.push_back(factor.name);
      factors.push_back(&factor);
    }
  // Image data has no feature columns: its CSV holds the target and cluster of each image.
  const int64_t n = data.rows(), p = static_cast<int64_t>(data.feature_names.size());
  auto x = data.x.contiguous();
  const float* xp = x.data_ptr<float>();
  const float* yp = data.has_target() ? data.y.data_ptr<float>() : nullptr;
  std::vector<std::vector<std::string>> rows(n);
  for (int64_t r = 0; r < n; ++r) {
    auto& row = rows[r];
    for (int64_t j = 0; j < p; ++j) row.push_back(format_number(xp[r * p + j]));
    if (yp) row.push_back(format_number(yp[r]));
    for (const auto* factor : factors) row.push_back(factor->labels[static_cast<size_t>(r)]);
  }
  write_csv(path, header, rows);
}

}  // namespace armed
