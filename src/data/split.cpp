#include "armed/data/split.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "armed/data/cluster_encoder.h"
#include "armed/error.h"
#include "random.h"

namespace armed {
namespace {

void check_fraction(double f) {
  if (!(f > 0.0 && f < 1.0)) throw Error("--test-fraction must be between 0 and 1 (exclusive)");
}

// Sorted cluster vocabulary shuffled by the seed, then the row indices of each cluster.
std::vector<std::vector<int64_t>> shuffled_cluster_rows(const std::vector<std::string>& clusters, uint64_t seed) {
  const ClusterEncoder encoder = ClusterEncoder::fit(clusters);
  std::vector<std::vector<int64_t>> rows(encoder.size());
  for (size_t i = 0; i < clusters.size(); ++i) rows[encoder.id(clusters[i])].push_back(static_cast<int64_t>(i));
  Rng rng(seed);
  rng.shuffle(rows);
  return rows;
}

Split finish(Split s) {
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.test.begin(), s.test.end());
  return s;
}

}  // namespace

Split split_within_clusters(const std::vector<std::string>& clusters, const std::vector<int64_t>& strata,
                            double test_fraction, uint64_t seed) {
  check_fraction(test_fraction);
  std::map<std::pair<std::string, int64_t>, std::vector<int64_t>> groups;
  for (size_t i = 0; i < clusters.size(); ++i)
    groups[{clusters[i], strata.empty() ? 0 : strata[i]}].push_back(static_cast<int64_t>(i));
  Rng rng(seed);
  Split s;
  for (auto& [key, rows] : groups) {
    rng.shuffle(rows);
    const auto n_test = static_cast<size_t>(std::llround(test_fraction * static_cast<double>(rows.size())));
    s.test.insert(s.test.end(), rows.begin(), rows.begin() + n_test);
    s.train.insert(s.train.end(), rows.begin() + n_test, rows.end());
  }
  return finish(std::move(s));
}

Split split_by_clusters(const std::vector<std::string>& clusters, double test_fraction, uint64_t seed) {
  check_fraction(test_fraction);
  auto rows = shuffled_cluster_rows(clusters, seed);
  const auto k = static_cast<int64_t>(rows.size());
  const int64_t n_test = std::max<int64_t>(1, std::llround(test_fraction * static_cast<double>(k)));
  if (k - n_test < 1) throw Error("holding out whole clusters needs at least 2 clusters; the data has " + std::to_string(k));
  Split s;
  for (int64_t c = 0; c < k; ++c) {
    auto& dst = c < n_test ? s.test : s.train;
    dst.insert(dst.end(), rows[c].begin(), rows[c].end());
  }
  return finish(std::move(s));
}

std::vector<Split> grouped_kfold(const std::vector<std::string>& clusters, int64_t folds, uint64_t seed) {
  auto rows = shuffled_cluster_rows(clusters, seed);
  const auto k = static_cast<int64_t>(rows.size());
  if (folds < 2 || folds > k)
    throw Error("--folds must be between 2 and the number of clusters (" + std::to_string(k) + "), not " + std::to_string(folds));
  std::vector<Split> out(folds);
  for (int64_t c = 0; c < k; ++c)
    for (int64_t f = 0; f < folds; ++f) {
      auto& dst = (c % folds == f) ? out[f].test : out[f].train;
      dst.insert(dst.end(), rows[c].begin(), rows[c].end());
    }
  for (auto& s : out) s = finish(std::move(s));
  return out;
}

}  // namespace armed
