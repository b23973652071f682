#include "engine/attention.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "engine/attention_decode.hpp"
#include "engine/attention_tile.hpp"
#include "engine/ops.hpp"
#include "engine/softmax_exp.hpp"

namespace slkv {
namespace {

constexpr int64_t kBlockQ = 64;
constexpr int64_t kBlockK = 256;  // a multiple of kKeyPanel
constexpr int64_t kTileMinTokens = 16;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

bool visible(int64_t query_pos, int64_t key_pos, int64_t window) {
  return key_pos <= query_pos && (window == 0 || query_pos - key_pos < window);
}

// Scores of tap rows are recomputed with a plain dot product; they can differ from the tile
// sgemm's in the last bits, which moves probabilities by ~1e-7 relative.
float dot(const float* a, const float* b, int64_t n) {
  float s = 0.0f;
  for (int64_t d = 0; d < n; ++d) s += a[d] * b[d];
  return s;
}

// A tile holds the queries of one stream's `group` heads for up to kBlockQ tokens, stacked as
// rows r = gh * nq + i (head gh of the group, token t0 + i), so each key/value block is
// multiplied once for the whole group (one sgemm with group * nq rows, not one per head).
struct Tile {
  std::vector<float> kf, vf;  // [kBlockK, head_dim] a half cache's key/value block in f32
  std::vector<float> qs;      // [group * kBlockQ, head_dim] the stacked queries (group > 1)
  std::vector<float> s;       // [group * kBlockQ, kBlockK] scores
  std::vector<float> acc;     // [group * kBlockQ, head_dim]
  std::vector<float> m, l;    // [group * kBlockQ]
  std::vector<float> qp;      // the tile kernels' packed queries (AVX2)
};

}  // namespace

void attention_forward(const AttentionParams& p, const KvCache& cache, int64_t layer,
                       std::span<const int64_t> positions, const float* q, float* out,
                       float* row_max, float* row_sum) {
  const int64_t n_tokens = static_cast<int64_t>(positions.size());
  const int64_t hd = p.head_dim;
  // One stream per KV head, or per query head after a query-granularity plan: query head h
  // reads stream h / group either way.
  const int64_t n_streams = cache.n_streams(layer);
  const int64_t group = p.n_heads / n_streams;
  SLKV_CHECK(group * n_streams == p.n_heads && cache.head_dim() == hd &&
                 cache.n_kv_heads() == p.n_kv_heads,
             "attention shapes");
  if (n_tokens == 1 && attention_decode_supported(hd)) {  // a decode step: split-K
    attention_decode(p, cache, layer, positions[0], q, out, row_max, row_sum);
    return;
  }
  const int64_t n_qblocks = (n_tokens + kBlockQ - 1) / kBlockQ;
  const int64_t n_tasks = n_streams * n_qblocks;
  use_single_threaded_blas();  // sgemm is called from inside the OpenMP team
  // The tile kernels (AVX-512 or AVX2) read every stream's keys as 32-key panels, packed here once
  // for all query blocks (worth it from a few query rows per key on; shorter batches use sgemm).
  // Under a sliding window only the key blocks some query of the batch can see are packed:
  // stream g's panels start at key index skip[g], a multiple of kBlockK.
  const bool tiles = n_tokens >= kTileMinTokens && attention_tile_supported(hd);
  // The AVX2 kernels read the values as 16-dimension slices: packed (and widened from a half
  // cache) in the same pass as the keys, at the same offsets, not once per query block.
  const bool value_slices = tiles && tile_values_as_slices(hd);
  thread_local std::vector<float> panels, vslices;
  std::vector<int64_t> panel_offset(static_cast<size_t>(n_streams) + 1, 0);
  std::vector<int64_t> skip(static_cast<size_t>(n_streams), 0);
  int64_t pack_blocks = 0;  // key blocks per stream to pack (0 without tiles)
  if (tiles) {
    const int64_t batch_q_min = *std::min_element(positions.begin(), positions.end());
    for (int64_t g = 0; g < n_streams; ++g) {
      const KvStream st = cache.stream(layer, g);
      if (p.window > 0) {
        const int64_t first_visible =
            std::lower_bound(st.positions, st.positions + st.length, batch_q_min - p.window + 1) -
            st.positions;
        skip[static_cast<size_t>(g)] = first_visible / kBlockK * kBlockK;
      }
      const int64_t n_packed = st.length - skip[static_cast<size_t>(g)];
      panel_offset[static_cast<size_t>(g) + 1] =
          panel_offset[static_cast<size_t>(g)] + key_panels_size(n_packed, hd);
      pack_blocks = std::max(pack_blocks, (n_packed + kBlockK - 1) / kBlockK);
    }
    if (static_cast<int64_t>(panels.size()) < panel_offset.back()) {
      panels.resize(static_cast<size_t>(panel_offset.back()));
    }
    if (value_slices && static_cast<int64_t>(vslices.size()) < panel_offset.back()) {
      vslices.resize(static_cast<size_t>(panel_offset.back()));
    }
  }
  float* const panel_base = panels.data();
  float* const vslice_base = vslices.data();

  // One OpenMP region for the packing and the tiles (each region's start wakes a sleeping
  // thread): the packing loop's barrier orders them.
#pragma omp parallel
  {
    if (pack_blocks > 0) {  // the same on every thread
#pragma omp for collapse(2) schedule(dynamic)
      for (int64_t g = 0; g < n_streams; ++g) {
        for (int64_t b = 0; b < pack_blocks; ++b) {
          const KvStream st = cache.stream(layer, g);
          const int64_t first = skip[static_cast<size_t>(g)] + b * kBlockK;
          if (first >= st.length) continue;
          const int64_t n = std::min(kBlockK, st.length - first);
          const int64_t offset = panel_offset[static_cast<size_t>(g)] + b * kBlockK * hd;
          pack_key_panels(st, first, n, hd, panel_base + offset);
          if (value_slices) pack_value_slices(st, first, n, hd, vslice_base + offset);
        }
      }
    }
    Tile tile;
    tile.s.resize(static_cast<size_t>(group * kBlockQ * kBlockK));
    tile.acc.resize(static_cast<size_t>(group * kBlockQ * hd));
    if (group > 1) tile.qs.resize(static_cast<size_t>(group * kBlockQ * hd));
    tile.m.resize(static_cast<size_t>(group * kBlockQ));
    tile.l.resize(static_cast<size_t>(group * kBlockQ));
    if (cache.type() != KvType::kF32 && !value_slices) {
      tile.kf.resize(static_cast<size_t>(kBlockK * hd));
      tile.vf.resize(static_cast<size_t>(kBlockK * hd));
    }
#pragma omp for schedule(dynamic) nowait  // the region's end joins the threads
    for (int64_t task = 0; task < n_tasks; ++task) {
      // Last query blocks first: under causal masking they see the most keys, and handing the
      // largest tasks out first balances the threads (one stream, eight blocks: 20 against 16
      // block-units of work in prompt order, 18 and 18 in this one).
      const int64_t order = n_tasks - 1 - task;
      const int64_t g = order / n_qblocks;
      const int64_t t0 = (order % n_qblocks) * kBlockQ;
      const int64_t nq = std::min(kBlockQ, n_tokens - t0);
      const KvStream st = cache.stream(layer, g);
      int64_t q_min = positions[static_cast<size_t>(t0)], q_max = q_min;
      for (int64_t i = 0; i < nq; ++i) {
        q_min = std::min(q_min, positions[static_cast<size_t>(t0 + i)]);
        q_max = std::max(q_max, positions[static_cast<size_t>(t0 + i)]);
      }
      const int64_t rows = group * nq;
      // Queries as a [rows, hd] matrix with leading dimension q_ld.
      const float* qt = q + (t0 * p.n_heads + g * group) * hd;
      int64_t q_ld = p.n_heads * hd;
      if (group > 1) {
        for (int64_t gh = 0; gh < group; ++gh) {
          for (int64_t i = 0; i < nq; ++i) {
            const float* src = q + ((t0 + i) * p.n_heads + g * group + gh) * hd;
            std::copy(src, src + hd, &tile.qs[static_cast<size_t>((gh * nq + i) * hd)]);
          }
        }
        qt = tile.qs.data();
        q_ld = hd;
      }
      const TileQueries tq =
          tiles ? prepare_tile_queries(qt, q_ld, rows, hd, tile.qp) : TileQueries{};
      std::fill(tile.acc.begin(), tile.acc.end(), 0.0f);
      std::fill(tile.m.begin(), tile.m.end(), kNegInf);
      std::fill(tile.l.begin(), tile.l.end(), 0.0f);

      for (int64_t jb = 0; jb < st.length; jb += kBlockK) {
        int64_t j0 = jb;
        int64_t nk_all = std::min(kBlockK, st.length - jb);
        const int64_t* kpos = st.positions + j0;
        if (kpos[0] > q_max) break;  // positions ascend: every later key is in the future
        if (p.window > 0 && q_min - kpos[nk_all - 1] >= p.window) continue;
        if (p.window > 0 && q_min - kpos[0] >= p.window) {
          // The block starts before the earliest query's window: start at the first key some
          // query sees, rounded down to a whole key panel (a sliding window of 512 over 256-key
          // blocks otherwise computes about a quarter more scores than any query keeps).
          const int64_t first = std::upper_bound(kpos, kpos + nk_all, q_min - p.window) - kpos;
          const int64_t skip_keys = first / kKeyPanel * kKeyPanel;
          j0 += skip_keys;
          nk_all -= skip_keys;
          kpos += skip_keys;
        }
        // Keys after the last query are invisible to the whole tile: leave them out of the
        // products (the diagonal tile of a causal prefill).
        const int64_t nk = std::upper_bound(kpos, kpos + nk_all, q_max) - kpos;
        // Every (query, key) pair visible: no per-element mask.
        const bool all_visible =
            kpos[nk - 1] <= q_min && (p.window == 0 || q_max - kpos[0] < p.window);
        const float* kb = st.keys + j0 * hd;             // [nk, hd]
        const float* vb = st.values + j0 * hd;           // [nk, hd]
        if (st.type != KvType::kF32 && !value_slices) {  // once per block, for the group's heads
          if (!tiles) kv_decode(st.type, st.keys16 + j0 * hd, tile.kf.data(), nk * hd);
          kv_decode(st.type, st.values16 + j0 * hd, tile.vf.data(), nk * hd);
          kb = tile.kf.data();
          vb = tile.vf.data();
        }
        // s[r, j] = scale * q[r] . k[j0 + j] for the group's stacked query rows.
        if (tiles) {
          // Blocks before skip[g] are out of every query's window (skipped above).
          SLKV_CHECK(j0 >= skip[static_cast<size_t>(g)], "attention: key block not packed");
          tile_scores(tq,
                      panel_base + panel_offset[static_cast<size_t>(g)] +
                          (j0 - skip[static_cast<size_t>(g)]) * hd,
                      nk, hd, p.scale, tile.s.data(), kBlockK);
        } else {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows),
                      static_cast<int>(nk), static_cast<int>(hd), p.scale, qt,
                      static_cast<int>(q_ld), kb, static_cast<int>(hd), 0.0f, tile.s.data(),
                      static_cast<int>(kBlockK));
        }
        for (int64_t r = 0; r < rows; ++r) {
          const int64_t qpos = positions[static_cast<size_t>(t0 + r % nq)];
          float* si = &tile.s[static_cast<size_t>(r * kBlockK)];
          if (!all_visible) {
            // Stream positions strictly ascend, so the keys this query sees are one run
            // [lo, hi): those after qpos - window and not after qpos.
            const int64_t lo =
                p.window > 0 ? std::upper_bound(kpos, kpos + nk, qpos - p.window) - kpos : 0;
            const int64_t hi = std::max(lo, std::upper_bound(kpos, kpos + nk, qpos) - kpos);
            std::fill(si, si + lo, kNegInf);
            std::fill(si + hi, si + nk, kNegInf);
          }
          const float block_max = softmax_row_max(si, nk);
          float& m = tile.m[static_cast<size_t>(r)];
          float& l = tile.l[static_cast<size_t>(r)];
          if (block_max == kNegInf) {  // nothing visible in this block: contributes nothing
            std::fill(si, si + nk, 0.0f);
            continue;
          }
          const float m_new = std::max(m, block_max);
          const float correction = std::exp(m - m_new);  // 0 on the first visible block
          if (correction != 1.0f) {  // the row's maximum rose (a multiply by 1 changes nothing)
            l *= correction;
            float* acc_r = &tile.acc[static_cast<size_t>(r * hd)];
            for (int64_t d = 0; d < hd; ++d) acc_r[d] *= correction;
          }
          l += exp_shift_sum(si, nk, m_new);
          m = m_new;
        }
        // acc[r, :] += sum_j e[r, j] * v[j, :]
        if (value_slices) {
          // Block (jb - skip[g]) / kBlockK of the stream's slices, its keys rounded up to a
          // panel; this block's products start at key j0 - jb of it.
          const int64_t packed_offset = jb - skip[static_cast<size_t>(g)];
          const int64_t n_pad =
              (std::min(kBlockK, st.length - jb) + kKeyPanel - 1) / kKeyPanel * kKeyPanel;
          tile_accumulate_slices(tile.s.data(), kBlockK, rows,
                                 vslice_base + panel_offset[static_cast<size_t>(g)] +
                                     packed_offset * hd + (j0 - jb) * 16,
                                 n_pad * 16, nk, hd, tile.acc.data());
        } else if (tiles) {
          tile_accumulate(tile.s.data(), kBlockK, rows, vb, nk, hd, tile.acc.data());
        } else {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows),
                      static_cast<int>(hd), static_cast<int>(nk), 1.0f, tile.s.data(),
                      static_cast<int>(kBlockK), vb, static_cast<int>(hd), 1.0f, tile.acc.data(),
                      static_cast<int>(hd));
        }
      }
      for (int64_t gh = 0; gh < group; ++gh) {
        const int64_t h = g * group + gh;
        for (int64_t i = 0; i < nq; ++i) {
          const float m = tile.m[static_cast<size_t>(gh * nq + i)];
          const float l = tile.l[static_cast<size_t>(gh * nq + i)];
          const float* acc = &tile.acc[static_cast<size_t>((gh * nq + i) * hd)];
          float* o = out + ((t0 + i) * p.n_heads + h) * hd;
          // A query that sees no key (possible only after keep() drops them all) outputs 0.
          const float inv = l > 0.0f ? 1.0f / l : 0.0f;
          for (int64_t d = 0; d < hd; ++d) o[d] = acc[d] * inv;
          row_max[h * n_tokens + t0 + i] = m;
          row_sum[h * n_tokens + t0 + i] = l;
        }
      }
    }
  }
}

void attention_rows(const AttentionParams& p, const KvCache& cache, int64_t layer,
                    std::span<const int64_t> positions, const float* q, const float* row_max,
                    const float* row_sum, std::span<const int64_t> rows, int64_t max_keys,
                    float* probs) {
  const int64_t n_tokens = static_cast<int64_t>(positions.size());
  const int64_t n_rows = static_cast<int64_t>(rows.size());
  const int64_t hd = p.head_dim;
  const int64_t group = p.n_heads / cache.n_streams(layer);
#pragma omp parallel
  {
    std::vector<float> key(static_cast<size_t>(hd));  // [hd] one key row in f32
#pragma omp for collapse(2) schedule(dynamic)
    for (int64_t h = 0; h < p.n_heads; ++h) {
      for (int64_t r = 0; r < n_rows; ++r) {
        const int64_t t = rows[static_cast<size_t>(r)];
        const KvStream st = cache.stream(layer, h / group);
        const int64_t qpos = positions[static_cast<size_t>(t)];
        const float* qi = q + (t * p.n_heads + h) * hd;
        const float m = row_max[h * n_tokens + t];
        const float l = row_sum[h * n_tokens + t];
        float* dst = probs + (h * n_rows + r) * max_keys;
        std::fill(dst, dst + max_keys, 0.0f);
        if (l <= 0.0f) continue;
        for (int64_t j = 0; j < st.length; ++j) {
          const int64_t kpos = st.positions[j];
          if (kpos > qpos) break;
          if (!visible(qpos, kpos, p.window)) continue;
          st.key_row(j, hd, key.data());
          const float s = p.scale * dot(qi, key.data(), hd);
          dst[j] = std::exp(s - m) / l;
        }
      }
    }
  }
}

}  // namespace slkv
