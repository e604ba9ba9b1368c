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

}  // namespace armed
