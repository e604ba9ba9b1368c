#include "armed/sim/fashion.h"

#include <gtest/gtest.h>

#include <cmath>

#include "armed/error.h"

namespace armed {
namespace {

FashionSitesOptions sample() {
  FashionSitesOptions o;
  o.source = std::string(ARMED_TEST_DATA) + "/fashion-mnist-sample";
  o.sites = 5;
  o.images_per_site = 40;
  o.artifact_sites = 2;
  return o;
}

std::string message_of(const FashionSitesOptions& o) {
  try {
    simulate_fashion_sites(o);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(FashionSites, SameSeedSamePicturesInRange) {
  FashionSitesOptions o = sample();
  const auto a = simulate_fashion_sites(o), b = simulate_fashion_sites(o);
  EXPECT_EQ(a.data.x.sizes(), (std::vector<int64_t>{200, 1, 32, 32}));
  EXPECT_TRUE(torch::equal(a.data.x, b.data.x));
  EXPECT_TRUE(torch::equal(a.swapped_x, b.swapped_x));
  EXPECT_GE(a.data.x.min().item<float>(), 0.0f);
  EXPECT_LE(a.data.x.max().item<float>(), 1.0f);
  EXPECT_EQ(a.data.clusters().front(), "site01");
  EXPECT_EQ(a.data.clusters().back(), "site05");
  o.seed = 49;
  EXPECT_FALSE(torch::equal(simulate_fashion_sites(o).data.x, a.data.x));
}

TEST(FashionSites, TheBinaryTargetIsAnUpperBodyGarment) {
  const auto sim = simulate_fashion_sites(sample());
  for (int64_t i = 0; i < sim.data.rows(); ++i) {
    const int64_t c = sim.fashion_class[i].item<int64_t>();
    EXPECT_EQ(sim.data.y[i].item<float>(), (c == 0 || c == 2 || c == 4 || c == 6) ? 1.0f : 0.0f) << i;
  }
  FashionSitesOptions o = sample();
  o.target = "classes";
  const auto ten = simulate_fashion_sites(o);
  EXPECT_TRUE(torch::equal(ten.data.y.to(torch::kInt64), ten.fashion_class));
}

TEST(FashionSites, TheShirtTargetDrawsOnlyTopsAtTheSameSites) {
  FashionSitesOptions o = sample();
  o.images_per_site = 20;  // the sample holds about 60 pictures of each top
  const auto all = simulate_fashion_sites(o);
  o.target = "shirt";
  const auto tops = simulate_fashion_sites(o);
  int shirts = 0;
  for (int64_t i = 0; i < tops.data.rows(); ++i) {
    const int64_t c = tops.fashion_class[i].item<int64_t>();
    EXPECT_TRUE(c == 0 || c == 2 || c == 4 || c == 6) << i << ": class " << c;
    EXPECT_EQ(tops.data.y[i].item<float>(), c == 6 ? 1.0f : 0.0f) << i;
    shirts += c == 6;
  }
  EXPECT_GT(shirts, 0);
  EXPECT_LT(shirts, tops.data.rows());
  // The acquisition and the weights of the drawn classes are the upper-body target's: only the classes drawn differ.
  for (size_t k = 0; k < all.sites.size(); ++k) {
    EXPECT_EQ(tops.sites[k].rotation_degrees, all.sites[k].rotation_degrees);
    EXPECT_EQ(tops.sites[k].contrast, all.sites[k].contrast);
    EXPECT_EQ(tops.sites[k].class_shares[1], 0.0);
    EXPECT_NEAR(tops.sites[k].class_shares[6] / tops.sites[k].class_shares[0], all.sites[k].class_shares[6] / all.sites[k].class_shares[0], 1e-12);
  }
}

TEST(FashionSites, OnlyArtifactSitesMarkAndSwappingMovesTheMarker) {
  const auto sim = simulate_fashion_sites(sample());
  int artifact_sites = 0;
  for (size_t k = 0; k < sim.sites.size(); ++k) {
    const auto& site = sim.sites[k];
    artifact_sites += site.artifact;
    const auto rows = torch::arange(static_cast<int64_t>(k) * 40, static_cast<int64_t>(k + 1) * 40);
    const auto marked = sim.marked.index_select(0, rows);
    const auto changed = (sim.data.x.index_select(0, rows) != sim.swapped_x.index_select(0, rows)).flatten(1).any(1);
    if (!site.artifact) {
      EXPECT_FALSE(marked.any().item<bool>()) << site.label;
      EXPECT_FALSE(changed.any().item<bool>()) << site.label;
      continue;
    }
    // Most of the marked class's pictures carry the marker, few others; the swap changes every picture.
    const auto of_class = sim.data.y.index_select(0, rows).eq(site.marked_class);
    const double in_class = marked.logical_and(of_class).sum().item<double>() / of_class.sum().item<double>();
    const double outside = marked.logical_and(of_class.logical_not()).sum().item<double>() / of_class.logical_not().sum().item<double>();
    EXPECT_GT(in_class, 0.7) << site.label;
    EXPECT_LT(outside, 0.2) << site.label;
    EXPECT_TRUE(changed.all().item<bool>()) << site.label;
    // The marker is a 4x4 square one pixel from the site's corner: white before the site's pixel noise.
    const int64_t top = site.marker_corner >= 2 ? 27 : 1, left = site.marker_corner % 2 == 1 ? 27 : 1;
    for (int64_t i = 0; i < 40; ++i) {
      const auto& picture = marked[i].item<bool>() ? sim.data.x : sim.swapped_x;
      const auto square = picture[k * 40 + i][0].narrow(0, top, 4).narrow(1, left, 4);
      EXPECT_GT(square.min().item<float>(), 0.4f) << site.label << " picture " << i;
    }
  }
  EXPECT_EQ(artifact_sites, 2);
}

// The control of the image benchmarks: the same sites and pictures with their acquisition scaled.
TEST(FashionSites, AcquisitionScaleKeepsTheSitesPicturesAndMarkers) {
  FashionSitesOptions o = sample();
  const auto drawn = simulate_fashion_sites(o);
  o.acquisition_scale = 0;
  const auto none = simulate_fashion_sites(o);
  o.acquisition_scale = 2;
  const auto twice = simulate_fashion_sites(o);
  for (const auto* other : {&none, &twice}) {
    EXPECT_TRUE(torch::equal(other->fashion_class, drawn.fashion_class));
    EXPECT_TRUE(torch::equal(other->marked, drawn.marked));
    EXPECT_TRUE(torch::equal(other->data.y, drawn.data.y));
  }
  for (size_t k = 0; k < drawn.sites.size(); ++k) {
    const FashionSite &d = drawn.sites[k], &n = none.sites[k], &t = twice.sites[k];
    for (double v : {n.rotation_degrees, n.blur, n.noise, n.vignette, n.brightness}) EXPECT_EQ(v, 0.0) << k;
    EXPECT_EQ(n.contrast, 1.0);
    EXPECT_DOUBLE_EQ(t.rotation_degrees, 2 * d.rotation_degrees);
    EXPECT_DOUBLE_EQ(t.blur + t.noise, 2 * (d.blur + d.noise));
    EXPECT_DOUBLE_EQ(t.vignette, 2 * d.vignette);
    EXPECT_NEAR(std::log(t.contrast), 2 * std::log(d.contrast), 1e-12);
    EXPECT_DOUBLE_EQ(t.brightness, 2 * d.brightness);
    EXPECT_EQ(t.class_shares, d.class_shares);
  }
  // Without acquisition effects a picture is the same wherever it was taken: sites differ only by
  // what they draw (and their markers).
  const auto site_mean = [](const FashionSitesData& s, int64_t site) { return s.data.x.narrow(0, site * 40, 40).mean().item<double>(); };
  double spread_none = 0, spread_drawn = 0;
  for (int64_t k = 1; k < 5; ++k) {
    spread_none += std::abs(site_mean(none, k) - site_mean(none, 0));
    spread_drawn += std::abs(site_mean(drawn, k) - site_mean(drawn, 0));
  }
  EXPECT_LT(spread_none, spread_drawn);
  o.acquisition_scale = -1;
  EXPECT_NE(message_of(o).find("--acquisition-scale"), std::string::npos);
}

TEST(FashionSites, BadOptionsAreNamed) {
  FashionSitesOptions o = sample();
  o.source = "/nonexistent";
  EXPECT_NE(message_of(o).find("--fashion-dir /nonexistent: no train-images-idx3-ubyte.gz; install Debian's dataset-fashion-mnist"),
            std::string::npos)
      << message_of(o);
  o = sample();
  o.images_per_site = 150;  // 750 pictures of the sample's 600
  EXPECT_NE(message_of(o).find("than Fashion-MNIST has"), std::string::npos) << message_of(o);
  o = sample();
  o.artifact_sites = 6;
  EXPECT_NE(message_of(o).find("--artifact-sites"), std::string::npos);
  o = sample();
  o.target = "sleeves";
  EXPECT_NE(message_of(o).find("--fashion-target: unknown target 'sleeves' (upper-body, shirt, classes)"), std::string::npos) << message_of(o);
  o = sample();
  o.marker_rate = 1.5;
  EXPECT_NE(message_of(o).find("--marker-rate"), std::string::npos);
}

}  // namespace armed
