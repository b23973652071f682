#include "compress/prefill_rows.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"

namespace slkv::compress {

PrefillRows::PrefillRows(int64_t n_layers, int64_t n_heads, int64_t n_tokens, int64_t n_rows)
    : n_layers_(n_layers),
      n_heads_(n_heads),
      n_tokens_(n_tokens),
      n_rows_(std::clamp<int64_t>(n_rows, 0, n_tokens)) {
  SLKV_CHECK(n_layers > 0 && n_heads > 0 && n_tokens > 0, "PrefillRows shape");
  rows_.resize(static_cast<size_t>(n_layers));
  for (auto& r : rows_) r.assign(static_cast<size_t>(n_heads_ * n_rows_ * n_tokens_), 0.0f);
  seen_.assign(static_cast<size_t>(n_layers), 0);
}

std::vector<int64_t> PrefillRows::select_rows(int64_t layer,
                                              std::span<const int64_t> batch_positions) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < batch_positions.size(); ++i) {
    const int64_t pos = batch_positions[i];
    if (pos >= n_tokens_ - n_rows_ && pos < n_tokens_) out.push_back(static_cast<int64_t>(i));
  }
  return out;
}

void PrefillRows::on_attention(const AttentionRows& rows) {
  SLKV_CHECK(rows.layer >= 0 && rows.layer < n_layers_ && rows.n_heads == n_heads_,
             "PrefillRows: unexpected layer or head count");
  std::vector<float>& dst = rows_[static_cast<size_t>(rows.layer)];
  const int64_t first = n_tokens_ - n_rows_;
  for (int64_t r = 0; r < rows.n_rows(); ++r) {
    const int64_t slot = rows.query_positions[static_cast<size_t>(r)] - first;
    for (int64_t h = 0; h < n_heads_; ++h) {
      const auto keys = rows.key_positions[static_cast<size_t>(rows.kv_head_of(h))];
      const std::span<const float> p = rows.row(h, r);
      float* out = &dst[static_cast<size_t>((h * n_rows_ + slot) * n_tokens_)];
      for (size_t j = 0; j < keys.size(); ++j) {
        SLKV_CHECK(keys[j] >= 0 && keys[j] < n_tokens_,
                   "PrefillRows: a key position is outside the prompt");
        out[keys[j]] = p[j];
      }
    }
  }
  seen_[static_cast<size_t>(rows.layer)] += rows.n_rows();
}

bool PrefillRows::complete() const {
  return std::all_of(seen_.begin(), seen_.end(), [&](int64_t s) { return s == n_rows_; });
}

std::span<const float> PrefillRows::layer(int64_t layer) const {
  SLKV_CHECK(layer >= 0 && layer < n_layers_, "PrefillRows: layer index");
  return rows_[static_cast<size_t>(layer)];
}

void PrefillRows::last_rows(int64_t layer, int64_t rows, std::vector<float>& out) const {
  SLKV_CHECK(rows >= 1 && rows <= n_rows_, "PrefillRows: more rows asked than captured");
  const std::span<const float> all = this->layer(layer);
  out.resize(static_cast<size_t>(n_heads_ * rows * n_tokens_));
  for (int64_t h = 0; h < n_heads_; ++h) {
    std::memcpy(&out[static_cast<size_t>(h * rows * n_tokens_)],
                &all[static_cast<size_t>((h * n_rows_ + (n_rows_ - rows)) * n_tokens_)],
                sizeof(float) * static_cast<size_t>(rows * n_tokens_));
  }
}

}  // namespace slkv::compress
