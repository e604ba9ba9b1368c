#include "nn/autoencoder.h"

#include <gtest/gtest.h>

#include "armed/error.h"

namespace armed {

TEST(AutoencoderClassifier, ReconstructsTheImageShapeAndExposesTheLatent) {
  torch::manual_seed(1);
  AutoencoderClassifier net(AutoencoderOptions({3, 16, 8}, {4, 8}, 5, {6}));
  auto out = net->forward(torch::rand({2, 3, 16, 8}));
  EXPECT_EQ(out.reconstruction.sizes(), (std::vector<int64_t>{2, 3, 16, 8}));
  EXPECT_EQ(out.latent.sizes(), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(out.output.sizes(), (std::vector<int64_t>{2, 1}));
  // the adversary sees the latent; random slopes act on the classifier's hidden layer
  ASSERT_EQ(out.hidden.size(), 1u);
  EXPECT_TRUE(torch::equal(out.hidden[0], out.latent));
  EXPECT_EQ(out.slope_features.size(1), 6);
}

TEST(AutoencoderClassifier, LearnsToReconstruct) {
  torch::manual_seed(2);
  AutoencoderClassifier net(AutoencoderOptions({1, 8, 8}, {4}, 4, {}));
  auto x = torch::rand({16, 1, 1, 1}) * torch::ones({1, 1, 8, 8});  // flat images of random brightness
  torch::optim::Adam opt(net->parameters(), 0.01);
  auto loss = [&] { return torch::mse_loss(net->forward(x).reconstruction, x); };
  const double before = loss().item<double>();
  for (int i = 0; i < 200; ++i) {
    opt.zero_grad();
    auto l = loss();
    l.backward();
    opt.step();
  }
  EXPECT_LT(loss().item<double>(), 0.1 * before);
}

TEST(AutoencoderClassifier, APopulationDecoderLearnsWithoutShapingTheLatent) {
  for (bool population : {false, true}) {
    torch::manual_seed(3);
    AutoencoderClassifier net(AutoencoderOptions({1, 8, 8}, {4}, 4, {}).population_decoder(population));
    torch::mse_loss(net->forward(torch::rand({4, 1, 8, 8})).reconstruction, torch::zeros({4, 1, 8, 8})).backward();
    EXPECT_EQ(net->to_latent->weight.grad().defined() && net->to_latent->weight.grad().abs().sum().item<double>() > 0, !population);
    EXPECT_GT(net->decoder->dense->weight.grad().abs().sum().item<double>(), 0);
  }
}

TEST(AutoencoderClassifier, SidesNotDivisibleByTheBlocksAreAnError) {
  EXPECT_THROW(AutoencoderClassifier(AutoencoderOptions({1, 12, 12}, {4, 4, 4}, 4, {})), Error);
}

TEST(Decoder, ClusterStyleComesFromRandomEffectsAndUnknownClustersHaveNone) {
  torch::manual_seed(3);
  Decoder plain(DecoderOptions({1, 8, 8}, {4, 4}, 3).clusters(2).prior_scale(0.25).posterior_loc_init_scale(0.1).posterior_scale_init_min(0.05).posterior_scale_init_range(0.05));
  plain->eval();
  auto latent = torch::randn({2, 3});
  const ClusterDesign c0{torch::tensor({0, 0}, torch::kInt64), {}}, c1{torch::tensor({1, 1}, torch::kInt64), {}},
      none = ClusterDesign::unknown(2);
  auto a = plain->forward(latent, &c0), b = plain->forward(latent, &c1), u = plain->forward(latent, &none);
  EXPECT_FALSE(torch::allclose(a, b));
  {
    // With every posterior mean at zero the clusters decode alike, as the unknown cluster does.
    torch::NoGradGuard no_grad;
    plain->scale_bias->loc.zero_();
  }
  EXPECT_TRUE(torch::allclose(plain->forward(latent, &c0), u));
  EXPECT_TRUE(torch::allclose(plain->forward(latent, &c1), u));
  EXPECT_GT(plain->kl_divergence().item<double>(), 0.0);
  EXPECT_EQ(plain->scale_bias->options.units(), 2 * (4 + 1));
}

}  // namespace armed
