#include "nn/network.h"

#include <gtest/gtest.h>

#include "armed/error.h"
#include "nn/conv_net.h"

namespace armed {
namespace {

// One grouping factor per entry of `clusters`.
NetworkOptions mlp_network(int64_t features, std::vector<int64_t> clusters) {
  NetworkOptions o;
  o.input_shape = {features};
  for (int64_t k : clusters) o.factors.push_back({k, {}, {}});
  o.fixed_effects = [](int64_t inputs) { return MLP(MLPOptions(inputs, {4}, 1)).ptr(); };
  return o;
}

NetworkOptions with_random_effects(NetworkOptions o, SlopeSource slopes = SlopeSource::hidden) {
  o.random_effects = true;
  for (auto& factor : o.factors) {
    auto& plan = factor.random_effects;
    plan.slopes = slopes;
    plan.intercept_prior_scale = plan.slope_prior_scale = 1.0;
    plan.intercept_posterior_init_scale = plan.slope_posterior_init_scale = 1.0;
    plan.posterior_scale_init_min = plan.posterior_scale_init_range = 0.05;
    const int64_t features = o.input_shape[0], clusters = factor.clusters;
    factor.membership = [features, clusters] { return MLP(MLPOptions(features, {8}, clusters)).ptr(); };
  }
  return o;
}

std::vector<ClusterDesign> ids(std::vector<int64_t> factor1) { return {ClusterDesign{torch::tensor(factor1, torch::kInt64), {}}}; }

}  // namespace

TEST(Network, ClusterInputWidensTheFixedEffectsInput) {
  torch::manual_seed(1);
  auto o = mlp_network(2, {3});
  o.cluster_input = true;
  Network net(o);
  EXPECT_EQ(std::dynamic_pointer_cast<MLPImpl>(net->fixed_effects)->options.in_features(), 5);
  net->eval();
  const auto x = torch::zeros({2, 2});
  const auto out = net->forward(x, ids({0, 2})).output;
  EXPECT_NE(out[0].item<float>(), out[1].item<float>());  // same features, other cluster
  EXPECT_TRUE(net->uses_clusters());
}

TEST(Network, RandomEffectsAddToTheFixedEffectsAndVanishForUnknownClusters) {
  torch::manual_seed(2);
  Network net(with_random_effects(mlp_network(2, {3})));
  ASSERT_EQ(net->random_effects.size(), 1u);
  ASSERT_EQ(net->memberships.size(), 1u);
  EXPECT_EQ(net->random_effects[0]->options.units(), 1 + 4);  // intercept + slopes on the 4 hidden units
  net->eval();
  const auto x = torch::randn({3, 2});
  const auto seen = net->forward(x, ids({0, 1, 2}));
  const auto unknown = net->forward(x, {ClusterDesign::unknown(3)});
  EXPECT_TRUE(torch::equal(unknown.output, unknown.fixed));
  EXPECT_FALSE(torch::allclose(seen.output, seen.fixed));
  EXPECT_TRUE(torch::allclose(net->membership_probabilities(x, 0).sum(1), torch::ones({3})));
  EXPECT_TRUE(net->sparse_cluster_tables().empty());
}

TEST(Network, AdversaryReadsTheHiddenActivationsAndOptionallyTheTarget) {
  auto o = mlp_network(2, {3});
  o.adversary = true;
  o.adversary_hidden = {4};
  o.adversary_sees_target = true;
  Network net(o);
  ASSERT_EQ(net->adversaries.size(), 1u);
  EXPECT_EQ(net->adversaries[0]->options.in_features(), 4 + 1);
  const auto hidden = torch::zeros({2, 4});
  EXPECT_EQ(net->adversary_input(hidden, torch::ones({2})).size(1), 5);
}

// Crossed factors: each has its own table, adversary and membership predictor; a row's mixed
// prediction adds each factor's effect, and a factor whose cluster is unknown adds nothing.
TEST(Network, EveryGroupingFactorHasItsOwnRandomEffectsAdversaryAndMembershipPredictor) {
  torch::manual_seed(4);
  auto o = with_random_effects(mlp_network(2, {3, 5}), SlopeSource::none);
  o.adversary = true;
  o.adversary_hidden = {4};
  Network net(o);
  ASSERT_EQ(net->random_effects.size(), 2u);
  ASSERT_EQ(net->adversaries.size(), 2u);
  ASSERT_EQ(net->memberships.size(), 2u);
  EXPECT_EQ(net->random_effects[0]->options.clusters(), 3);
  EXPECT_EQ(net->random_effects[1]->options.clusters(), 5);
  EXPECT_EQ(net->adversaries[1]->options.out_features(), 5);
  EXPECT_EQ(net->membership_probabilities(torch::zeros({1, 2}), 1).size(1), 5);
  // Names: the first factor's as with one factor, the second's numbered.
  EXPECT_TRUE(net->named_parameters().contains("random_effects.loc"));
  EXPECT_TRUE(net->named_parameters().contains("random_effects2.loc"));
  EXPECT_EQ(net->main_parameters().size() + net->adversary_parameters().size() +
                net->memberships[0]->parameters().size() + net->memberships[1]->parameters().size(),
            net->parameters().size());
  net->eval();
  const auto x = torch::randn({2, 2});
  const ClusterDesign a{torch::tensor({0, 2}, torch::kInt64), {}}, b{torch::tensor({4, 1}, torch::kInt64), {}};
  const auto both = net->forward(x, {a, b});
  const auto first = net->forward(x, {a, ClusterDesign::unknown(2)});
  const auto second = net->forward(x, {ClusterDesign::unknown(2), b});
  const auto u0 = net->random_effects[0]->loc.index_select(0, a.ids).select(1, 0);
  const auto u1 = net->random_effects[1]->loc.index_select(0, b.ids).select(1, 0);
  EXPECT_TRUE(torch::allclose(first.output, both.fixed + u0));
  EXPECT_TRUE(torch::allclose(second.output, both.fixed + u1));
  EXPECT_TRUE(torch::allclose(both.output, both.fixed + u0 + u1));
  EXPECT_THROW(net->forward(x, {a}), c10::Error);  // one design per factor
}

TEST(Network, RefusesAFixedEffectsNetworkWithoutHiddenLayersForAnAdversary) {
  auto o = mlp_network(2, {3});
  o.fixed_effects = [](int64_t inputs) { return MLP(MLPOptions(inputs, {}, 1)).ptr(); };  // linear
  o.adversary = true;
  o.adversary_hidden = {4};
  EXPECT_THROW(Network{o}, Error);
}

}  // namespace armed

namespace armed {

// A CNN whose blocks take styles: per factor block random effects, a scale and bias for each styled
// filter. They move a seen cluster's mixed prediction, vanish for an unknown cluster (the fixed
// pass, a complete model), enter the KL, and add over crossed factors.
TEST(Network, BlockRandomEffectsStyleTheMixedPassAlone) {
  torch::manual_seed(6);
  NetworkOptions o;
  o.input_shape = {1, 8, 8};
  o.factors = {{3, {}, {}}, {2, {}, {}}};
  o.fixed_effects = [](int64_t) { return ConvNet(ConvNetOptions({1, 8, 8}, {3, 4}, {4}, 1).styled_blocks({0, 1})).ptr(); };
  o.random_effects = true;
  for (auto& factor : o.factors) {
    factor.random_effects.intercept_posterior_init_scale = factor.random_effects.intercept_prior_scale = 0.1;
    factor.random_effects.posterior_scale_init_min = factor.random_effects.posterior_scale_init_range = 0.05;
  }
  o.block_effects = {0.25, 0.3, 0.05, 0.05, false};
  Network net(o);
  ASSERT_EQ(net->block_effects.size(), 2u);
  EXPECT_EQ(net->block_effects[0]->options.units(), 2 * (3 + 4));
  const auto x = torch::randn({4, 1, 8, 8});
  const std::vector<ClusterDesign> seen{{torch::tensor({0, 1, 2, 0}), {}}, {torch::tensor({1, 0, 1, 1}), {}}};
  net->eval();
  const auto mixed = net->forward(x, seen);
  const auto unknown = net->forward(x, {ClusterDesign::unknown(4), ClusterDesign::unknown(4)});
  EXPECT_TRUE(torch::allclose(unknown.output, unknown.fixed, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(mixed.fixed, unknown.fixed));
  // The seen rows' mixed output minus their intercepts is the pass in their clusters' styles, the two factors' summed.
  BlockStyles styles;
  const auto u = net->block_effects[0]->forward(seen[0]) + net->block_effects[1]->forward(seen[1]);
  styles.gamma = {u.narrow(1, 0, 3), u.narrow(1, 6, 4)};
  styles.beta = {u.narrow(1, 3, 3), u.narrow(1, 10, 4)};
  const auto styled = net->fixed_effects->forward_styled(x, styles).second.output.squeeze(1);
  const auto intercepts = net->random_effects[0]->forward(seen[0]).squeeze(1) + net->random_effects[1]->forward(seen[1]).squeeze(1);
  EXPECT_TRUE(torch::allclose(mixed.output, styled + intercepts, 1e-5, 1e-5));
  EXPECT_FALSE(torch::allclose(styled, mixed.fixed, 1e-3, 1e-3));
  // Their KL is part of the network's.
  const double with_blocks = net->kl_divergence().item<double>();
  const double heads = (net->random_effects[0]->kl_divergence() + net->random_effects[1]->kl_divergence()).item<double>();
  EXPECT_NEAR(with_blocks - heads, (net->block_effects[0]->kl_divergence() + net->block_effects[1]->kl_divergence()).item<double>(), 1e-3);
}

}  // namespace armed
