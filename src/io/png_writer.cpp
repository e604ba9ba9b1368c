#include "io/png_writer.h"

#include <png.h>

#include <vector>

#include "armed/error.h"

namespace armed {
namespace {

void append(png_structp png, png_bytep data, png_size_t bytes) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), bytes);
}

void flush(png_structp) {}

// libpng reports errors by longjmp: the jumping steps sit alone in a function whose locals are all
// trivially destructible, so a jump skips no destructor.
bool write_image(png_structp png, png_infop info, png_bytepp rows, png_uint_32 width, png_uint_32 height, int color_type) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, width, height, 8, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

}  // namespace

std::string encode_png(const uint8_t* pixels, int64_t width, int64_t height, int channels) {
  if (width <= 0 || height <= 0 || (channels != 1 && channels != 3))
    throw Error("PNG: cannot encode a " + std::to_string(width) + " x " + std::to_string(height) + " image of " +
                std::to_string(channels) + " channels");
  std::string bytes;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    throw Error("PNG: libpng could not start an encoder (out of memory)");
  }
  png_set_write_fn(png, &bytes, append, flush);
  std::vector<png_bytep> rows(static_cast<size_t>(height));
  for (int64_t r = 0; r < height; ++r) rows[static_cast<size_t>(r)] = const_cast<png_bytep>(pixels + r * width * channels);
  const bool written = write_image(png, info, rows.data(), static_cast<png_uint_32>(width), static_cast<png_uint_32>(height),
                                   channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB);
  png_destroy_write_struct(&png, &info);
  if (!written) throw Error("PNG: libpng could not encode a " + std::to_string(width) + " x " + std::to_string(height) + " image");
  return bytes;
}

}  // namespace armed
