#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace armed {

struct Split {
  std::vector<int64_t> train, test;  // row indices, ascending
};

// Seen-cluster test: `test_fraction` of every cluster's rows go to test, stratified by `strata`
// (e.g. the class label; empty for none) within each cluster.
Split split_within_clusters(const std::vector<std::string>& clusters, const std::vector<int64_t>& strata,
                            double test_fraction, uint64_t seed);

// Unseen-cluster test: round(test_fraction x clusters) whole clusters (at least one) go to test.
Split split_by_clusters(const std::vector<std::string>& clusters, double test_fraction, uint64_t seed);

// Grouped k-fold: the clusters are partitioned into `folds` groups; fold i tests on group i.
std::vector<Split> grouped_kfold(const std::vector<std::string>& clusters, int64_t folds, uint64_t seed);

}  // namespace armed
