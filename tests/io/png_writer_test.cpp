#include "io/png_writer.h"

#include <gtest/gtest.h>

#include <fstream>

#include "armed/data/images.h"
#include "armed/error.h"
#include "test_util.h"

namespace armed {

using test::TempDir;

// The project's own PNG reader gives back the samples written, gray and RGB.
TEST(PngWriter, RoundTripsThroughThePngReader) {
  TempDir dir;
  for (const int channels : {1, 3}) {
    const auto pixels = torch::randint(0, 256, {5, 7, channels}, torch::kUInt8).contiguous();
    const std::string bytes = encode_png(pixels.data_ptr<uint8_t>(), 7, 5, channels);
    EXPECT_EQ(bytes.substr(1, 3), "PNG");
    std::ofstream(dir.file("p.png"), std::ios::binary) << bytes;
    const std::string manifest = dir.write("m.csv", "path,y\np.png,1\n");
    DataSpec spec;
    spec.target = "y";
    const auto data = load_image_data(manifest, {"", "path"}, spec);
    const auto expected = pixels.permute({2, 0, 1}).to(torch::kFloat32) / 255.0;
    EXPECT_TRUE(torch::allclose(data.x[0], expected)) << channels << " channels";
  }
}

TEST(PngWriter, RefusesShapesPngCannotHold) {
  const uint8_t pixel[4] = {0, 0, 0, 0};
  EXPECT_THROW(encode_png(pixel, 0, 1, 1), Error);
  EXPECT_THROW(encode_png(pixel, 1, 1, 4), Error);
}

}  // namespace armed
