#pragma once
// Per-type block decoders behind quant.hpp (FORMATS.md section 2). Internal to lib/model and
// the tests: no validation here; the caller has checked the type, the counts and the buffers.

#include <cstdint>

#include "model/ggml_type.hpp"

namespace slkv::detail {

// Exact IEEE binary16 -> binary32 (subnormals, infinities and NaN payloads preserved).
float half_to_float(uint16_t h);

// Decodes `n_blocks` consecutive blocks of `type` (for F32/F16/BF16 a block is one element).
// src: [n_blocks, block_bytes] bytes, dst: [n_blocks, block_elements] floats. Returns false
// for a type it does not decode (nothing written).
bool dequantize_blocks(GgmlType type, const uint8_t* src, float* dst, int64_t n_blocks);

}  // namespace slkv::detail
