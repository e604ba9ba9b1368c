#include "armed/data/images.h"

#include <gtest/gtest.h>
#include <png.h>

#include <cstring>

#include "armed/error.h"
#include "io/npy.h"
#include "test_util.h"

namespace armed {
namespace {

using test::TempDir;

// Writes a PNG of `format` (a PNG_FORMAT_*; with a colormap, a palette image indexing it).
void write_png(const std::string& path, int width, int height, png_uint_32 format, const void* pixels,
               const void* colormap = nullptr, png_uint_32 colormap_entries = 0) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = format | (colormap ? PNG_FORMAT_FLAG_COLORMAP : 0);
  image.colormap_entries = colormap_entries;
  ASSERT_TRUE(png_image_write_to_file(&image, path.c_str(), 0, pixels, 0, colormap)) << image.message;
}

// An 8-bit gray (channels 1) or RGB (3) PNG whose every sample is `value`.
void write_png(const std::string& path, int width, int height, int channels, uint8_t value) {
  std::vector<uint8_t> pixels(static_cast<size_t>(width) * height * channels, value);
  write_png(path, width, height, channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY, pixels.data());
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
  EXPECT_EQ(data.clusters(), (std::vector<std::string>{"a", "b", "a"}));
  EXPECT_EQ(data.y[1].item<float>(), 1.0f);
  EXPECT_TRUE(data.feature_names.empty());

  auto rgb = torch::rand({3, 4, 5, 3});
  write_npy(dir.file("rgb.npy"), rgb);
  data = load_image_data(csv, {dir.file("rgb.npy"), ""}, kSpec);
  EXPECT_TRUE(torch::equal(data.x, rgb.permute({0, 3, 1, 2})));  // float32 kept as it is

  const auto bytes = torch::randint(0, 256, {3, 4, 5, 3}, torch::kUInt8);
  write_npy(dir.file("rgb8.npy"), bytes);
  data = load_image_data(csv, {dir.file("rgb8.npy"), ""}, kSpec);
  EXPECT_EQ(data.x.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::allclose(data.x, bytes.permute({0, 3, 1, 2}).to(torch::kFloat32) / 255.0));
  const auto gray = torch::rand({3, 4, 5});
  write_npy(dir.file("grayf.npy"), gray);
  data = load_image_data(csv, {dir.file("grayf.npy"), ""}, kSpec);
  EXPECT_TRUE(torch::equal(data.x, gray.unsqueeze(1)));
}

TEST(ImageData, TargetAndClusterColumnsMayBeAbsentAsForTables) {
  TempDir dir;
  write_npy(dir.file("x.npy"), torch::zeros({2, 4, 4}, torch::kUInt8));
  const auto data = load_image_data(dir.write("rows.csv", "id\n7\n8\n"), {dir.file("x.npy"), ""}, kSpec);
  EXPECT_FALSE(data.has_target());
  EXPECT_FALSE(data.has_clusters());
  EXPECT_EQ(data.rows(), 2);
  EXPECT_EQ(data.source, dir.file("rows.csv"));
  const std::string e = error_of([&] { load_image_data(dir.write("bad.csv", "y,cluster\n0,a\n2,b\n"), {dir.file("x.npy"), ""}, kSpec); });
  EXPECT_NE(e.find("bad.csv line 3, column 'y': '2' is not 0 or 1"), std::string::npos) << e;
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
  EXPECT_FLOAT_EQ(colour.x[0].max().item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(colour.x[1].min().item<float>(), 1.0f);
}

// One 2 x 1 image per format; each row's two pixels as the loader should return them.
TEST(ImageData, PngSamplesAreReadAsStoredWithAlphaStripped) {
  TempDir dir;
  const uint16_t deep[2] = {32768, 65535};  // 16-bit samples are linear: no sRGB conversion, divided by 65535
  write_png(dir.file("deep.png"), 2, 1, PNG_FORMAT_LINEAR_Y, deep);
  const uint8_t gray_alpha[4] = {51, 0, 204, 255};
  write_png(dir.file("ga.png"), 2, 1, PNG_FORMAT_GA, gray_alpha);
  const auto gray = load_image_data(dir.write("gray.csv", "path\ndeep.png\nga.png\n"), {"", "path"}, kSpec);
  ASSERT_EQ(gray.x.sizes(), (std::vector<int64_t>{2, 1, 1, 2}));
  EXPECT_TRUE(torch::allclose(gray.x.flatten(1), torch::tensor({{32768 / 65535.0f, 1.0f}, {0.2f, 0.8f}})));

  const uint8_t rgba[8] = {200, 100, 50, 0, 10, 20, 30, 128};
  write_png(dir.file("rgba.png"), 2, 1, PNG_FORMAT_RGBA, rgba);
  const uint8_t palette[6] = {255, 0, 0, 0, 0, 255};
  const uint8_t indices[2] = {1, 0};
  write_png(dir.file("palette.png"), 2, 1, PNG_FORMAT_RGB, indices, palette, 2);
  const uint8_t transparent_palette[8] = {0, 255, 0, 0, 0, 0, 255, 255};  // tRNS: entry 0 transparent
  write_png(dir.file("trns.png"), 2, 1, PNG_FORMAT_RGBA, indices, transparent_palette, 2);
  const auto colour = load_image_data(dir.write("colour.csv", "path\nrgba.png\npalette.png\ntrns.png\n"), {"", "path"}, kSpec);
  ASSERT_EQ(colour.x.sizes(), (std::vector<int64_t>{3, 3, 1, 2}));
  const auto pixels = colour.x.squeeze(2).permute({0, 2, 1}) * 255;  // [image, pixel, channel]
  EXPECT_TRUE(torch::allclose(pixels, torch::tensor({{{200.0f, 100.0f, 50.0f}, {10.0f, 20.0f, 30.0f}},
                                                      {{0.0f, 0.0f, 255.0f}, {255.0f, 0.0f, 0.0f}},
                                                      {{0.0f, 0.0f, 255.0f}, {0.0f, 255.0f, 0.0f}}}),
                              0, 1e-3))
      << pixels;
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
  EXPECT_NE(e.find("cannot read image"), std::string::npos) << e;
  e = error_of([&] { load_image_data(manifest("broken.png"), {"", "path"}, kSpec); });
  EXPECT_NE(e.find("broken.png"), std::string::npos) << e;
  EXPECT_NE(e.find("line 3"), std::string::npos) << e;
  EXPECT_NE(e.find("corrupt image"), std::string::npos) << e;
  e = error_of([&] { load_image_data(manifest("wide.png"), {"", "path"}, kSpec); });
  EXPECT_NE(e.find("line 3"), std::string::npos) << e;
  EXPECT_NE(e.find("4x8 gray"), std::string::npos) << e;
  EXPECT_NE(e.find("4x6 gray"), std::string::npos) << e;
  write_png(dir.file("colour.png"), 6, 4, 3, 0);
  e = error_of([&] { load_image_data(manifest("colour.png"), {"", "path"}, kSpec); });
  EXPECT_NE(e.find("line 3"), std::string::npos) << e;
  EXPECT_NE(e.find("'colour.png' is 4x6 RGB, the first image is 4x6 gray"), std::string::npos) << e;

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
  EXPECT_NE(e.find("(0-based)"), std::string::npos) << e;
  e = error_of([&] { load_image_data(three, {dir.file("two.npy"), "path"}, kSpec); });
  EXPECT_NE(e.find("not both"), std::string::npos) << e;
  e = error_of([&] { load_image_data(three, {"", ""}, kSpec); });
  EXPECT_NE(e.find("no images given"), std::string::npos) << e;
  e = error_of([&] { load_image_data(dir.write("empty.csv", "y,cluster\n"), {dir.file("two.npy"), ""}, kSpec); });
  EXPECT_NE(e.find("empty.csv"), std::string::npos) << e;
  EXPECT_NE(e.find("no data rows"), std::string::npos) << e;
}

}  // namespace armed
