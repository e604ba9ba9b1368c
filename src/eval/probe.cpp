#include "eval/probe.h"

#include "armed/error.h"

namespace armed {

double linear_probe_accuracy(const torch::Tensor& x_train, const torch::Tensor& labels_train, const torch::Tensor& x_test,
                             const torch::Tensor& labels_test, int64_t classes) {
  if (x_train.size(0) == 0 || x_test.size(0) == 0) throw Error("linear probe: no training or test rows");
  torch::NoGradGuard outer;
  const auto train = x_train.to(torch::kFloat64), test = x_test.to(torch::kFloat64);
  const auto mean = train.mean(0), sd = train.std(0, /*unbiased=*/false).clamp_min(1e-12);
  const auto a = (train - mean) / sd, b = (test - mean) / sd;
  auto weight = torch::zeros({a.size(1), classes}, torch::kFloat64).requires_grad_(true);
  auto bias = torch::zeros({classes}, torch::kFloat64).requires_grad_(true);
  // A small ridge keeps the fit finite when the classes are separable.
  constexpr double kL2 = 1e-4;
  torch::optim::LBFGS optimizer({weight, bias}, torch::optim::LBFGSOptions(1.0).max_iter(500).line_search_fn("strong_wolfe"));
  auto closure = [&] {
    torch::AutoGradMode grad(true);
    optimizer.zero_grad();
    auto loss = torch::cross_entropy_loss(a.matmul(weight) + bias, labels_train) + kL2 * weight.square().sum();
    loss.backward();
    return loss;
  };
  optimizer.step(closure);
  return (b.matmul(weight) + bias).argmax(1).eq(labels_test).to(torch::kFloat64).mean().item<double>();
}

}  // namespace armed
