#pragma once
// A tensor inside a mapped checkpoint file (GGUF or safetensors): name, element type, shape
// and where its bytes are. The bytes are never copied; `data` points into the mapping.

#include <cstdint>
#include <string>
#include <vector>

#include "model/ggml_type.hpp"

namespace slkv {

struct TensorInfo {
  std::string name;  // GGUF naming (blk.N.attn_q.weight); HF names are mapped to it
  GgmlType type = GgmlType::F32;
  std::vector<int64_t> shape;  // PyTorch order, outermost first (GGUF ne[] reversed)
  uint64_t file_offset = 0;    // absolute byte offset in `file_path`
  uint64_t n_bytes = 0;
  const uint8_t* data = nullptr;  // into the file mapping, valid while the checkpoint lives
  std::string file_path;

  int64_t n_elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  // Elements per row = innermost dimension (contiguous, quant blocks run along it).
  int64_t row_elements() const { return shape.empty() ? 1 : shape.back(); }
  int64_t n_rows() const { return row_elements() ? n_elements() / row_elements() : 0; }
};

}  // namespace slkv
