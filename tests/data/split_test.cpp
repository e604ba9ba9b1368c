#include "armed/data/split.h"

#include <gtest/gtest.h>

#include <set>

namespace armed {

std::vector<std::string> labels(int clusters, int per) {
  std::vector<std::string> out;
  for (int c = 0; c < clusters; ++c)
    for (int i = 0; i < per; ++i) out.push_back("c" + std::to_string(c));
  return out;
}

TEST(Split, WithinClustersHoldsOutEachClusterAndStratum) {
  const auto clusters = labels(4, 10);
  std::vector<int64_t> strata;
  for (size_t i = 0; i < clusters.size(); ++i) strata.push_back(i % 2);
  const Split s = split_within_clusters(clusters, strata, 0.2, 1);
  EXPECT_EQ(s.test.size(), 8u);  // 1 of each 5-row (cluster, class) group
  EXPECT_EQ(s.train.size() + s.test.size(), clusters.size());
  std::map<std::string, int> per_cluster;
  int positives = 0;
  for (int64_t i : s.test) {
    per_cluster[clusters[i]]++;
    positives += strata[i];
  }
  for (const auto& [c, n] : per_cluster) EXPECT_EQ(n, 2) << c;
  EXPECT_EQ(positives, 4);
}

TEST(Split, ByClustersHoldsOutWholeClusters) {
  const auto clusters = labels(10, 3);
  const Split s = split_by_clusters(clusters, 0.2, 7);
  std::set<std::string> train, test;
  for (int64_t i : s.train) train.insert(clusters[i]);
  for (int64_t i : s.test) test.insert(clusters[i]);
  EXPECT_EQ(test.size(), 2u);
  for (const auto& c : test) EXPECT_FALSE(train.count(c));
}

TEST(Split, KFoldPartitionsClusters) {
  const auto clusters = labels(7, 2);
  const auto folds = grouped_kfold(clusters, 3, 5);
  ASSERT_EQ(folds.size(), 3u);
  std::multiset<std::string> tested;
  for (const auto& f : folds) {
    std::set<std::string> train;
    for (int64_t i : f.train) train.insert(clusters[i]);
    for (int64_t i : f.test) {
      EXPECT_FALSE(train.count(clusters[i]));
      tested.insert(clusters[i]);
    }
  }
  EXPECT_EQ(tested.size(), clusters.size());  // every row tested exactly once
  EXPECT_THROW(grouped_kfold(clusters, 8, 5), std::exception);
}

TEST(Split, SameSeedSameSplit) {
  const auto clusters = labels(5, 20);
  EXPECT_EQ(split_within_clusters(clusters, {}, 0.3, 3).test, split_within_clusters(clusters, {}, 0.3, 3).test);
  EXPECT_NE(split_within_clusters(clusters, {}, 0.3, 3).test, split_within_clusters(clusters, {}, 0.3, 4).test);
}

}  // namespace armed
