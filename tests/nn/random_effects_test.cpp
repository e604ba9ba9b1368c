#include "nn/random_effects.h"

#include <gtest/gtest.h>

namespace armed {

RandomEffects make_re(int64_t clusters, int64_t units, bool learned = false) {
  torch::manual_seed(1);
  return RandomEffects(RandomEffectsOptions(clusters, units)
                           .posterior_loc_init_scale({0.5})
                           .posterior_scale_init_min(0.2)
                           .posterior_scale_init_range(0.3)
                           .prior_scale({0.7})
                           .learn_prior_scale(learned));
}

TEST(RandomEffects, KlMatchesMonteCarlo) {
  auto re = make_re(3, 2);
  torch::NoGradGuard no_grad;
  auto m = re->loc, s = re->posterior_scale(), p = re->prior_scale();
  torch::manual_seed(2);
  const int64_t draws = 200000;
  auto u = m.unsqueeze(0) + s.unsqueeze(0) * torch::randn({draws, 3, 2});
  // log q(u) - log p(u) for Gaussians, summed over clusters and units.
  auto log_q = -torch::log(s) - 0.5 * ((u - m) / s).square();
  auto log_p = -torch::log(p) - 0.5 * (u / p).square();
  const double mc = (log_q - log_p).sum({1, 2}).mean().item<double>();
  const double exact = re->kl_divergence().item<double>();
  EXPECT_GT(exact, 0.0);
  EXPECT_NEAR(mc, exact, 0.02 * exact + 0.01);
}

TEST(RandomEffects, EvalUsesPosteriorMeansTrainingSamples) {
  auto re = make_re(4, 3);
  ClusterDesign z{torch::tensor({2, 0, 2}, torch::kInt64), {}};
  re->eval();
  auto out = re->forward(z);
  EXPECT_TRUE(torch::allclose(out[0], re->loc[2]));
  EXPECT_TRUE(torch::allclose(out[1], re->loc[0]));
  EXPECT_TRUE(torch::equal(out, re->forward(z)));
  re->train();
  auto a = re->forward(z), b = re->forward(z);
  EXPECT_FALSE(torch::allclose(a, b));
  EXPECT_FALSE(torch::allclose(a, out));
}

TEST(RandomEffects, UnknownClusterGivesZeroAndSoftMembershipMixes) {
  auto re = make_re(3, 2);
  re->eval();
  auto out = re->forward(ClusterDesign{torch::tensor({-1, 1}, torch::kInt64), {}});
  EXPECT_TRUE(torch::equal(out[0], torch::zeros({2})));
  auto soft = torch::tensor({{0.25f, 0.75f, 0.0f}});
  auto mixed = re->forward(ClusterDesign{{}, soft});
  EXPECT_TRUE(torch::allclose(mixed[0], 0.25 * re->loc[0] + 0.75 * re->loc[1]));
}

TEST(RandomEffects, OnlyClustersInTheBatchGetDataGradients) {
  auto re = make_re(5, 2);
  re->train();
  re->forward(ClusterDesign{torch::tensor({1, 3, 3}, torch::kInt64), {}}).sum().backward();
  auto row_norm = re->loc.grad().abs().sum(1);
  auto scale_norm = re->raw_scale.grad().abs().sum(1);
  for (int64_t k : {0, 2, 4}) {
    EXPECT_EQ(row_norm[k].item<double>(), 0.0) << k;
    EXPECT_EQ(scale_norm[k].item<double>(), 0.0) << k;
  }
  for (int64_t k : {1, 3}) EXPECT_GT(row_norm[k].item<double>(), 0.0) << k;
}

TEST(RandomEffects, PriorScaleIsTrainedOnlyWhenLearned) {
  auto fixed = make_re(3, 2, false), learned = make_re(3, 2, true);
  EXPECT_EQ(fixed->parameters().size(), 2u);
  EXPECT_EQ(learned->parameters().size(), 3u);
  EXPECT_NEAR(fixed->prior_scale()[0].item<double>(), 0.7, 1e-6);
  learned->kl_divergence().backward();
  EXPECT_NE(learned->raw_prior_scale.grad()[0].item<double>(), 0.0);
}

TEST(RandomEffects, SparseGradientsAreTheDenseOnesAsRows) {
  const ClusterDesign z{torch::tensor({2, 0, 2, 3}, torch::kInt64), {}};
  for (const Covariance covariance : {Covariance::diagonal, Covariance::full}) {
    std::vector<torch::Tensor> grads[2];
    for (bool sparse : {false, true}) {
      torch::manual_seed(5);
      RandomEffects re(RandomEffectsOptions(4, 3).covariance(covariance).sparse(sparse).prior_scale({0.1}).posterior_loc_init_scale({0.1}).posterior_scale_init_min(0.05).posterior_scale_init_range(0.05));
      re->train();
      (re->forward(z).square().sum() + re->kl_divergence(z.ids, torch::ones({4}))).backward();
      for (const auto& t : re->cluster_tables()) {
        EXPECT_EQ(t.grad().is_sparse(), sparse) << static_cast<int>(covariance);
        grads[sparse].push_back(sparse ? t.grad().to_dense() : t.grad());
      }
    }
    ASSERT_EQ(grads[0].size(), grads[1].size());
    for (size_t i = 0; i < grads[0].size(); ++i) EXPECT_TRUE(torch::allclose(grads[0][i], grads[1][i], 1e-5, 1e-6)) << static_cast<int>(covariance);
  }
}

// Weighted by rows / (batch rows x cluster rows), the batches of an epoch average to the full KL.
TEST(RandomEffects, MinibatchKlEstimatesAverageToTheFullKl) {
  for (const Covariance covariance : {Covariance::diagonal, Covariance::full}) {
    torch::manual_seed(6);
    RandomEffects re(RandomEffectsOptions(3, 2).covariance(covariance).posterior_loc_init_scale({0.5}).prior_scale({0.1}).posterior_scale_init_min(0.05).posterior_scale_init_range(0.05));
    if (re->lower.defined()) {
      torch::NoGradGuard no_grad;
      re->lower.normal_(0, 0.2);
    }
    const auto ids = torch::tensor({0, 2, 1, 2, 0, 2, 2, 1}, torch::kInt64);
    const auto cluster_rows = torch::bincount(ids).to(torch::kFloat32);
    const int64_t batch = 2, n = ids.size(0);
    double average = 0;
    for (int64_t b = 0; b < n; b += batch) {
      auto part = ids.narrow(0, b, batch);
      auto weights = static_cast<float>(n) / (batch * cluster_rows.index_select(0, part));
      average += re->kl_divergence(part, weights).item<double>() / static_cast<double>(n / batch);
    }
    const double full = re->kl_divergence().item<double>();
    EXPECT_GT(full, 0.0);
    EXPECT_NEAR(average, full, 1e-5 * full) << static_cast<int>(covariance);
  }
}

// The per-entry formulas, composed of LibTorch ops; for a few clusters (one fused node) and for
// many (over 2,500 entries: LibTorch's vectorized ops).
TEST(RandomEffects, KlAndItsGradientAreTheComposedFormulas) {
  for (int64_t clusters : {4, 1000}) {
    auto re = make_re(clusters, 3, /*learned=*/true);
    re->to(torch::kFloat64);
    const std::vector<torch::Tensor> params{re->loc, re->raw_scale, re->raw_prior_scale};
    auto kl = [&](const torch::Tensor& ids, const torch::Tensor& weights) {
      auto m = re->loc.index_select(0, ids), s = 1e-5 + torch::nn::functional::softplus(re->raw_scale.index_select(0, ids));
      auto p = 1e-5 + torch::nn::functional::softplus(re->raw_prior_scale);
      return ((torch::log(p / s) + (s.square() + m.square()) / (2 * p.square()) - 0.5).sum(1) * weights).sum();
    };
    auto expect_same = [&](const torch::Tensor& fused, const torch::Tensor& composed) {
      EXPECT_TRUE(torch::allclose(fused, composed, 1e-10, 1e-12)) << clusters << " clusters";
      const auto a = torch::autograd::grad({fused}, params), b = torch::autograd::grad({composed}, params);
      for (size_t i = 0; i < params.size(); ++i)
        EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-10, 1e-12)) << clusters << " clusters, parameter " << i;
    };
    expect_same(re->kl_divergence(), kl(torch::arange(clusters), torch::ones({clusters}, torch::kFloat64)));
    const auto ids = torch::tensor({2, 0, 2}, torch::kInt64), weights = torch::tensor({0.5, 2.0, 1.5}, torch::kFloat64);
    expect_same(re->kl_divergence(ids, weights), kl(ids, weights));
  }
}

TEST(RandomEffects, SampledLinearTermIsTheComposedSample) {
  auto re = make_re(4, 3);
  re->to(torch::kFloat64);
  re->train();
  const auto ids = torch::tensor({3, 1, 1, 0, 2}, torch::kInt64);
  const auto slopes = torch::randn({5, 2}, torch::kFloat64).requires_grad_();
  const auto upstream = torch::randn({5}, torch::kFloat64);
  const std::vector<torch::Tensor> inputs{re->loc, re->raw_scale, slopes};
  torch::manual_seed(8);
  const auto fused = re->linear_term(ClusterDesign{ids, {}, false}, slopes);
  torch::manual_seed(8);
  const auto m = re->loc.index_select(0, ids);
  const auto u = m + (1e-5 + torch::nn::functional::softplus(re->raw_scale.index_select(0, ids))) * torch::randn_like(m);
  const auto composed = (u * torch::cat({torch::ones({5, 1}, torch::kFloat64), slopes}, 1)).sum(1);
  EXPECT_TRUE(torch::allclose(fused, composed, 1e-10, 1e-12));
  const auto a = torch::autograd::grad({(fused * upstream).sum()}, inputs), b = torch::autograd::grad({(composed * upstream).sum()}, inputs);
  for (size_t i = 0; i < inputs.size(); ++i) EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-10, 1e-12)) << "input " << i;
}

}  // namespace armed
