#pragma once
// Attention of one query token over the cache (a decode step). The visible keys of each stream
// are split into fixed chunks spread over the threads (split-K, as flash-decoding does); each
// chunk is scored for up to four query heads of its group in one pass over its rows, read
// straight from the cache (f32, f16 or bf16: no conversion buffer, no sgemm packing), and the
// chunks' softmax states are merged in chunk order. The chunking does not depend on the thread
// count, so the result does not either. Internal to lib/engine: attention_forward calls it for
// single-token batches, after checking the shapes.

#include <cstdint>

#include "engine/attention.hpp"
#include "engine/kv_cache.hpp"

namespace slkv {

// Whether this CPU runs a decode kernel for heads of head_dim: AVX-512 (head_dim a multiple of
// 64), else AVX2 + FMA + F16C (a multiple of 16); otherwise attention_forward keeps its tiled
// path for decode steps too.
bool attention_decode_supported(int64_t head_dim);

// q: [n_heads, head_dim] at `position`; out: [n_heads, head_dim]; row_max, row_sum: [n_heads].
void attention_decode(const AttentionParams& params, const KvCache& cache, int64_t layer,
                      int64_t position, const float* q, float* out, float* row_max, float* row_sum);

namespace detail {  // for the tests

enum class DecodeIsa { kNone, kAvx2, kAvx512 };  // ordered: each includes the ones before
bool decode_isa_supported(DecodeIsa isa, int64_t head_dim);  // kNone: the tiled path, always
DecodeIsa decode_isa(int64_t head_dim);                      // the kernel decode steps use
// Caps the kernels decode steps may use (kNone: the tiled path); returns the previous cap. For
// tests only: not synchronised with running attention.
DecodeIsa set_decode_isa_limit(DecodeIsa limit);

}  // namespace detail

}  // namespace slkv
