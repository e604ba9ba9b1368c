// The model directory loader behind `armed predict --model`: the input is config.json (first
// byte even) or weights.pt (odd) beside the other file of a valid model, whose directory
// ARMED_FUZZ_MODEL names (`make fuzz` trains it; its files are the seed corpus). Any bytes give a
// model or an armed::Error.
#include <armed/error.h>
#include <armed/model.h>

#include <cstdlib>
#include <iostream>

#include "scratch_file.h"

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::string& model_file(const std::string& name) {
  static std::map<std::string, std::string> files;
  auto it = files.find(name);
  if (it != files.end()) return it->second;
  const char* dir = std::getenv("ARMED_FUZZ_MODEL");
  if (!dir) {
    std::cerr << "model_dir_fuzz: set ARMED_FUZZ_MODEL to a model directory" << std::endl;
    std::abort();
  }
  return files[name] = read_file(std::string(dir) + "/" + name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool fuzz_config = data[0] % 2 == 0;
  const std::string dir = armed::fuzz::scratch_dir() + "/model";
  std::filesystem::create_directories(dir);
  const std::string other = model_file(fuzz_config ? "weights.pt" : "config.json");
  const auto* other_bytes = reinterpret_cast<const uint8_t*>(other.data());
  armed::fuzz::write_scratch(fuzz_config ? "model/config.json" : "model/weights.pt", data + 1, size - 1);
  armed::fuzz::write_scratch(fuzz_config ? "model/weights.pt" : "model/config.json", other_bytes, other.size());
  try {
    armed::MixedEffectsModel::load(dir);
  } catch (const armed::Error&) {
  }
  return 0;
}
