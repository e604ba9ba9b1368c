#include "armed/data/images.h"

#include <png.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "armed/data/csv.h"
#include "armed/error.h"
#include "io/npy.h"

namespace armed {
namespace {

std::string shape_text(int64_t h, int64_t w, int64_t c) {
  return std::to_string(h) + "x" + std::to_string(w) + (c == 1 ? " gray" : " RGB");
}

torch::Tensor npy_images(const std::string& path, int64_t rows, const std::string& csv) {
  torch::Tensor a = read_npy(path);
  if (a.dim() != 3 && a.dim() != 4)
    throw Error(path + ": images must be N x H x W or N x H x W x C, not " + std::to_string(a.dim()) + "-dimensional");
  if (a.size(0) != rows)
    throw Error(path + " holds " + std::to_string(a.size(0)) + " images but " + csv + " has " + std::to_string(rows) + " rows");
  if (a.dim() == 3) a = a.unsqueeze(3);
  torch::Tensor x = a.scalar_type() == torch::kUInt8 ? a.to(torch::kFloat32) / 255.0 : a.to(torch::kFloat32);
  x = x.permute({0, 3, 1, 2}).contiguous();
  const auto finite = torch::isfinite(x).flatten(1).all(1);
  if (!finite.all().item<bool>())
    throw Error(path + ": image " + std::to_string(finite.logical_not().nonzero()[0][0].item<int64_t>()) +
                " (0-based) holds NaN or infinite values");
  return x;
}

// libpng reports errors by longjmp. The steps that may jump are member functions whose locals are
// all trivially destructible, so a jump skips no destructor; the reader owns the file and libpng's
// structures and frees them however reading ends.
class PngReader {
 public:
  explicit PngReader(const std::string& path) : file_(std::fopen(path.c_str(), "rb")) {
    if (!file_) std::snprintf(message_, sizeof message_, "%s", std::strerror(errno));
  }
  ~PngReader() {
    if (png_) png_destroy_read_struct(&png_, &info_, nullptr);
    if (file_) std::fclose(file_);
  }
  PngReader(const PngReader&) = delete;
  PngReader& operator=(const PngReader&) = delete;

  bool opened() const { return file_ != nullptr; }
  const char* message() const { return message_; }

  // Reads the header and asks libpng for gray or RGB samples of 8 or 16 bits as stored (no gamma
  // conversion): palettes expanded to RGB, gray below 8 bits widened, alpha and tRNS dropped.
  bool read_header() {
    png_ = png_create_read_struct(PNG_LIBPNG_VER_STRING, this, on_error, on_warning);
    if (png_) info_ = png_create_info_struct(png_);
    if (!info_) {
      std::snprintf(message_, sizeof message_, "out of memory");
      return false;
    }
    if (setjmp(png_jmpbuf(png_))) return false;
    png_init_io(png_, file_);
    png_read_info(png_, info_);
    png_set_expand(png_);
    png_set_strip_alpha(png_);
    png_set_interlace_handling(png_);
    png_read_update_info(png_, info_);
    height = png_get_image_height(png_, info_);
    width = png_get_image_width(png_, info_);
    channels = png_get_channels(png_, info_);
    bytes = png_get_bit_depth(png_, info_) / 8;
    return true;
  }

  bool read_rows(png_bytepp rows) {
    if (setjmp(png_jmpbuf(png_))) return false;
    png_read_image(png_, rows);
    png_read_end(png_, nullptr);
    return true;
  }

  int64_t height = 0, width = 0, channels = 0, bytes = 0;  // bytes per sample

 private:
  static void on_error(png_structp png, png_const_charp text) {
    auto* self = static_cast<PngReader*>(png_get_error_ptr(png));
    std::snprintf(self->message_, sizeof self->message_, "%s", text);
    png_longjmp(png, 1);
  }
  // Warnings (an odd colour profile, say) do not stop reading, and must not break the CLI's one-line errors.
  static void on_warning(png_structp, png_const_charp) {}

  std::FILE* file_;
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
  char message_[256] = "";
};

// One PNG as [C, H, W] in [0, 1]: its stored samples divided by 255 or, for 16 bits, by 65535.
torch::Tensor read_png(const std::string& path, const std::string& where) {
  PngReader reader(path);
  if (!reader.opened()) throw Error(where + ": cannot read image '" + path + "' (" + reader.message() + ")");
  if (!reader.read_header()) throw Error(where + ": corrupt image '" + path + "' (" + reader.message() + ")");
  const int64_t h = reader.height, w = reader.width, c = reader.channels, bytes = reader.bytes;
  auto pixels = torch::empty({h, w, c, bytes}, torch::kUInt8);
  std::vector<png_bytep> rows(h);
  for (int64_t r = 0; r < h; ++r) rows[r] = pixels[r].data_ptr<uint8_t>();
  if (!reader.read_rows(rows.data())) throw Error(where + ": corrupt image '" + path + "' (" + reader.message() + ")");
  const auto samples = pixels.to(torch::kFloat32);
  // PNG stores 16-bit samples big-endian.
  const auto values = bytes == 1 ? samples.select(3, 0) / 255.0 : (samples.select(3, 0) * 256 + samples.select(3, 1)) / 65535.0;
  return values.permute({2, 0, 1}).contiguous();
}

torch::Tensor png_images(const CsvTable& table, const std::string& column) {
  const size_t col = table.column(column);
  const auto folder = std::filesystem::path(table.path).parent_path();
  std::vector<torch::Tensor> images;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const std::string& cell = table.rows[r][col];
    if (cell.empty()) throw Error(table.where(r, col) + ": empty image path");
    const std::string path = std::filesystem::path(cell).is_absolute() ? cell : (folder / cell).string();
    torch::Tensor image = read_png(path, table.where(r, col));
    if (!images.empty() && image.sizes() != images[0].sizes())
      throw Error(table.where(r, col) + ": image '" + cell + "' is " + shape_text(image.size(1), image.size(2), image.size(0)) +
                  ", the first image is " + shape_text(images[0].size(1), images[0].size(2), images[0].size(0)) +
                  "; all images must have one size");
    images.push_back(image);
  }
  return torch::stack(images);
}

}  // namespace

ClusteredData load_image_data(const std::string& csv, const ImageSource& source, const DataSpec& spec) {
  if (source.npy.empty() && source.image_column.empty())
    throw Error(csv + ": no images given: name a .npy file (--images) or the CSV's column of PNG paths (--image-column)");
  if (!source.npy.empty() && !source.image_column.empty())
    throw Error("give the images either as --images FILE.npy or as --image-column COLUMN of a manifest, not both");
  const CsvTable table = read_csv(csv);
  ClusteredData data;
  read_target_and_clusters(table, spec, data);
  const auto rows = static_cast<int64_t>(table.rows.size());
  data.x = source.npy.empty() ? png_images(table, source.image_column) : npy_images(source.npy, rows, csv);
  return data;
}

}  // namespace armed
