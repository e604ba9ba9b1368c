#include "data/idx.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "armed/error.h"
#include "test_util.h"

namespace armed {
namespace {

const std::string kSample = std::string(ARMED_TEST_DATA) + "/fashion-mnist-sample";

std::string message_of(const std::string& path) {
  try {
    read_idx(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Idx, ReadsGzippedImagesAndLabels) {
  const auto images = read_idx(kSample + "/train-images-idx3-ubyte.gz");
  const auto labels = read_idx(kSample + "/train-labels-idx1-ubyte.gz");
  EXPECT_EQ(images.sizes(), (std::vector<int64_t>{500, 28, 28}));
  EXPECT_EQ(labels.sizes(), (std::vector<int64_t>{500}));
  EXPECT_LE(labels.max().item<int>(), 9);
  // Fashion-MNIST's first training picture is an ankle boot (class 9) on a black ground.
  EXPECT_EQ(labels[0].item<int>(), 9);
  EXPECT_EQ(images[0][0][0].item<int>(), 0);
  EXPECT_GT(images[0].max().item<int>(), 200);
}

TEST(Idx, ReadsAnUncompressedFileAlike) {
  test::TempDir dir;
  const std::string path = dir.file("labels-idx1-ubyte");
  std::ofstream(path, std::ios::binary) << std::string("\0\0\x08\x01\0\0\0\x03\x02\x07\x09", 11);
  const auto labels = read_idx(path);
  EXPECT_TRUE(torch::equal(labels, torch::tensor({2, 7, 9}, torch::kUInt8)));
}

TEST(Idx, ATruncatedFileIsNamed) {
  test::TempDir dir;
  const std::string path = dir.file("short");
  std::ofstream(path, std::ios::binary) << std::string("\0\0\x08\x01\0\0\0\x05\x02\x07", 10);
  const std::string message = message_of(path);
  EXPECT_NE(message.find(path + ": ends within the elements"), std::string::npos) << message;
}

TEST(Idx, OtherFilesAreRefusedByName) {
  test::TempDir dir;
  const std::string text = dir.write("text", "y,cluster\n1,a\n");
  EXPECT_NE(message_of(text).find(text + ": not an IDX file"), std::string::npos) << message_of(text);
  const std::string floats = dir.file("floats");
  std::ofstream(floats, std::ios::binary) << std::string("\0\0\x0d\x01\0\0\0\x01\0\0\0\0", 12);
  EXPECT_NE(message_of(floats).find("only unsigned bytes"), std::string::npos) << message_of(floats);
  const std::string longer = dir.file("longer");
  std::ofstream(longer, std::ios::binary) << std::string("\0\0\x08\x01\0\0\0\x01\x05\x06", 10);
  EXPECT_NE(message_of(longer).find("longer than its header"), std::string::npos) << message_of(longer);
  EXPECT_NE(message_of(dir.file("absent")).find("cannot open"), std::string::npos);
}

}  // namespace armed
