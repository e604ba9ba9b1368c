#include "armed/data/cluster_encoder.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "armed/error.h"

namespace armed {
namespace {

bool is_integer(const std::string& s, long long& value) {
  if (s.empty()) return false;
  char* end = nullptr;
  value = std::strtoll(s.c_str(), &end, 10);
  return end == s.c_str() + s.size();
}

}  // namespace

ClusterEncoder::ClusterEncoder(std::vector<std::string> vocabulary) : vocabulary_(std::move(vocabulary)) {
  for (size_t i = 0; i < vocabulary_.size(); ++i)
    if (!index_.emplace(vocabulary_[i], static_cast<int64_t>(i)).second)
      throw Error("cluster vocabulary has '" + vocabulary_[i] + "' twice");
}

ClusterEncoder ClusterEncoder::fit(const std::vector<std::string>& labels) {
  std::set<std::string> unique(labels.begin(), labels.end());
  std::vector<std::string> vocabulary(unique.begin(), unique.end());
  long long a = 0, b = 0;
  const bool numeric = std::all_of(vocabulary.begin(), vocabulary.end(), [&](const std::string& s) { return is_integer(s, a); });
  if (numeric)
    std::sort(vocabulary.begin(), vocabulary.end(), [&](const std::string& l, const std::string& r) {
      is_integer(l, a);
      is_integer(r, b);
      return a < b;
    });
  return ClusterEncoder(std::move(vocabulary));
}

int64_t ClusterEncoder::id(const std::string& label) const {
  auto it = index_.find(label);
  return it == index_.end() ? -1 : it->second;
}

torch::Tensor ClusterEncoder::encode(const std::vector<std::string>& labels) const {
  auto ids = torch::empty({static_cast<int64_t>(labels.size())}, torch::kInt64);
  auto* p = ids.data_ptr<int64_t>();
  for (size_t i = 0; i < labels.size(); ++i) p[i] = id(labels[i]);
  return ids;
}

}  // namespace armed
