#include "data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "armed/error.h"

namespace armed {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

// Reads exactly `bytes` or throws; gzread reads plain files unchanged.
void read_exactly(gzFile file, void* into, size_t bytes, const std::string& path, const char* what) {
  auto* at = static_cast<unsigned char*>(into);
  while (bytes > 0) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(bytes, 1u << 30));
    const int got = gzread(file, at, chunk);
    if (got < 0) {
      int code = 0;
      throw Error(path + ": cannot read " + what + " (" + gzerror(file, &code) + ")");
    }
    if (got == 0) throw Error(path + ": ends within the " + what + " (a truncated IDX file)");
    at += got;
    bytes -= static_cast<size_t>(got);
  }
}

}  // namespace

torch::Tensor read_idx(const std::string& path) {
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  if (!file) throw Error(path + ": cannot open (" + std::strerror(errno) + ")");
  unsigned char magic[4];
  read_exactly(file.get(), magic, 4, path, "header");
  if (magic[0] != 0 || magic[1] != 0) throw Error(path + ": not an IDX file (its first two bytes are not zero)");
  if (magic[2] != 0x08) {
    char type[8];
    std::snprintf(type, sizeof type, "0x%02x", magic[2]);
    throw Error(path + ": IDX elements of type " + type + "; only unsigned bytes (0x08) are read");
  }
  const int dims = magic[3];
  if (dims < 1 || dims > 4) throw Error(path + ": an IDX file of " + std::to_string(dims) + " dimensions; 1 to 4 are read");
  std::vector<int64_t> shape;
  int64_t elements = 1;
  for (int d = 0; d < dims; ++d) {
    unsigned char b[4];
    read_exactly(file.get(), b, 4, path, "header");
    const int64_t size = (int64_t{b[0]} << 24) | (int64_t{b[1]} << 16) | (int64_t{b[2]} << 8) | int64_t{b[3]};
    if (size < 1 || elements > (int64_t{1} << 34) / size) throw Error(path + ": dimension " + std::to_string(d + 1) + " of size " + std::to_string(size) + " is not plausible");
    shape.push_back(size);
    elements *= size;
  }
  // Read in chunks before allocating the whole: a header may promise more than the file holds.
  std::vector<uint8_t> bytes;
  constexpr int64_t kChunk = 1 << 20;
  while (static_cast<int64_t>(bytes.size()) < elements) {
    const size_t at = bytes.size();
    bytes.resize(at + static_cast<size_t>(std::min(kChunk, elements - static_cast<int64_t>(at))));
    read_exactly(file.get(), bytes.data() + at, bytes.size() - at, path, "elements");
  }
  auto out = torch::empty(shape, torch::kUInt8);
  std::copy(bytes.begin(), bytes.end(), out.data_ptr<uint8_t>());
  unsigned char extra;
  if (gzread(file.get(), &extra, 1) > 0) throw Error(path + ": longer than its header's dimensions say");
  return out;
}

}  // namespace armed
