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
// Q4_0, Q4_1, Q5_0, Q8_0, Q4_K and Q6_K go through AVX2 + F16C decoders where the CPU has
// them (GCC builds), with the same bits as the portable ones.
bool dequantize_blocks(GgmlType type, const uint8_t* src, float* dst, int64_t n_blocks);

// Whether dequantize_blocks decodes `type` with its AVX2 decoder here and now.
bool dequant_uses_avx2(GgmlType type);

// Limits dequantize_blocks to the portable decoders (true) or lets it use the AVX2 ones where
// the CPU has them (false, the default); returns the previous setting. For tests and
// benchmarks: not synchronised with running decodes.
bool set_dequant_portable_only(bool portable_only);

}  // namespace slkv::detail
