#pragma once
// The loaders read files: each fuzz input is written to a scratch file of this process first.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace armed::fuzz {

inline std::string scratch_dir() {
  static const std::string dir = [] {
    const auto path = std::filesystem::temp_directory_path() / ("armed-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path.string();
  }();
  return dir;
}

inline std::string write_scratch(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace armed::fuzz
