#include "io/npy.h"

#include <gtest/gtest.h>

#include <fstream>

#include "armed/error.h"
#include "test_util.h"

namespace armed {

using test::TempDir;

TEST(Npy, RoundTripsUint8AndFloat32OfAnyShape) {
  TempDir dir;
  for (auto shape : std::vector<std::vector<int64_t>>{{7}, {2, 3}, {3, 5, 4}, {2, 3, 4, 5}}) {
    const auto bytes = torch::randint(0, 256, shape, torch::kUInt8);
    write_npy(dir.file("a.npy"), bytes);
    const auto a = read_npy(dir.file("a.npy"));
    EXPECT_EQ(a.scalar_type(), torch::kUInt8);
    EXPECT_TRUE(torch::equal(a, bytes));
    const auto values = torch::randn(shape);
    write_npy(dir.file("f.npy"), values);
    const auto f = read_npy(dir.file("f.npy"));
    EXPECT_EQ(f.scalar_type(), torch::kFloat32);
    EXPECT_TRUE(torch::equal(f, values));
  }
  write_npy(dir.file("d.npy"), torch::tensor({0.5, 2.0}, torch::kFloat64));
  EXPECT_EQ(read_npy(dir.file("d.npy")).scalar_type(), torch::kFloat32);
}

TEST(Npy, WritesNumpysVersion1HeaderPaddedTo64Bytes) {
  TempDir dir;
  write_npy(dir.file("v.npy"), torch::zeros({7}, torch::kUInt8));
  const std::string bytes = test::read_text(dir.file("v.npy"));
  // The header's 59 characters and the newline take the 10-byte prelude past 64: 128 in all.
  ASSERT_EQ(bytes.size(), 128u + 7u);
  EXPECT_EQ(bytes.substr(0, 10), std::string("\x93NUMPY\x01\x00\x76\x00", 10));
  EXPECT_EQ(bytes.find("{'descr': '|u1', 'fortran_order': False, 'shape': (7,), }"), 10u);
  EXPECT_EQ(bytes[127], '\n');
}

TEST(Npy, ReadsVersion2And3HeadersAndFloat64) {
  TempDir dir;
  for (const char version : {'\x02', '\x03'}) {
    std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    header.append(128 - 12 - header.size() - 1, ' ');
    header.push_back('\n');
    std::ofstream out(dir.file("v.npy"), std::ios::binary);
    out.write("\x93NUMPY", 6).put(version).put('\0');
    const uint32_t len = static_cast<uint32_t>(header.size());
    for (int i = 0; i < 4; ++i) out.put(static_cast<char>(len >> (8 * i) & 0xff));
    out << header;
    const double values[2] = {1.5, -2.25};
    out.write(reinterpret_cast<const char*>(values), sizeof values);
    out.close();
    const auto t = read_npy(dir.file("v.npy"));
    EXPECT_EQ(t.scalar_type(), torch::kFloat64);
    EXPECT_EQ(t.sizes(), (std::vector<int64_t>{2}));
    EXPECT_EQ(t[1].item<double>(), -2.25);
  }
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
  std::ofstream(dir.file("long.npy"), std::ios::binary) << bytes << "junk";
  expect(dir.file("long.npy"), "expected 16 data bytes, found 20");
  {
    std::string huge = bytes;
    huge.replace(huge.find("(4,)"), 4, "(99999999999, 99999999999)");
    std::ofstream(dir.file("huge.npy"), std::ios::binary) << huge;
  }
  expect(dir.file("huge.npy"), "too large");
  {
    std::string big_endian = bytes;
    big_endian.replace(big_endian.find("<f4"), 3, ">f4");
    std::ofstream(dir.file("be.npy"), std::ios::binary) << big_endian;
  }
  expect(dir.file("be.npy"), "'>f4' is not supported");
  bytes.replace(bytes.find("<f4"), 3, "<i8");
  std::ofstream(dir.file("i8.npy"), std::ios::binary) << bytes;
  expect(dir.file("i8.npy"), "'<i8' is not supported");
  bytes.replace(bytes.find("False"), 5, "True ");
  std::ofstream(dir.file("fortran.npy"), std::ios::binary) << bytes;
  expect(dir.file("fortran.npy"), "Fortran");
}

}  // namespace armed
