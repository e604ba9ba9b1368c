#pragma once
#include <string>

#include "armed/data/clustered_data.h"

namespace armed {

// Where the images of a CSV's rows are: one of the two.
struct ImageSource {
  std::string npy;           // .npy of N x H x W or N x H x W x C (uint8 or float32), row i = the CSV's row i
  std::string image_column;  // the CSV is a manifest: this column holds PNG paths, relative to the CSV's folder
};

// Loads images into x [N, C, H, W] float32 (uint8 and PNG values scaled to [0, 1], float32 kept)
// and the target, trials and cluster from the CSV as `spec` names them (its features are
// ignored). PNG: the stored samples of any bit depth divided by their maximum (no gamma
// conversion), gray as one channel, colour and palettes as RGB; an alpha channel or tRNS
// transparency is dropped, not composited, so transparent pixels keep their stored colour.
// Throws armed::Error for a missing or corrupt image (naming the row and path), images of
// differing size or channels, a row count that differs from the CSV's, non-finite values, no rows.
ClusteredData load_image_data(const std::string& csv, const ImageSource& images, const DataSpec& spec);

}  // namespace armed
