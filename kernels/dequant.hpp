#pragma once
// GPU dequantization of ggml blocks to f32: the CUDA twin of model/quant.hpp, same types and
// same f32 operation order (no fused multiply-adds). Callers need no CUDA header: the stream
// crosses as void* and the result is a cudaError_t value as int.

#include <cstdint>

#include "model/ggml_type.hpp"

namespace slkv::cuda {

// True for the types dequantize() handles (the same set as slkv::dequant_supported).
bool dequant_supported(GgmlType type);

// Dequantizes n_elements elements of `type` from device memory d_src (whole blocks, starting
// on a block boundary) into device memory d_dst ([n_elements] f32), asynchronously on
// `stream` (a cudaStream_t; nullptr = default stream). Returns cudaSuccess (0), or
// cudaErrorInvalidValue for an unsupported type, a count that is not a non-negative multiple
// of the block size or a null pointer, or the launch error.
int dequantize(GgmlType type, const void* d_src, float* d_dst, int64_t n_elements, void* stream);

}  // namespace slkv::cuda
