#include "armed/data/images.h"

#include <gtest/gtest.h>
#include <png.h>

#include <cstring>

#include "armed/error.h"
#include "armed/io/npy.h"
#include "test_util.h"

namespace armed {
namespace {

using test::TempDir;

// Writes an 8-bit gray (channels 1) or RGB (3) PNG whose every pixel is `value`.
void write_png(const std::string& path, int width, int height, int channels, uint8_t value) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  std::vector<uint8_t> pixels(static_cast<size_t>(width) * height * channels, value);
  ASSERT_TRUE(png_image_write_to_file(&image, path.c_str(), 0, pixels.data(), 0, nullptr)) << image.message;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

const DataSpec kSpec{"y", "cluster", {}, "classification"};

}  // namespace

TEST(ImageData, NpyImagesMatchTheCsvRows) {
  TempDir dir;
  const auto csv = dir.write("rows.csv", "y,cluster,note\n0,a,x\n1,b,y\n1,a,z\n");
  write_npy(dir.file("gray.npy"), torch::full({3, 4, 5}, 255, torch::kUInt8));
  auto data = load_image_data(csv, {dir.file("gray.npy"), ""}, kSpec);
  EXPECT_EQ(data.x.sizes(), (std::vector<int64_t>{3, 1, 4, 5}));
  EXPECT_FLOAT_EQ(data.x.max().item<float>(), 1.0f);
  EXPECT_EQ(data.clusters, (std::vector<std::string>{"a", "b", "a"}));
  EXPECT_EQ(data.y[1].item<float>(), 1.0f);
  EXPECT_TRUE(data.feature_names.empty());

  auto rgb = torch::rand({3, 4, 5, 3});
  write_npy(dir.file("rgb.npy"), rgb);
  data = load_image_data(csv, {dir.file("rgb.npy"), ""}, kSpec);
  EXPECT_TRUE(torch::equal(data.x, rgb.permute({0, 3, 1, 2})));  // float32 kept as it is
}

TEST(ImageData, PngManifestReadsGrayAndColour) {
  TempDir dir;
  write_png(dir.file("a.png"), 6, 4, 1, 51);
  write_png(dir.file("b.png"), 6, 4, 1, 255);
  const auto csv = dir.write("manifest.csv", "path,y,cluster\na.png,0,s1\n" + dir.file("b.png") + ",1,s2\n");
  const auto data = load_image_data(csv, {"", "path"}, kSpec);
  EXPECT_EQ(data.x.sizes(), (std::vector<int64_t>{2, 1, 4, 6}));
  EXPECT_NEAR(data.x[0].mean().item<float>(), 0.2, 1e-6);
  EXPECT_NEAR(data.x[1].mean().item<float>(), 1.0, 1e-6);
  write_png(dir.file("c.png"), 6, 4, 3, 0);
  write_png(dir.file("d.png"), 6, 4, 3, 255);
  const auto colour = load_image_data(dir.write("colour.csv", "path,y,cluster\nc.png,0,s1\nd.png,1,s2\n"), {"", "path"}, kSpec);
  EXPECT_EQ(colour.x.sizes(), (std::vector<int64_t>{2, 3, 4, 6}));
}

TEST(ImageData, BadImagesAreOneLineErrorsNamingRowAndFile) {
  TempDir dir;
  write_png(dir.file("a.png"), 6, 4, 1, 0);
  write_png(dir.file("wide.png"), 8, 4, 1, 0);
  dir.write("broken.png", "\x89PNG\r\n\x1a\nnot really");
  auto manifest = [&](const std::string& second) {
    return dir.write("m.csv", "path,y,cluster\na.png,0,s1\n" + second + ",1,s2\n");
  };
  std::string e = error_of([&] { load_image_data(manifest("gone.png"), {"", "path"}, kSpec); });
  EXPECT_NE(e.find("line 3"), std::string::npos) << e;
  EXPECT_NE(e.find("gone.png"), std::string::npos) << e;
  e = error_of([&] { load_image_data(manifest("broken.png"), {"", "path"}, kSpec); });
  EXPECT_NE(e.find("broken.png"), std::string::npos) << e;
  e = error_of([&] { load_image_data(manifest("wide.png"), {"", "path"}, kSpec); });
  EXPECT_NE(e.find("4x8 gray"), std::string::npos) << e;
  EXPECT_NE(e.find("4x6 gray"), std::string::npos) << e;

  write_npy(dir.file("two.npy"), torch::zeros({2, 4, 4}));
  const auto three = dir.write("three.csv", "y,cluster\n0,a\n1,b\n0,a\n");
  e = error_of([&] { load_image_data(three, {dir.file("two.npy"), ""}, kSpec); });
  EXPECT_NE(e.find("holds 2 images but"), std::string::npos) << e;
  EXPECT_NE(e.find("has 3 rows"), std::string::npos) << e;
  auto nan = torch::zeros({3, 4, 4});
  nan[2][1][1] = NAN;
  write_npy(dir.file("nan.npy"), nan);
  e = error_of([&] { load_image_data(three, {dir.file("nan.npy"), ""}, kSpec); });
  EXPECT_NE(e.find("image 2"), std::string::npos) << e;
  e = error_of([&] { load_image_data(three, {dir.file("two.npy"), "path"}, kSpec); });
  EXPECT_NE(e.find("not both"), std::string::npos) << e;
}

}  // namespace armed
