#include "io/npy.h"

#include <cstring>
#include <fstream>
#include <map>
#include <regex>

#include "armed/error.h"
#include "io/atomic_file.h"

namespace armed {
namespace {

const char kMagic[] = "\x93NUMPY";

std::string header_field(const std::string& header, const std::string& key, const std::string& path) {
  // The header is a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
  static const std::map<std::string, std::regex> patterns = [] {
    std::map<std::string, std::regex> out;
    for (const char* field : {"descr", "fortran_order", "shape"})
      out.emplace(field, std::regex(std::string("'") + field + "'\\s*:\\s*('[^']*'|True|False|\\([^)]*\\))"));
    return out;
  }();
  const std::regex& pattern = patterns.at(key);
  std::smatch m;
  if (!std::regex_search(header, m, pattern)) throw Error(path + ": not a valid .npy file (no '" + key + "' in the header)");
  return m[1].str();
}

}  // namespace

torch::Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the .npy file");
  char magic[8] = {};
  in.read(magic, 8);
  if (!in || std::memcmp(magic, kMagic, 6) != 0) throw Error(path + ": not a .npy file (bad magic)");
  const int version = static_cast<unsigned char>(magic[6]);
  if (version < 1 || version > 3) throw Error(path + ": .npy format version " + std::to_string(version) + " is not supported");
  uint32_t header_len = 0;
  unsigned char len_bytes[4] = {};
  in.read(reinterpret_cast<char*>(len_bytes), version == 1 ? 2 : 4);
  for (int i = (version == 1 ? 1 : 3); i >= 0; --i) header_len = header_len << 8 | len_bytes[i];
  // A corrupt header length must not allocate (up to 4 GiB) before the file is known to hold it.
  const auto header_start = static_cast<std::streamoff>(in.tellg());
  in.seekg(0, std::ios::end);
  if (!in || static_cast<std::streamoff>(in.tellg()) - header_start < static_cast<std::streamoff>(header_len))
    throw Error(path + ": not a valid .npy file (truncated header)");
  in.seekg(header_start);
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  if (!in) throw Error(path + ": not a valid .npy file (truncated header)");

  const std::string descr = header_field(header, "descr", path);
  if (header_field(header, "fortran_order", path) != "False")
    throw Error(path + ": Fortran-order arrays are not supported; save with numpy.ascontiguousarray");
  torch::ScalarType type;
  int64_t item = 0;
  if (descr == "'|u1'" || descr == "'u1'") type = torch::kUInt8, item = 1;
  else if (descr == "'<f4'") type = torch::kFloat32, item = 4;
  else if (descr == "'<f8'") type = torch::kFloat64, item = 8;
  else throw Error(path + ": dtype " + descr + " is not supported (uint8, float32 or float64)");

  std::vector<int64_t> shape;
  const std::string dims = header_field(header, "shape", path);
  static const std::regex number("\\d+");
  int64_t expected = item;
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    // A corrupt header must neither overflow the byte count nor make us allocate before the size check.
    const int64_t d = it->length() > 18 ? -1 : std::stoll(it->str());
    if (d < 0 || __builtin_mul_overflow(expected, d, &expected))
      throw Error(path + ": not a valid .npy file (shape " + dims + " is too large)");
    shape.push_back(d);
  }
  const auto data_start = static_cast<std::streamoff>(in.tellg());
  in.seekg(0, std::ios::end);
  const int64_t found = static_cast<std::streamoff>(in.tellg()) - data_start;
  if (found != expected)
    throw Error(path + ": corrupt .npy file (expected " + std::to_string(expected) + " data bytes, found " +
                std::to_string(found) + ", for shape " + dims + " of " + descr + ")");
  in.seekg(data_start);
  auto t = torch::empty(shape, type);
  in.read(static_cast<char*>(t.data_ptr()), expected);
  if (!in) throw Error(path + ": cannot read the .npy data");
  return t;
}

void write_npy(const std::string& path, const torch::Tensor& tensor) {
  const torch::Tensor t = (tensor.scalar_type() == torch::kUInt8 ? tensor : tensor.to(torch::kFloat32)).contiguous();
  std::string shape;
  for (int64_t d : t.sizes()) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
  if (t.dim() == 1) shape += ",";  // Python's one-element tuple
  std::string header = std::string("{'descr': '") + (t.scalar_type() == torch::kUInt8 ? "|u1" : "<f4") +
                       "', 'fortran_order': False, 'shape': (" + shape + "), }";
  // Magic (6) + version (2) + length (2) + header + newline, padded to a multiple of 64.
  const size_t total = (10 + header.size() + 1 + 63) / 64 * 64;
  header.append(total - 10 - header.size() - 1, ' ');
  header.push_back('\n');
  write_file_atomic(path, [&](std::ostream& out) {
    out.write(kMagic, 6);
    out.put(1).put(0);
    out.put(static_cast<char>(header.size() & 0xff)).put(static_cast<char>(header.size() >> 8));
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * t.element_size()));
  });
}

}  // namespace armed
