#pragma once
// Dequantization of GGUF tensor data to f32 (ggml block layouts, FORMATS.md section 2).
// Results are bit-identical to ggml / gguf-py's formulas evaluated in f32.

#include <cstdint>

#include "model/ggml_type.hpp"
#include "model/tensor_info.hpp"

namespace slkv {

// True when dequantize_* supports `type`.
bool dequant_supported(GgmlType type);

// Dequantizes `n_elements` consecutive elements starting at `src` (which must begin on a block
// boundary; n_elements must be a multiple of the type's block size). Throws slkv::Error for an
// unsupported type or a misaligned count. Single-threaded; safe to call from many threads.
void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n_elements);

// Dequantizes rows [row_begin, row_end) of `tensor` (rows run along the innermost dimension)
// into dst[(row - row_begin) * row_elements ...]. Multithreaded with OpenMP when it pays.
void dequantize_rows(const TensorInfo& tensor, int64_t row_begin, int64_t row_end, float* dst);

// Whole tensor, in PyTorch dimension order (row-major). dst holds tensor.n_elements() floats.
void dequantize_tensor(const TensorInfo& tensor, float* dst);

}  // namespace slkv
