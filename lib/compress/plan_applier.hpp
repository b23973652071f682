#pragma once
// Applies a budget plan to the engine's KV cache at the end of prefill, through libslkv_runtime's
// public C ABI only (slkv_plan_caps, slkv_plan_adaptive_caps, slkv_select, slkv_compact_layout,
// slkv_compact_gather), as any outside runtime would. The result is a new KvCache that really
// holds only the kept rows of every (layer, plan head) in the runtime's compacted layout, with
// `slack_rows` reserved per stream for decode appends. For a query-granularity plan each query
// head gets its own stream (its KV head's rows kept for it alone).

#include <cstdint>
#include <string>
#include <vector>

#include "compress/prefill_rows.hpp"
#include "engine/kv_cache.hpp"
#include "model/model_config.hpp"
#include "slkv/slkv.hpp"

namespace slkv::compress {

// The caller's model as the runtime checks it (arch, shape, fingerprint). The strings must
// outlive the returned struct.
slkv_model_desc model_desc(const ModelConfig& config, const std::string& fingerprint);

struct CompressedCache {
  KvCache cache;
  int64_t rows_full = 0;   // rows the uncompressed prompt cache holds: L * n_kv_heads * T
  int64_t rows_kept = 0;   // rows the compressed cache holds (query granularity: per query head)
  int64_t bytes_full = 0;  // K and V bytes of rows_full (at the cache's element size)
  int64_t bytes_kept = 0;  // K and V bytes of rows_kept (at the cache's element size)
  // [n_layers][n_plan_heads] kept prompt positions, ascending (filled when asked for).
  std::vector<std::vector<std::vector<int32_t>>> kept;
  double seconds = 0;  // caps + selection + compaction
};

// `full`: the cache right after prefilling a prompt of T = rows.n_tokens() tokens from position
// 0 (one stream per KV head holding positions 0..T-1). `rows`: the prefill's last rows, at
// least the plan's window of them. Throws slkv::RuntimeError with the runtime's message, or
// slkv::Error when the cache is not an uncompressed prompt cache.
CompressedCache apply_plan(const Plan& plan, const KvCache& full, const PrefillRows& rows,
                           int64_t slack_rows, bool record_kept = false);

}  // namespace slkv::compress
