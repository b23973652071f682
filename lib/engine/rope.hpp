#pragma once
// Rotary position embedding. Frequencies follow HF transformers' f32 arithmetic
// (inv_freq = 1 / base^(2i/n_rot) rounded to f32, angle = f32(pos) * inv_freq in f32), so long
// prompts stay within parity tolerances. Scaling: none, linear, llama3 (from the config or from
// a GGUF rope_freqs tensor); other scaling types are refused.

#include <cstdint>
#include <span>
#include <vector>

#include "model/model_config.hpp"

namespace slkv {

struct RopeParams {
  RopeStyle style = RopeStyle::kHalf;
  int64_t n_rot = 0;
  int64_t head_dim = 0;
  std::vector<float> inv_freq;  // [n_rot / 2], scaling already applied
};

// `freq_factors` ([n_rot/2], from a GGUF rope_freqs tensor) divides the frequencies when given;
// otherwise `scaling` applies (pass a default RopeScaling for unscaled layers).
RopeParams make_rope(RopeStyle style, int64_t n_rot, int64_t head_dim, double base,
                     const RopeScaling& scaling, std::span<const float> freq_factors);

// The cos/sin of every (token, frequency) of a batch: what apply_rope needs, computed once and
// shared by q and k and by every layer with the same frequencies (a prefill spent ~2% of its
// time in sincos recomputing them per layer).
struct RopeTable {
  std::vector<float> inv_freq;     // [n_rot / 2] the frequencies it was made for
  std::vector<int64_t> positions;  // [n_tokens]
  std::vector<float> cos, sin;     // [n_tokens, n_rot / 2]
  bool matches(const RopeParams& rope, std::span<const int64_t> positions) const;
};

// Fills `table` for (rope, positions); the values are those apply_rope computes.
void make_rope_table(const RopeParams& rope, std::span<const int64_t> positions, RopeTable& table);

// Rotates x in place: x [n_tokens, n_heads, head_dim], positions [n_tokens].
void apply_rope(const RopeParams& rope, std::span<const int64_t> positions, int64_t n_heads,
                float* x);
// Same with a table made by make_rope_table for `rope` and the batch's positions.
void apply_rope(const RopeParams& rope, const RopeTable& table, int64_t n_heads, float* x);

// Per-head RMS norms of the queries and keys (Gemma 3's q/k norms; null: none) with eps.
struct QkNorms {
  const float* q = nullptr;  // [head_dim]
  const float* k = nullptr;  // [head_dim]
  double eps = 0.0;
};

// A batch's queries q [n_tokens, n_heads, head_dim] and keys k [n_tokens, n_kv_heads, head_dim]
// normed per head (when `norms` has weights), then rotated: the same arithmetic as rms_norm and
// apply_rope on each in turn (the same bits), in one OpenMP region instead of up to four.
void norm_rope_qk(const RopeParams& rope, const RopeTable& table, const QkNorms& norms, float* q,
                  int64_t n_heads, float* k, int64_t n_kv_heads);
// The same tokens shared with an orphaned `omp for` (ops.hpp, TeamWork); `table` must be made
// for `rope` (unchecked: it must not throw).
void norm_rope_qk_team(const RopeParams& rope, const RopeTable& table, const QkNorms& norms,
                       float* q, int64_t n_heads, float* k, int64_t n_kv_heads);

}  // namespace slkv
