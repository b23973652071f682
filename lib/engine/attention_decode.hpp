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

// Whether this CPU runs the decode kernel (AVX-512) for heads of head_dim (a multiple of 64);
// otherwise attention_forward keeps its tiled path for decode steps too.
bool attention_decode_supported(int64_t head_dim);

// q: [n_heads, head_dim] at `position`; out: [n_heads, head_dim]; row_max, row_sum: [n_heads].
void attention_decode(const AttentionParams& params, const KvCache& cache, int64_t layer,
                      int64_t position, const float* q, float* out, float* row_max, float* row_sum);

}  // namespace slkv
