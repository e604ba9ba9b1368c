#include "armed/sim/images.h"

#include <gtest/gtest.h>

#include "armed/error.h"

namespace armed {

TEST(ImageSim, SameSeedSameImagesInRange) {
  ImageSimOptions o;
  o.clusters = 3;
  o.images_per_cluster = 20;
  const auto a = simulate_images(o), b = simulate_images(o);
  EXPECT_EQ(a.data.x.sizes(), (std::vector<int64_t>{60, 1, 32, 32}));
  EXPECT_TRUE(torch::equal(a.data.x, b.data.x));
  EXPECT_TRUE(torch::equal(a.data.y, b.data.y));
  EXPECT_GE(a.data.x.min().item<float>(), 0.0f);
  EXPECT_LE(a.data.x.max().item<float>(), 1.0f);
  EXPECT_EQ(a.data.clusters().front(), "c0");
  EXPECT_EQ(a.data.clusters().back(), "c2");
  o.seed = 49;
  EXPECT_FALSE(torch::equal(simulate_images(o).data.x, a.data.x));
}

TEST(ImageSim, ClustersDifferInBrightnessAsDrawn) {
  ImageSimOptions o;
  o.texture_sd = 0;
  o.noise = 0;
  o.brightness_sd = 0.2;
  const auto sim = simulate_images(o);
  // The darkest pixels of a cluster's images are its background, 0.35 + brightness (clipped).
  for (int64_t c = 0; c < o.clusters; ++c) {
    const double background = sim.data.x.narrow(0, c * o.images_per_cluster, o.images_per_cluster).min().item<double>();
    EXPECT_NEAR(background, std::clamp(0.35 + sim.truth[c].brightness, 0.0, 1.0), 1e-5) << c;
  }
}

TEST(ImageSim, TheClassIsTheShape) {
  ImageSimOptions o;
  o.brightness_sd = o.contrast_sd = o.texture_sd = o.noise = 0;
  o.confound_sd = 0.3;
  const auto sim = simulate_images(o);
  // A disk fills the circle through its farthest pixel; a square fills 2/pi of it, whatever its angle.
  int64_t correct = 0, ones = 0;
  for (int64_t i = 0; i < sim.data.rows(); ++i) {
    const auto mask = sim.data.x[i][0] > 0.5;
    const auto where = mask.nonzero().to(torch::kFloat64);
    const auto centre = where.mean(0);
    const double reach = (where - centre).square().sum(1).max().item<double>();
    const double fill = static_cast<double>(where.size(0)) / (M_PI * reach);
    const int predicted = fill < 0.82 ? 1 : 0;
    correct += predicted == static_cast<int>(sim.data.y[i].item<float>());
    ones += sim.data.y[i].item<float>() > 0.5f;
  }
  EXPECT_GT(correct, 0.95 * sim.data.rows());
  EXPECT_GT(ones, 0.2 * sim.data.rows());
  EXPECT_LT(ones, 0.8 * sim.data.rows());
}

TEST(ImageSim, NonsenseOptionsNameTheFlag) {
  ImageSimOptions o;
  o.size = 4;
  try {
    simulate_images(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--size"), std::string::npos);
  }
  o.size = 32;
  o.noise = -1;
  EXPECT_THROW(simulate_images(o), Error);
}

}  // namespace armed
