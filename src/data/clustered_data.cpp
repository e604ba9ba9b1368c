#include "armed/data/clustered_data.h"

#include <set>

#include "armed/data/csv.h"
#include "armed/error.h"

namespace armed {

ClusteredData load_clustered_csv(const std::string& path, const DataSpec& spec) {
  const CsvTable table = read_csv(path);
  const bool has_target = !spec.target.empty() && table.has_column(spec.target);
  const bool has_cluster = !spec.cluster.empty() && table.has_column(spec.cluster);

  ClusteredData data;
  data.source = path;
  data.target_name = spec.target;
  data.cluster_name = spec.cluster;
  std::vector<size_t> feature_cols;
  if (spec.features.empty()) {
    for (size_t c = 0; c < table.header.size(); ++c)
      if (table.header[c] != spec.target && table.header[c] != spec.cluster) feature_cols.push_back(c);
  } else {
    std::set<std::string> seen;
    for (const auto& name : spec.features) {
      if (!seen.insert(name).second) throw Error("feature '" + name + "' is listed twice");
      if (name == spec.target) throw Error("feature '" + name + "' is also the target");
      if (name == spec.cluster) throw Error("feature '" + name + "' is also the cluster column");
      feature_cols.push_back(table.column(name));
    }
  }
  if (feature_cols.empty()) throw Error(path + ": no feature columns (only target and cluster)");
  for (size_t c : feature_cols) data.feature_names.push_back(table.header[c]);

  const int64_t n = static_cast<int64_t>(table.rows.size()), p = static_cast<int64_t>(feature_cols.size());
  data.x = torch::empty({n, p}, torch::kFloat32);
  auto* x = data.x.data_ptr<float>();
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < p; ++j) x[r * p + j] = static_cast<float>(table.number(r, feature_cols[j]));

  if (has_target) {
    const size_t tc = table.column(spec.target);
    data.y = torch::empty({n}, torch::kFloat32);
    auto* y = data.y.data_ptr<float>();
    for (int64_t r = 0; r < n; ++r) {
      const double v = table.number(r, tc);
      if (spec.task == "classification" && v != 0.0 && v != 1.0)
        throw Error(table.where(r, tc) + ": '" + table.rows[r][tc] +
                    "' is not 0 or 1 (classification needs a 0/1 target)");
      y[r] = static_cast<float>(v);
    }
  }
  if (has_cluster) {
    const size_t cc = table.column(spec.cluster);
    data.clusters.reserve(n);
    for (int64_t r = 0; r < n; ++r) {
      const std::string& label = table.rows[r][cc];
      if (label.empty()) throw Error(table.where(r, cc) + ": empty cluster label");
      data.clusters.push_back(label);
    }
  }
  return data;
}

void check_trainable(const ClusteredData& data, const std::string& task) {
  if (data.rows() == 0) throw Error(data.source + ": no data rows");
  if (!data.has_target()) throw Error(data.source + ": no column '" + data.target_name + "' for the target (--target)");
  if (!data.has_clusters()) throw Error(data.source + ": no column '" + data.cluster_name + "' for the cluster (--cluster)");
  if (task == "classification") {
    const double positives = data.y.sum().item<double>();
    if (positives == 0.0 || positives == static_cast<double>(data.rows()))
      throw Error(data.source + ": the target has a single class (" + (positives == 0.0 ? "0" : "1") +
                  "); classification needs both 0 and 1");
  }
  std::set<std::string> distinct(data.clusters.begin(), data.clusters.end());
  if (distinct.size() < 2)
    throw Error(data.source + ": a single cluster ('" + *distinct.begin() +
                "'); a mixed-effects model needs at least 2 clusters");
}

ClusteredData subset(const ClusteredData& data, const std::vector<int64_t>& index) {
  ClusteredData out;
  out.source = data.source;
  out.target_name = data.target_name;
  out.cluster_name = data.cluster_name;
  out.feature_names = data.feature_names;
  auto idx = torch::tensor(index, torch::kInt64);
  out.x = data.x.index_select(0, idx);
  if (data.has_target()) out.y = data.y.index_select(0, idx);
  if (data.has_clusters())
    for (int64_t i : index) out.clusters.push_back(data.clusters[i]);
  return out;
}

void write_clustered_csv(const std::string& path, const ClusteredData& data) {
  std::vector<std::string> header = data.feature_names;
  if (data.has_target()) header.push_back(data.target_name);
  if (data.has_clusters()) header.push_back(data.cluster_name);
  const int64_t n = data.rows(), p = data.x.size(1);
  auto x = data.x.contiguous();
  const float* xp = x.data_ptr<float>();
  const float* yp = data.has_target() ? data.y.data_ptr<float>() : nullptr;
  std::vector<std::vector<std::string>> rows(n);
  for (int64_t r = 0; r < n; ++r) {
    auto& row = rows[r];
    for (int64_t j = 0; j < p; ++j) row.push_back(format_number(xp[r * p + j]));
    if (yp) row.push_back(format_number(yp[r]));
    if (data.has_clusters()) row.push_back(data.clusters[r]);
  }
  write_csv(path, header, rows);
}

}  // namespace armed
