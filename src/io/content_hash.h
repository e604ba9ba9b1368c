#pragma once
// A 64-bit FNV-1a hash of bytes, as 16 hex digits: model and checkpoint files record their
// weights' hash, so that a damaged file is refused before LibTorch's deserializer reads it.
#include <cstdint>
#include <cstdio>
#include <string>

namespace armed {

class ContentHash {
 public:
  void add(const void* data, size_t bytes) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < bytes; ++i) value_ = (value_ ^ p[i]) * 1099511628211ull;
  }
  void add(const std::string& s) { add(s.data(), s.size()); }
  std::string hex() const {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value_));
    return text;
  }

 private:
  uint64_t value_ = 14695981039346656037ull;
};

inline std::string content_hash(const std::string& bytes) {
  ContentHash h;
  h.add(bytes);
  return h.hex();
}

}  // namespace armed
