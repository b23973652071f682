#pragma once
// Dequantization of GGUF tensor data to f32 (ggml block layouts, FORMATS.md section 2) for
// F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K and Q6_K. Results are
// bit-identical to gguf-py's dequantize (its formulas evaluated in f32, no fused multiply-add);
// the one freedom IEEE 754 leaves, which input NaN's payload a + b returns when both are NaN
// (a block whose d and m are both NaN/inf), is not pinned. Other types throw slkv::Error.

#include <cstdint>

#include "model/ggml_type.hpp"
#include "model/tensor_info.hpp"

namespace slkv {

// dequant_supported(type) (ggml_type.hpp) says which types dequantize_* handles.

// Dequantizes `n_elements` consecutive elements starting at `src` (which must begin on a block
// boundary; n_elements must be a multiple of the type's block size). Throws slkv::Error for an
// unsupported type or a misaligned count. Single-threaded; safe to call from many threads.
void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n_elements);

// Dequantizes rows [row_begin, row_end) of `tensor` (rows run along the innermost dimension)
// into dst[(row - row_begin) * row_elements ...]. Multithreaded with OpenMP when it pays.
// Validates first (type, shape overflow, row alignment to the block size, n_bytes against
// shape and type, row range) and throws slkv::Error naming the tensor, file and offset.
void dequantize_rows(const TensorInfo& tensor, int64_t row_begin, int64_t row_end, float* dst);

// Whole tensor, in PyTorch dimension order (row-major). dst holds tensor.n_elements() floats.
void dequantize_tensor(const TensorInfo& tensor, float* dst);

}  // namespace slkv
