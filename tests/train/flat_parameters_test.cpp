#include "train/flat_parameters.h"

#include <gtest/gtest.h>

namespace armed {
namespace {

torch::nn::Sequential small_net() {
  return torch::nn::Sequential(torch::nn::Linear(3, 4), torch::nn::ReLU(), torch::nn::Linear(4, 1));
}

}  // namespace

TEST(FlatParameters, AdamOnTheBufferMatchesAdamPerParameterExactly) {
  torch::manual_seed(1);
  auto plain = small_net();
  auto flat = small_net();
  {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < plain->parameters().size(); ++i) flat->parameters()[i].copy_(plain->parameters()[i]);
  }
  FlatParameters buffer(flat->parameters());
  torch::optim::Adam plain_opt(plain->parameters(), 0.01), flat_opt(buffer.optimized(), 0.01);
  const auto x = torch::randn({16, 3}), y = torch::randn({16, 1});
  for (int step = 0; step < 5; ++step) {
    plain_opt.zero_grad();
    torch::mse_loss(plain->forward(x), y).backward();
    plain_opt.step();
    buffer.zero_grad();
    torch::mse_loss(flat->forward(x), y).backward();
    flat_opt.step();
  }
  for (size_t i = 0; i < plain->parameters().size(); ++i) {
    EXPECT_TRUE(torch::equal(plain->parameters()[i], flat->parameters()[i])) << i;
    EXPECT_TRUE(flat->parameters()[i].is_leaf());
  }
  buffer.zero_grad();
  for (const auto& p : flat->parameters()) EXPECT_EQ(p.grad().abs().sum().item<double>(), 0.0);
}

}  // namespace armed
