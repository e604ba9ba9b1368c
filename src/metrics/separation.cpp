#include "metrics/separation.h"

#include "armed/error.h"

namespace armed {
namespace {

struct Groups {
  torch::Tensor x, index, centroids, counts;  // x in double; index: each row's group 0..k-1
  int64_t k;
};

Groups groups_of(const torch::Tensor& x, const torch::Tensor& group) {
  if (x.dim() != 2 || group.dim() != 1 || group.size(0) != x.size(0)) throw Error("cluster separation: points and labels differ in rows");
  const auto [unique, inverse] = at::_unique(group, /*sorted=*/true, /*return_inverse=*/true);
  const int64_t k = unique.size(0), n = x.size(0);
  if (k < 2 || k >= n) throw Error("cluster separation: needs between 2 and n - 1 distinct groups, got " + std::to_string(k));
  Groups g{x.to(torch::kFloat64), inverse, {}, {}, k};
  g.counts = torch::zeros({k}, torch::kFloat64).index_add_(0, inverse, torch::ones({n}, torch::kFloat64));
  g.centroids = torch::zeros({k, x.size(1)}, torch::kFloat64).index_add_(0, inverse, g.x).div_(g.counts.unsqueeze(1));
  return g;
}

}  // namespace

double davies_bouldin(const torch::Tensor& x, const torch::Tensor& group) {
  const Groups g = groups_of(x, group);
  const auto distance = (g.x - g.centroids.index_select(0, g.index)).norm(2, 1);
  const auto scatter = torch::zeros({g.k}, torch::kFloat64).index_add_(0, g.index, distance).div_(g.counts);
  const auto between = torch::cdist(g.centroids, g.centroids);
  auto ratio = (scatter.unsqueeze(0) + scatter.unsqueeze(1)) / between;
  ratio.fill_diagonal_(-std::numeric_limits<double>::infinity());
  return ratio.amax(1).mean().item<double>();
}

double calinski_harabasz(const torch::Tensor& x, const torch::Tensor& group) {
  const Groups g = groups_of(x, group);
  const auto mean = g.x.mean(0);
  const double between = ((g.centroids - mean).square().sum(1) * g.counts).sum().item<double>();
  const double within = (g.x - g.centroids.index_select(0, g.index)).square().sum().item<double>();
  const auto n = static_cast<double>(g.x.size(0)), k = static_cast<double>(g.k);
  return within == 0 ? 1.0 : between * (n - k) / (within * (k - 1));
}

}  // namespace armed
