#pragma once
// KV compaction after selection: gather every plan head's kept K (or V) rows into one buffer
// with a per-head variable-length layout, CSR-like, as a varlen attention kernel reads it:
//
//   offsets [n_plan_heads + 1] rows: head h owns rows [offsets[h], offsets[h + 1]);
//   lengths [n_plan_heads]: rows in use; the rest of the head's range is slack for appends.
//   data    [offsets[n_plan_heads], head_dim] elements of elem_bytes bytes.
//
// Sources are NHD [T, n_kv_heads, head_dim] or HND [n_kv_heads, T, head_dim]. With query-head
// granularity plan head h reads KV head h / group (a KV head may be stored several times).
// Element type is opaque (fp32, fp16, bf16, ...): rows are copied as bytes.

#include <cstddef>
#include <cstdint>

#include "runtime/select_types.hpp"

namespace slkv::runtime {

struct CompactConfig {
  int64_t n_tokens = 0;  // T of the source
  int64_t n_kv_heads = 0;
  int64_t n_plan_heads = 0;  // n_kv_heads (kv granularity) or n_q_heads (query granularity)
  int64_t head_dim = 0;
  int64_t elem_bytes = 0;
  KvLayout layout = KvLayout::kNhd;

  int64_t group() const { return n_plan_heads / n_kv_heads; }  // 1 for kv granularity
  int64_t row_bytes() const { return head_dim * elem_bytes; }
};

// offsets[h + 1] = offsets[h] + n_kept[h] + slack_rows; lengths[h] = n_kept[h]. Returns the
// problem (nothing written) when an n_kept or slack_rows is negative or a sum overflows int64_t.
const char* compact_layout(const int32_t* n_kept, int64_t n_plan_heads, int64_t slack_rows,
                           int64_t* offsets, int32_t* lengths);

// Checks the caller's layout before anything is written through it: offsets[0] >= 0,
// non-decreasing offsets, 0 <= lengths[h] <= the head's reserved rows, and offsets[n] rows of
// row_bytes() bytes addressable. nullptr when valid, else the problem.
const char* compact_check_layout(const CompactConfig& cfg, const int64_t* offsets,
                                 const int32_t* lengths);

// Checks the config; nullptr when valid, else the problem.
const char* compact_check(const CompactConfig& cfg);

// Copies src rows kept[h, 0 .. lengths[h]) of each plan head to data rows offsets[h] + i.
// kept: [n_plan_heads, kept_stride] positions < T (checked; returns the problem or nullptr).
const char* compact_gather(const CompactConfig& cfg, const void* src, const int32_t* kept,
                           int64_t kept_stride, const int64_t* offsets, const int32_t* lengths,
                           void* data);

// Appends one decoded token's row for every plan head: rows [n_kv_heads, head_dim]. O(1) per
// head; refuses (nullptr otherwise) when any head has no slack left, before writing anything.
const char* compact_append(const CompactConfig& cfg, const void* rows, const int64_t* offsets,
                           int32_t* lengths, void* data);

}  // namespace slkv::runtime
