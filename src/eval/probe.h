#pragma once
#include <torch/torch.h>

namespace armed {

// How much of `labels` a representation carries linearly: the test accuracy of a multinomial
// logistic regression (inputs standardized on the training rows, small L2 penalty, fitted to
// convergence by L-BFGS) trained on (x_train, labels_train). labels: int64 in 0..classes-1.
double linear_probe_accuracy(const torch::Tensor& x_train, const torch::Tensor& labels_train, const torch::Tensor& x_test,
                             const torch::Tensor& labels_test, int64_t classes);

}  // namespace armed
