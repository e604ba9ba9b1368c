// The .npy reader behind `--images FILE.npy`: any bytes give a tensor or an armed::Error.
#include <armed/error.h>

#include "io/npy.h"
#include "scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = armed::fuzz::write_scratch("images.npy", data, size);
  try {
    armed::read_npy(path);
  } catch (const armed::Error&) {
  }
  return 0;
}
