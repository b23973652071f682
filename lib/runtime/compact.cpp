#include "runtime/compact.hpp"

#include <cstdint>
#include <cstring>

namespace slkv::runtime {

const char* compact_layout(const int32_t* n_kept, int64_t n_plan_heads, int64_t slack_rows,
                           int64_t* offsets, int32_t* lengths) {
  if (n_plan_heads <= 0 || slack_rows < 0) return "n_plan_heads <= 0 or slack_rows < 0";
  int64_t end = 0;
  for (int64_t h = 0; h < n_plan_heads; ++h) {
    if (n_kept[h] < 0) return "negative n_kept";
    if (__builtin_add_overflow(end, int64_t{n_kept[h]}, &end) ||
        __builtin_add_overflow(end, slack_rows, &end))
      return "the row offsets overflow int64_t (n_kept or slack_rows too large)";
  }
  offsets[0] = 0;
  for (int64_t h = 0; h < n_plan_heads; ++h) {
    lengths[h] = n_kept[h];
    offsets[h + 1] = offsets[h] + n_kept[h] + slack_rows;
  }
  return nullptr;
}

const char* compact_check_layout(const CompactConfig& cfg, const int64_t* offsets,
                                 const int32_t* lengths) {
  if (offsets[0] < 0) return "offsets[0] is negative";
  for (int64_t h = 0; h < cfg.n_plan_heads; ++h) {
    if (offsets[h + 1] < offsets[h]) return "offsets decrease (a head's row range is negative)";
    if (lengths[h] < 0) return "a head's length is negative";
    if (lengths[h] > offsets[h + 1] - offsets[h]) return "a head's length exceeds its rows";
  }
  int64_t bytes = 0;
  if (__builtin_mul_overflow(cfg.head_dim, cfg.elem_bytes, &bytes) ||
      __builtin_mul_overflow(offsets[cfg.n_plan_heads], bytes, &bytes) ||
      static_cast<uint64_t>(bytes) > SIZE_MAX)
    return "the buffer size (offsets[n_plan_heads] rows) overflows";
  return nullptr;
}

const char* compact_check(const CompactConfig& cfg) {
  if (cfg.n_tokens < 0) return "prompt length must be >= 0";
  if (cfg.n_kv_heads <= 0 || cfg.n_plan_heads <= 0) return "head counts must be positive";
  if (cfg.n_plan_heads % cfg.n_kv_heads != 0)
    return "n_plan_heads must be a multiple of n_kv_heads";
  if (cfg.head_dim <= 0 || cfg.elem_bytes <= 0) return "head_dim and elem_bytes must be > 0";
  return nullptr;
}

const char* compact_gather(const CompactConfig& cfg, const void* src, const int32_t* kept,
                           int64_t kept_stride, const int64_t* offsets, const int32_t* lengths,
                           void* data) {
  const auto row = static_cast<size_t>(cfg.row_bytes());
  const auto* in = static_cast<const unsigned char*>(src);
  auto* out = static_cast<unsigned char*>(data);
  const int64_t group = cfg.group();
  if (const char* problem = compact_check_layout(cfg, offsets, lengths)) return problem;
  if (kept_stride < 0) return "kept_stride is negative";
  for (int64_t h = 0; h < cfg.n_plan_heads; ++h) {
    if (lengths[h] > kept_stride) return "a head's length exceeds its kept list (kept_stride)";
    const int32_t* pos = kept + h * kept_stride;
    for (int32_t i = 0; i < lengths[h]; ++i) {
      if (pos[i] < 0 || pos[i] >= cfg.n_tokens) return "a kept position is outside the prompt";
    }
  }
  for (int64_t h = 0; h < cfg.n_plan_heads; ++h) {
    const int64_t kvh = h / group;
    const int32_t* pos = kept + h * kept_stride;
    unsigned char* dst = out + static_cast<size_t>(offsets[h]) * row;
    if (cfg.layout == KvLayout::kNhd) {
      for (int32_t i = 0; i < lengths[h]; ++i) {
        std::memcpy(dst + i * row, in + (static_cast<size_t>(pos[i]) * cfg.n_kv_heads + kvh) * row,
                    row);
      }
    } else {
      const unsigned char* head = in + static_cast<size_t>(kvh) * cfg.n_tokens * row;
      // Runs of consecutive positions (the window, dense regions) become one copy.
      for (int32_t i = 0; i < lengths[h];) {
        int32_t j = i + 1;
        while (j < lengths[h] && pos[j] == pos[j - 1] + 1) ++j;
        std::memcpy(dst + i * row, head + static_cast<size_t>(pos[i]) * row,
                    static_cast<size_t>(j - i) * row);
        i = j;
      }
    }
  }
  return nullptr;
}

const char* compact_append(const CompactConfig& cfg, const void* rows, const int64_t* offsets,
                           int32_t* lengths, void* data) {
  const auto row = static_cast<size_t>(cfg.row_bytes());
  if (const char* problem = compact_check_layout(cfg, offsets, lengths)) return problem;
  for (int64_t h = 0; h < cfg.n_plan_heads; ++h) {
    if (lengths[h] >= offsets[h + 1] - offsets[h]) return "a head has no reserved row left";
  }
  const auto* in = static_cast<const unsigned char*>(rows);
  auto* out = static_cast<unsigned char*>(data);
  const int64_t group = cfg.group();
  for (int64_t h = 0; h < cfg.n_plan_heads; ++h) {
    std::memcpy(out + static_cast<size_t>(offsets[h] + lengths[h]) * row,
                in + static_cast<size_t>(h / group) * row, row);
    ++lengths[h];
  }
  return nullptr;
}

}  // namespace slkv::runtime
