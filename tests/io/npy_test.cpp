#include "armed/io/npy.h"

#include <gtest/gtest.h>

#include <fstream>

#include "armed/error.h"
#include "test_util.h"

namespace armed {

using test::TempDir;

TEST(Npy, RoundTripsUint8AndFloat32OfAnyShape) {
  TempDir dir;
  const auto bytes = torch::randint(0, 256, {3, 5, 4}, torch::kUInt8);
  write_npy(dir.file("a.npy"), bytes);
  const auto a = read_npy(dir.file("a.npy"));
  EXPECT_EQ(a.scalar_type(), torch::kUInt8);
  EXPECT_TRUE(torch::equal(a, bytes));
  for (auto shape : std::vector<std::vector<int64_t>>{{7}, {2, 3}, {2, 3, 4, 5}}) {
    const auto values = torch::randn(shape);
    write_npy(dir.file("f.npy"), values);
    EXPECT_TRUE(torch::equal(read_npy(dir.file("f.npy")), values));
  }
}

TEST(Npy, ReadsVersion2HeadersAndFloat64) {
  TempDir dir;
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  header.append(128 - 12 - header.size() - 1, ' ');
  header.push_back('\n');
  std::ofstream out(dir.file("v2.npy"), std::ios::binary);
  out.write("\x93NUMPY\x02\x00", 8);
  const uint32_t len = static_cast<uint32_t>(header.size());
  for (int i = 0; i < 4; ++i) out.put(static_cast<char>(len >> (8 * i) & 0xff));
  out << header;
  const double values[2] = {1.5, -2.25};
  out.write(reinterpret_cast<const char*>(values), sizeof values);
  out.close();
  const auto t = read_npy(dir.file("v2.npy"));
  EXPECT_EQ(t.scalar_type(), torch::kFloat64);
  EXPECT_EQ(t[1].item<double>(), -2.25);
}

TEST(Npy, BadFilesAreErrorsNamingTheFileAndTheProblem) {
  TempDir dir;
  auto expect = [&](const std::string& path, const std::string& needle) {
    try {
      read_npy(path);
      FAIL() << path;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  };
  expect(dir.file("missing.npy"), "cannot open");
  expect(dir.write("text.npy", "hello, world"), "bad magic");
  write_npy(dir.file("int.npy"), torch::zeros({4}));
  {
    // Truncate the data: 4 floats declared, 2 present.
    std::string bytes = test::read_text(dir.file("int.npy"));
    std::ofstream(dir.file("short.npy"), std::ios::binary) << bytes.substr(0, bytes.size() - 8);
  }
  expect(dir.file("short.npy"), "expected 16 data bytes, found 8");
  std::string bytes = test::read_text(dir.file("int.npy"));
  bytes.replace(bytes.find("<f4"), 3, "<i8");
  std::ofstream(dir.file("i8.npy"), std::ios::binary) << bytes;
  expect(dir.file("i8.npy"), "'<i8' is not supported");
  bytes.replace(bytes.find("False"), 5, "True ");
  std::ofstream(dir.file("fortran.npy"), std::ios::binary) << bytes;
  expect(dir.file("fortran.npy"), "Fortran");
}

}  // namespace armed
