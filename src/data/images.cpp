#include "armed/data/images.h"

#include <png.h>

#include <filesystem>

#include "armed/data/csv.h"
#include "armed/error.h"
#include "armed/io/npy.h"

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

// One PNG as [C, H, W] in [0, 1]: gray stays one channel, colour becomes RGB.
torch::Tensor read_png(const std::string& path, const std::string& where) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str()))
    throw Error(where + ": cannot read image '" + path + "' (" + image.message + ")");
  const bool color = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  image.format = color ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  const int64_t c = color ? 3 : 1, h = image.height, w = image.width;
  auto pixels = torch::empty({h, w, c}, torch::kUInt8);
  if (!png_image_finish_read(&image, nullptr, pixels.data_ptr<uint8_t>(), 0, nullptr)) {
    const std::string message = image.message;
    png_image_free(&image);
    throw Error(where + ": corrupt image '" + path + "' (" + message + ")");
  }
  return pixels.permute({2, 0, 1}).to(torch::kFloat32) / 255.0;
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
  if (source.npy.empty() == source.image_column.empty())
    throw Error("give the images either as --images FILE.npy or as --image-column COLUMN of a manifest, not both");
  const CsvTable table = read_csv(csv);
  ClusteredData data;
  data.source = csv;
  data.target_name = spec.target;
  data.cluster_name = spec.cluster;
  data.trials_name = spec.trials;
  read_target_and_clusters(table, spec, data);
  const auto rows = static_cast<int64_t>(table.rows.size());
  data.x = source.npy.empty() ? png_images(table, source.image_column) : npy_images(source.npy, rows, csv);
  return data;
}

}  // namespace armed
