#pragma once
#include <torch/torch.h>

#include <string>

namespace armed {

// NumPy .npy arrays (format versions 1 to 3, C order, little-endian): uint8, float32 and float64
// are read into a tensor of the file's shape and type. Throws armed::Error naming the file for a
// missing file, a bad header, another dtype, Fortran order or a size that does not match.
torch::Tensor read_npy(const std::string& path);

// Writes a uint8 or float32 tensor (anything else as float32) as a version-1 .npy file, through a
// temporary file renamed into place.
void write_npy(const std::string& path, const torch::Tensor& t);

}  // namespace armed
