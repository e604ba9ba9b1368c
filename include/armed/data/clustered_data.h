#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace armed {

// Which columns of a CSV file play which role.
struct DataSpec {
  std::string target;                 // empty or absent from the file: no target (prediction)
  std::string cluster;                // absent from the file: every row's cluster is unknown
  std::vector<std::string> features;  // empty: every column other than target and cluster
  std::string task;                   // "classification" checks the target is 0/1; empty: no check
};

// Tabular data grouped into clusters, features on their original scale.
struct ClusteredData {
  std::string source;                   // file name, for messages
  std::string target_name = "y";
  std::string cluster_name = "cluster";
  std::vector<std::string> feature_names;
  torch::Tensor x;                      // rows x features, float32
  torch::Tensor y;                      // rows, float32; undefined when there is no target
  std::vector<std::string> clusters;    // one label per row; empty when there is no cluster column

  int64_t rows() const { return x.size(0); }
  bool has_target() const { return y.defined(); }
  bool has_clusters() const { return !clusters.empty(); }
};

// Loads a CSV file. Throws armed::Error for a missing column, a non-numeric, empty or non-finite
// cell (naming line and column), a non-0/1 target when the task is classification.
ClusteredData load_clustered_csv(const std::string& path, const DataSpec& spec);

// Rejects data a model cannot be trained on: a single class, a single cluster, no target.
void check_trainable(const ClusteredData& data, const std::string& task);

// The rows at `index`, in that order.
ClusteredData subset(const ClusteredData& data, const std::vector<int64_t>& index);

// Writes features, then target (if any), then cluster, as CSV.
void write_clustered_csv(const std::string& path, const ClusteredData& data);

}  // namespace armed
