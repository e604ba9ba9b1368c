#pragma once
#include <cstdint>
#include <string>

namespace armed {

// The bytes of a PNG file of an 8-bit image, rows top to bottom, each pixel's `channels` samples
// together (1: gray, 3: RGB). Throws armed::Error when libpng cannot encode it.
std::string encode_png(const uint8_t* pixels, int64_t width, int64_t height, int channels);

}  // namespace armed
