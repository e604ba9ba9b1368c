#pragma once
#include <torch/torch.h>

#include <string>

namespace armed {

// An IDX file (the MNIST family's format: a magic number naming the element type and the number
// of dimensions, the dimensions as big-endian 32-bit integers, then the elements), gzip-compressed
// or not, as a uint8 tensor of its dimensions. Only unsigned bytes, the type of every MNIST-style
// image and label file. Throws armed::Error naming the file.
torch::Tensor read_idx(const std::string& path);

}  // namespace armed
