#include "nn/conv_net.h"

#include <gtest/gtest.h>

#include "armed/error.h"

namespace armed {

TEST(ConvNet, HiddenArePooledBlocksThenHeadLayers) {
  torch::manual_seed(1);
  ConvNet net(ConvNetOptions({2, 16, 12}, {4, 6}, {5}, 1));
  auto out = net->forward(torch::randn({3, 2, 16, 12}));
  EXPECT_EQ(out.output.sizes(), (std::vector<int64_t>{3, 1}));
  ASSERT_EQ(out.hidden.size(), 3u);
  EXPECT_EQ(out.hidden[0].sizes(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(out.hidden[1].sizes(), (std::vector<int64_t>{3, 6}));
  EXPECT_EQ(out.hidden[2].sizes(), (std::vector<int64_t>{3, 5}));
  EXPECT_FALSE(out.latent.defined());
}

TEST(ConvNet, OutputDependsOnWhereTheImageIsBright) {
  torch::manual_seed(2);
  ConvNet net(ConvNetOptions({1, 8, 8}, {4}, {8}, 1));
  net->eval();
  auto a = torch::zeros({1, 1, 8, 8}), b = torch::zeros({1, 1, 8, 8});
  a.index_put_({0, 0, torch::indexing::Slice(0, 4)}, 1.0);
  b.index_put_({0, 0, torch::indexing::Slice(4, 8)}, 1.0);
  EXPECT_FALSE(torch::allclose(net->forward(a).output, net->forward(b).output));
}

TEST(ConvNet, TooManyBlocksForTheImageIsAnErrorNamingFilters) {
  try {
    ConvNet(ConvNetOptions({1, 8, 8}, {4, 4, 4, 4}, {}, 1));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--filters"), std::string::npos) << e.what();
  }
}

namespace {

BlockStyles random_styles(const std::vector<int64_t>& filters, int64_t rows, torch::Dtype dtype = torch::kFloat32) {
  BlockStyles s;
  for (int64_t f : filters) {
    s.gamma.push_back(0.3 * torch::randn({rows, f}, dtype));
    s.beta.push_back(0.3 * torch::randn({rows, f}, dtype));
  }
  return s;
}

BlockStyles zero_styles(const std::vector<int64_t>& filters, int64_t rows) {
  BlockStyles s;
  for (int64_t f : filters) {
    s.gamma.push_back(torch::zeros({rows, f}));
    s.beta.push_back(torch::zeros({rows, f}));
  }
  return s;
}

}  // namespace

TEST(ConvNet, ZeroStylesGiveTheFixedPass) {
  torch::manual_seed(3);
  ConvNet net(ConvNetOptions({2, 16, 16}, {4, 6, 5}, {5}, 1).styled_blocks({1, 2}));
  EXPECT_EQ(net->styled_filters(), (std::vector<int64_t>{6, 5}));
  const auto x = torch::randn({6, 2, 16, 16});
  for (bool training : {true, false}) {
    net->train(training);
    const auto [fixed, styled] = net->forward_styled(x, zero_styles({6, 5}, 6));
    EXPECT_TRUE(torch::allclose(fixed.output, net->forward(x).output, 1e-6, 1e-6)) << training;
    EXPECT_TRUE(torch::allclose(styled.output, fixed.output, 1e-5, 1e-5)) << training;
    ASSERT_EQ(styled.hidden.size(), fixed.hidden.size());
    for (size_t i = 0; i < fixed.hidden.size(); ++i) EXPECT_TRUE(torch::allclose(styled.hidden[i], fixed.hidden[i], 1e-5, 1e-5)) << i;
  }
}

// The styled pass is the blocks composed by hand: conv, batch norm with the fixed pass's statistics
// (the batch's in training, the running ones in evaluation), the style, ReLU and max-pool; the
// head after them.
TEST(ConvNet, StylesActAfterTheBlocksNormalizationByTheFixedPassesStatistics) {
  torch::manual_seed(4);
  ConvNet net(ConvNetOptions({1, 8, 8}, {3, 4}, {5}, 1).styled_blocks({0, 1}));
  net->train();
  net->forward(torch::randn({16, 1, 8, 8}));  // running statistics off their initial values
  const auto x = torch::randn({5, 1, 8, 8});
  const BlockStyles styles = random_styles({3, 4}, 5);
  torch::NoGradGuard no_grad;
  for (bool training : {false, true}) {
    net->train(training);
    torch::Tensor fixed = x, styled = x;
    for (size_t b = 0; b < 2; ++b) {
      auto& norm = net->blocks.norms[b];
      const auto a = net->blocks.convs[b]->forward(fixed);
      const auto mean = training ? a.mean({0, 2, 3}) : norm->running_mean;
      const auto var = training ? a.var({0, 2, 3}, /*unbiased=*/false) : norm->running_var;
      const auto normalize = [&](const torch::Tensor& t) {
        return torch::batch_norm(t, norm->weight, norm->bias, mean, var, false, 0.1, norm->options.eps(), false);
      };
      fixed = torch::max_pool2d(torch::relu(normalize(a)), 2);
      const auto s = normalize(net->blocks.convs[b]->forward(styled));
      styled = torch::max_pool2d(torch::relu(s * (1 + styles.gamma[b].view({5, -1, 1, 1})) + styles.beta[b].view({5, -1, 1, 1})), 2);
    }
    const auto expected = net->head->forward(styled.flatten(1)).output;
    EXPECT_TRUE(torch::allclose(net->forward_styled(x, styles).second.output, expected, 1e-5, 1e-5)) << training;
  }
}

// The styles' gradients, through the fixed pass's batch statistics too, against central differences
// in double precision.
TEST(ConvNet, StyleGradientsMatchFiniteDifferences) {
  torch::manual_seed(5);
  ConvNet net(ConvNetOptions({1, 8, 8}, {3, 4}, {4}, 1).styled_blocks({0, 1}));
  net->to(torch::kFloat64);
  net->train();
  const auto x = torch::randn({4, 1, 8, 8}, torch::kFloat64);
  BlockStyles styles = random_styles({3, 4}, 4, torch::kFloat64);
  for (auto* t : {&styles.gamma[0], &styles.beta[0], &styles.gamma[1], &styles.beta[1]}) t->requires_grad_(true);
  const auto weights = torch::randn({4, 1}, torch::kFloat64);
  const auto loss = [&] { return (net->forward_styled(x, styles).second.output * weights).sum(); };
  const auto analytic = torch::autograd::grad({loss()}, {styles.gamma[0], styles.beta[0], styles.gamma[1], styles.beta[1]});
  torch::NoGradGuard no_grad;
  const double h = 1e-6;
  int i = 0;
  for (auto* t : {&styles.gamma[0], &styles.beta[0], &styles.gamma[1], &styles.beta[1]}) {
    auto flat = t->view({-1});
    for (int64_t j = 0; j < flat.size(0); j += 3) {
      const double saved = flat[j].item<double>();
      flat[j] = saved + h;
      const double up = loss().item<double>();
      flat[j] = saved - h;
      const double down = loss().item<double>();
      flat[j] = saved;
      EXPECT_NEAR(analytic[i].view({-1})[j].item<double>(), (up - down) / (2 * h), 1e-6) << "style " << i << " entry " << j;
    }
    ++i;
  }
}

TEST(ConvNet, AStyledBlockBeyondTheStackIsAnErrorNamingTheOption) {
  try {
    ConvNet(ConvNetOptions({1, 8, 8}, {4, 4}, {}, 1).styled_blocks({2}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--block-effects: block 3"), std::string::npos) << e.what();
  }
  ConvNet net(ConvNetOptions({1, 8, 8}, {4, 4}, {}, 1).styled_blocks({1}));
  EXPECT_THROW(net->forward_styled(torch::randn({2, 1, 8, 8}), zero_styles({3}, 2)), Error);  // the wrong number of filters
}

}  // namespace armed
