// The PNG manifest behind `--image-column`: a manifest of two rows naming one image whose bytes
// are the input. Any bytes give images or an armed::Error.
#include <armed/data/images.h>
#include <armed/error.h>

#include "scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  armed::fuzz::write_scratch("image.png", data, size);
  const std::string manifest = "image,y,g\nimage.png,0,a\nimage.png,1,b\n";
  const std::string csv = armed::fuzz::write_scratch("manifest.csv", reinterpret_cast<const uint8_t*>(manifest.data()), manifest.size());
  armed::DataSpec spec;
  spec.target = "y";
  spec.cluster = "g";
  spec.task = "classification";
  try {
    armed::load_image_data(csv, {"", "image"}, spec);
  } catch (const armed::Error&) {
  }
  return 0;
}
