#pragma once
// Element types of the KV cache and the row conversions between them and f32. f16 is IEEE
// binary16, bf16 the upper half of an f32; both round to nearest even when stored and convert
// back to f32 exactly. Conversions use F16C/AVX2 where the CPU has it (chosen at run time) and
// a portable loop otherwise; both give the same bits (NaN payloads aside).

#include <cstdint>
#include <string_view>

namespace slkv {

enum class KvType : uint8_t { kF32, kF16, kBF16 };

// "f32", "f16", "bf16".
const char* kv_type_name(KvType type);
// Inverse of kv_type_name; throws slkv::Error naming the accepted values otherwise.
KvType parse_kv_type(std::string_view name);
// Bytes per element: 4 or 2.
int64_t kv_type_bytes(KvType type);

// f32 -> f16/bf16 (n elements). `type` must be kF16 or kBF16.
void kv_encode(KvType type, const float* src, uint16_t* dst, int64_t n);
// f16/bf16 -> f32 (n elements).
void kv_decode(KvType type, const uint16_t* src, float* dst, int64_t n);

// The portable conversions, always available (tests compare the dispatched ones with these).
void kv_encode_portable(KvType type, const float* src, uint16_t* dst, int64_t n);
void kv_decode_portable(KvType type, const uint16_t* src, float* dst, int64_t n);

}  // namespace slkv
