// The IDX reader behind the Fashion-MNIST sites (gzip-compressed or plain): any bytes give a tensor or an armed::Error.
#include <armed/error.h>

#include "data/idx.h"
#include "scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = armed::fuzz::write_scratch("pictures-idx3-ubyte.gz", data, size);
  try {
    armed::read_idx(path);
  } catch (const armed::Error&) {
  }
  return 0;
}
