#include "nn/mlp.h"

#include <gtest/gtest.h>

namespace armed {
namespace {

MLP make_mlp() {
  torch::manual_seed(3);
  MLP mlp(MLPOptions(3, {5, 4}, 6));
  mlp->to(torch::kFloat64);
  torch::NoGradGuard no_grad;
  for (auto& p : mlp->parameters()) p.add_(0.1 * torch::randn_like(p));  // nonzero biases
  return mlp;
}

// The same network as composed LibTorch ops, layer by layer.
std::vector<torch::Tensor> composed(MLP& mlp, const torch::Tensor& x) {
  std::vector<torch::Tensor> outs;
  torch::Tensor h = x;
  for (auto& layer : mlp->layers) outs.push_back(h = torch::relu(torch::nn::functional::linear(h, layer->weight, layer->bias)));
  outs.push_back(torch::nn::functional::linear(h, mlp->output->weight, mlp->output->bias));
  return outs;
}

std::vector<torch::Tensor> gradients(MLP& mlp, const torch::Tensor& x, const torch::Tensor& loss) {
  std::vector<torch::Tensor> inputs{x};
  for (const auto& p : mlp->parameters())
    if (p.requires_grad()) inputs.push_back(p);
  return torch::autograd::grad({loss}, inputs);
}

void expect_all_close(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-10, 1e-12)) << "tensor " << i;
}

// Gradient flows in from the output and from every hidden layer, as when the adversary and the
// random slopes read the hidden activations.
torch::Tensor weighted_sum(const std::vector<torch::Tensor>& outs) {
  torch::manual_seed(4);
  torch::Tensor sum = torch::zeros({}, torch::kFloat64);
  for (const auto& o : outs) sum = sum + (o * torch::randn_like(o)).sum();
  return sum;
}

}  // namespace

TEST(MLP, GradientsAreThoseOfTheComposedLayers) {
  auto mlp = make_mlp();
  const auto x = torch::randn({7, 3}, torch::kFloat64).requires_grad_();
  const auto out = mlp->forward(x);
  std::vector<torch::Tensor> outs = out.hidden;
  outs.push_back(out.output);
  const auto expected = composed(mlp, x);
  expect_all_close(outs, expected);
  expect_all_close(gradients(mlp, x, weighted_sum(outs)), gradients(mlp, x, weighted_sum(expected)));
}

TEST(MLP, FrozenParametersPassTheGradientToTheInputOnly) {
  auto mlp = make_mlp();
  for (auto& p : mlp->parameters()) p.set_requires_grad(false);
  const auto x = torch::randn({7, 3}, torch::kFloat64).requires_grad_();
  const auto fused = gradients(mlp, x, weighted_sum({mlp->forward(x).output}));
  ASSERT_EQ(fused.size(), 1u);
  expect_all_close(fused, gradients(mlp, x, weighted_sum({composed(mlp, x).back()})));
}

TEST(MLP, CrossEntropyIsLibTorchsAgainstIdsOrUniform) {
  auto mlp = make_mlp();
  const auto x = torch::randn({9, 3}, torch::kFloat64).requires_grad_();
  const auto ids = torch::randint(6, {9}, torch::kInt64);
  for (bool uniform : {false, true}) {
    const auto logits = composed(mlp, x).back();
    const auto [loss, fused_logits] = mlp->cross_entropy(x, uniform ? torch::Tensor() : ids);
    const auto expected = uniform ? -torch::log_softmax(logits, 1).mean() : torch::cross_entropy_loss(logits, ids);
    EXPECT_FALSE(fused_logits.requires_grad());
    EXPECT_TRUE(torch::allclose(fused_logits, logits));
    expect_all_close({loss}, {expected});
    expect_all_close(gradients(mlp, x, loss), gradients(mlp, x, expected));
  }
}

TEST(MLP, CrossEntropyGradientStoresAutogradsGradientWithoutAGraph) {
  auto mlp = make_mlp();
  const auto x = torch::randn({9, 3}, torch::kFloat64);
  const auto ids = torch::randint(6, {9}, torch::kInt64);
  mlp->cross_entropy(x, ids).first.backward();
  std::vector<torch::Tensor> expected;
  for (auto& p : mlp->parameters()) {
    expected.push_back(p.grad().clone());
    p.mutable_grad().fill_(7.0);  // replaced, not added to
  }
  const auto loss = mlp->cross_entropy_gradient(x, ids).first;
  EXPECT_FALSE(loss.requires_grad());
  std::vector<torch::Tensor> stored;
  for (auto& p : mlp->parameters()) stored.push_back(p.grad());
  expect_all_close(stored, expected);
}

// An intercept-only linear model has no inputs: its output is the bias, which trains.
TEST(MLP, WithoutInputsItIsItsBias) {
  MLP constant(MLPOptions(0, {}, 1));
  EXPECT_EQ(constant->output->weight.numel(), 0);
  {
    torch::NoGradGuard no_grad;
    constant->output->bias.fill_(1.5);
  }
  const auto out = constant->forward(torch::empty({3, 0})).output;
  EXPECT_TRUE(torch::equal(out, torch::full({3, 1}, 1.5f)));
  out.sum().backward();
  EXPECT_FLOAT_EQ(constant->output->bias.grad().item<float>(), 3.0f);
  MLP hidden(MLPOptions(0, {4}, 2));  // a membership predictor without inputs: constant logits
  EXPECT_EQ(hidden->forward(torch::empty({2, 0})).output.sizes(), (std::vector<int64_t>{2, 2}));
}

}  // namespace armed
