#pragma once
#include <torch/torch.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace armed {

// Maps cluster labels to ids 0..K-1. The vocabulary is sorted (numerically when every label is an
// integer) so ids do not depend on row order; it is saved with a model so prediction data can
// carry known and new labels.
class ClusterEncoder {
 public:
  ClusterEncoder() = default;
  explicit ClusterEncoder(std::vector<std::string> vocabulary);
  static ClusterEncoder fit(const std::vector<std::string>& labels);

  int64_t size() const { return static_cast<int64_t>(vocabulary_.size()); }
  const std::vector<std::string>& vocabulary() const { return vocabulary_; }
  // Id of a label, or -1 for a label not seen in training.
  int64_t id(const std::string& label) const;
  // int64 tensor of ids, -1 for unknown labels.
  torch::Tensor encode(const std::vector<std::string>& labels) const;

 private:
  std::vector<std::string> vocabulary_;
  std::unordered_map<std::string, int64_t> index_;
};

}  // namespace armed
