// The CSV reader and the tabular loader behind `armed train --data`: any bytes give data or an
// armed::Error, never a crash. The first byte picks how the columns are read.
#include <armed/data/clustered_data.h>
#include <armed/error.h>

#include "scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  armed::DataSpec spec;
  spec.target = "y";
  spec.cluster = (data[0] & 1) ? "g" : "g,h";
  spec.task = (data[0] & 2) ? "classification" : (data[0] & 4) ? "count" : "regression";
  if (data[0] & 8) spec.trials = "n";
  if (data[0] & 16) spec.categorical = {"c"};
  spec.text_is_categorical = data[0] & 32;
  if (data[0] & 64) spec.exposure = "e";
  const std::string path = armed::fuzz::write_scratch("data.csv", data + 1, size - 1);
  try {
    const auto loaded = armed::load_clustered_csv(path, spec);
    if (loaded.rows() > 0) armed::check_trainable(loaded, spec.task);
  } catch (const armed::Error&) {
  }
  return 0;
}
