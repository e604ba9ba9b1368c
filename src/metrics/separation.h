#pragma once
#include <torch/torch.h>

namespace armed {

// How strongly points group by a labelling (the ARMED paper scores autoencoder latents grouped by
// site with these), as scikit-learn defines them. x: [n, d]; group: [n] int64 labels, at least two
// distinct and fewer distinct than n.
// Davies-Bouldin: the mean over groups of the largest (s_i + s_j) / |c_i - c_j| over the other
// groups, s the mean distance of a group's points to its centroid c; low when groups separate.
double davies_bouldin(const torch::Tensor& x, const torch::Tensor& group);
// Calinski-Harabasz: between-group over within-group dispersion, each per degree of freedom,
// (B / (k - 1)) / (W / (n - k)); high when groups separate.
double calinski_harabasz(const torch::Tensor& x, const torch::Tensor& group);

}  // namespace armed
