#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "armed/data/csv.h"

namespace armed {

struct CsvTable;

// Which columns of a CSV file play which role.
struct DataSpec {
  std::string target;                 // empty or absent from the file: no target (prediction)
  // Grouping factor columns, comma-separated for several (crossed or nested); g1:g2 (no such
  // column): the combinations of their labels. A factor absent from the file: every row's level unknown.
  std::string cluster;
  std::vector<std::string> features;  // a:b: products of a's and b's inputs; empty: every column other than target, cluster and trials
  std::string task;                   // its outcome family checks the targets (classification: 0/1, or 0..trials); empty: no check
  // The task follows the target as lmer/glmer users expect of a formula without a family: 0/1 or two
  // text levels classification (binomial), other numbers regression (Gaussian). ClusteredData::task says which.
  bool task_from_target = false;
  std::string trials;                 // binomial target: column of trials, the target counting successes
  // Counts: column of each row's exposure (time at risk, area, population): the expected count is
  // exposure x rate, log(exposure) an offset on the link scale.
  std::string exposure;
  std::vector<std::string> categorical;  // feature columns coded as dummies against their first level
  std::map<std::string, std::vector<std::string>> levels;  // known levels (from training); empty: from the data
  // Feature columns holding text are categorical too (formulas: as R codes a character column).
  bool text_is_categorical = false;
  // A classification target of two text levels: known from training; empty: from the data.
  std::vector<std::string> target_levels;
  // No feature inputs at all (an intercept-only fixed part, y ~ 1 + ...): `features` must be empty.
  bool no_features = false;
};

// The names of the grouping factors DataSpec::cluster lists ("site,rater" -> site, rater).
std::vector<std::string> grouping_factor_names(const std::string& cluster);

// One grouping factor: each row's level (its cluster).
struct GroupingFactor {
  std::string name;                 // its column, or g1:g2
  std::vector<std::string> labels;  // one per row; empty when the data does not have the factor
};

// Tabular data grouped into clusters, features on their original scale.
struct ClusteredData {
  std::string source;                   // file name, for messages
  std::string target_name = "y";
  std::string trials_name;              // empty: one trial per row
  std::string exposure_name;            // empty: no exposure column
  std::map<std::string, std::vector<std::string>> levels;  // levels of each categorical feature column
  // A text target's two levels, sorted as R's factor levels: the second is the event (y = 1).
  std::vector<std::string> target_levels;
  std::string task;                          // the task the target was read for (DataSpec::task, or the one it chose)
  std::vector<std::string> feature_columns;  // the CSV columns the features come from
  std::vector<std::string> feature_names;    // one per column of x (categorical columns expanded)
  torch::Tensor x;                      // rows x features, float32
  torch::Tensor y;                      // rows, float32; undefined when there is no target
  torch::Tensor trials;                 // rows, float32; undefined without a trials column
  torch::Tensor offset;                 // rows, float32: log(exposure); undefined without an exposure column
  // The grouping factors (one, or several crossed or nested). The first also groups the splits,
  // per-cluster metrics and reports.
  std::vector<GroupingFactor> factors;

  int64_t rows() const { return x.size(0); }
  bool has_target() const { return y.defined(); }
  bool has_clusters() const { return !factors.empty() && !factors.front().labels.empty(); }
  const std::vector<std::string>& clusters() const;  // the first factor's labels; empty without it
  const std::string& cluster_name() const;           // the first factor's name; empty without factors
  const GroupingFactor* factor(const std::string& name) const;  // the factor `name` if the data has its labels, else null
};

// Loads a CSV file. A categorical column becomes one 0/1 column per level after the first, named
// column + level (e.g. period2). Throws armed::Error for a missing column, a non-numeric, empty or
// non-finite cell (naming line and column), a non-0/1 target for classification (or one outside
// 0..trials), a categorical level not among the known levels.
ClusteredData load_clustered_csv(const std::string& path, const DataSpec& spec);
// The same from a table already read (or made in memory: the Python estimators' text columns).
ClusteredData load_clustered_table(const CsvTable& table, const DataSpec& spec);

// Fills data's source, y, trials and clusters, and their column names, from the table as `spec`
// names them (each column optional, as for load_clustered_csv), checking them the same way.
void read_target_and_clusters(const CsvTable& table, const DataSpec& spec, ClusteredData& data);

// Rejects data a model cannot be trained on: a single class, a factor with a single level or
// absent, no target.
void check_trainable(const ClusteredData& data, const std::string& task);

// The target as integer labels (class, or successes), e.g. to stratify splits by.
std::vector<int64_t> target_labels(const ClusteredData& data);

// The rows at `index`, in that order.
ClusteredData subset(const ClusteredData& data, const std::vector<int64_t>& index);

// Writes features (none for images), then target (if any), then each grouping factor, as CSV.
void write_clustered_csv(const std::string& path, const ClusteredData& data);

}  // namespace armed
