#include "nn/network.h"

#include <gtest/gtest.h>

#include "armed/error.h"

namespace armed {
namespace {

NetworkOptions mlp_network(int64_t features, int64_t clusters) {
  NetworkOptions o;
  o.input_shape = {features};
  o.clusters = clusters;
  o.fixed_effects = [](int64_t inputs) { return MLP(MLPOptions(inputs, {4}, 1)).ptr(); };
  return o;
}

NetworkOptions with_random_effects(NetworkOptions o) {
  o.random_effects = true;
  auto& plan = o.random_effects_plan;
  plan.slopes = SlopeSource::hidden;
  plan.intercept_prior_scale = plan.slope_prior_scale = 1.0;
  plan.intercept_posterior_init_scale = plan.slope_posterior_init_scale = 1.0;
  plan.posterior_scale_init_min = plan.posterior_scale_init_range = 0.05;
  const int64_t features = o.input_shape[0], clusters = o.clusters;
  o.membership = [features, clusters] { return MLP(MLPOptions(features, {8}, clusters)).ptr(); };
  return o;
}

}  // namespace

TEST(Network, ClusterInputWidensTheFixedEffectsInput) {
  torch::manual_seed(1);
  auto o = mlp_network(2, 3);
  o.cluster_input = true;
  Network net(o);
  EXPECT_EQ(std::dynamic_pointer_cast<MLPImpl>(net->fixed_effects)->options.in_features(), 5);
  net->eval();
  const auto x = torch::zeros({2, 2});
  const auto out = net->forward(x, ClusterDesign{torch::tensor({0, 2}, torch::kInt64), {}}).output;
  EXPECT_NE(out[0].item<float>(), out[1].item<float>());  // same features, other cluster
  EXPECT_TRUE(net->uses_clusters());
}

TEST(Network, RandomEffectsAddToTheFixedEffectsAndVanishForUnknownClusters) {
  torch::manual_seed(2);
  Network net(with_random_effects(mlp_network(2, 3)));
  ASSERT_TRUE(net->random_effects && net->membership);
  EXPECT_EQ(net->random_effects->options.units(), 1 + 4);  // intercept + slopes on the 4 hidden units
  net->eval();
  const auto x = torch::randn({3, 2});
  const auto seen = net->forward(x, ClusterDesign{torch::tensor({0, 1, 2}, torch::kInt64), {}});
  const auto unknown = net->forward(x, ClusterDesign::unknown(3));
  EXPECT_TRUE(torch::equal(unknown.output, unknown.fixed));
  EXPECT_FALSE(torch::allclose(seen.output, seen.fixed));
  EXPECT_TRUE(torch::allclose(net->membership_probabilities(x).sum(1), torch::ones({3})));
  EXPECT_TRUE(net->sparse_cluster_tables().empty());
}

TEST(Network, AdversaryReadsTheHiddenActivationsAndOptionallyTheTarget) {
  auto o = mlp_network(2, 3);
  o.adversary = true;
  o.adversary_hidden = {4};
  o.adversary_sees_target = true;
  Network net(o);
  EXPECT_EQ(net->adversary->options.in_features(), 4 + 1);
  const auto hidden = torch::zeros({2, 4});
  EXPECT_EQ(net->adversary_input(hidden, torch::ones({2})).size(1), 5);
}

TEST(Network, RefusesAFixedEffectsNetworkWithoutHiddenLayersForAnAdversary) {
  auto o = mlp_network(2, 3);
  o.fixed_effects = [](int64_t inputs) { return MLP(MLPOptions(inputs, {}, 1)).ptr(); };  // linear
  o.adversary = true;
  o.adversary_hidden = {4};
  EXPECT_THROW(Network{o}, Error);
}

}  // namespace armed
