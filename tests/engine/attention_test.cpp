#include "engine/attention.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "engine/attention_decode.hpp"
#include "engine/attention_tile.hpp"

// Weak: a non-OpenBLAS BLAS still links (the OpenBLAS test then skips).
extern "C" void openblas_set_num_threads(int) __attribute__((weak));
extern "C" int openblas_get_num_threads() __attribute__((weak));

namespace slkv {
namespace {

using detail::DecodeIsa;
using detail::TileIsa;

// Every kernel family of one kind this CPU has for head_dim, best first (kNone: the decode's
// tiled path, or the prefill's sgemm products). Isa is DecodeIsa or TileIsa.
template <typename Isa>
std::vector<Isa> supported_isas(bool (*supported)(Isa, int64_t), int64_t head_dim) {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2, Isa::kNone})
    if (supported(isa, head_dim)) out.push_back(isa);
  return out;
}
std::vector<DecodeIsa> decode_isas(int64_t head_dim) {
  return supported_isas(&detail::decode_isa_supported, head_dim);
}
std::vector<TileIsa> tile_isas(int64_t head_dim) {
  return supported_isas(&detail::tile_isa_supported, head_dim);
}

// Caps one kernel family for one scope (`set` returns the previous cap).
template <typename Isa, Isa (*set)(Isa)>
class IsaCap {
 public:
  explicit IsaCap(Isa isa) : saved_(set(isa)) {}
  ~IsaCap() { set(saved_); }
  IsaCap(const IsaCap&) = delete;
  IsaCap& operator=(const IsaCap&) = delete;

 private:
  Isa saved_;
};
using DecodeIsaCap = IsaCap<DecodeIsa, &detail::set_decode_isa_limit>;
using TileIsaCap = IsaCap<TileIsa, &detail::set_tile_isa_limit>;

struct Case {
  int64_t n_heads, n_kv_heads, head_dim, n_past, n_tokens, window;
  bool drop_keys;  // keep a random subset of the cached prefix before attending
};

class BlockedAttention : public ::testing::TestWithParam<Case> {};

// Blocked online-softmax attention and its tap rows against a naive double-precision
// softmax(q k^T) v over the visible keys.
TEST_P(BlockedAttention, MatchesNaiveAttentionAndRows) {
  const Case cs = GetParam();
  const int64_t hd = cs.head_dim, G = cs.n_kv_heads, H = cs.n_heads, T = cs.n_tokens;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  KvCache cache(1, G, hd);
  auto random_vec = [&](size_t n, float s) {
    std::vector<float> v(n);
    for (float& x : v) x = s * normal(rng);
    return v;
  };
  std::vector<int64_t> past(static_cast<size_t>(cs.n_past));
  for (int64_t i = 0; i < cs.n_past; ++i) past[i] = i;
  if (cs.n_past) {
    auto k = random_vec(cs.n_past * G * hd, 1.0f), v = random_vec(cs.n_past * G * hd, 1.0f);
    cache.append(0, past, k.data(), v.data());
  }
  if (cs.drop_keys) {
    std::bernoulli_distribution coin(0.5);
    for (int64_t g = 0; g < G; ++g) {
      std::vector<int64_t> keep;
      for (int64_t p : past)
        if (coin(rng)) keep.push_back(p);
      cache.keep(0, g, keep);
    }
  }
  std::vector<int64_t> pos(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) pos[t] = cs.n_past + t;
  auto k = random_vec(T * G * hd, 1.0f), v = random_vec(T * G * hd, 1.0f);
  cache.append(0, pos, k.data(), v.data());
  const auto q = random_vec(T * H * hd, 1.5f);
  const AttentionParams params{H, G, hd, 1.0f / std::sqrt(float(hd)), cs.window};
  // A one-token batch takes each decode kernel in turn, a longer one each tile product.
  const std::vector<DecodeIsa> isas = T == 1 ? decode_isas(hd) : std::vector<DecodeIsa>{};
  const std::vector<TileIsa> tiles = T == 1 ? std::vector<TileIsa>{} : tile_isas(hd);
  const size_t n_runs = T == 1 ? isas.size() : tiles.size();
  for (size_t run = 0; run < n_runs; ++run) {
    const DecodeIsaCap cap(T == 1 ? isas[run] : detail::decode_isa(hd));
    const TileIsaCap tile(T == 1 ? detail::tile_isa(hd) : tiles[run]);
    SCOPED_TRACE(T == 1 ? "decode isa " + std::to_string(static_cast<int>(isas[run]))
                        : "tile isa " + std::to_string(static_cast<int>(tiles[run])));
    std::vector<float> out(T * H * hd), row_max(H * T), row_sum(H * T);
    attention_forward(params, cache, 0, pos, q.data(), out.data(), row_max.data(), row_sum.data());

    int64_t max_keys = 0;
    for (int64_t g = 0; g < G; ++g) max_keys = std::max(max_keys, cache.length(0, g));
    std::vector<int64_t> rows = {0, T / 2, T - 1};
    if (T == 1) rows = {0};
    std::vector<float> probs(H * rows.size() * max_keys);
    attention_rows(params, cache, 0, pos, q.data(), row_max.data(), row_sum.data(), rows, max_keys,
                   probs.data());

    for (int64_t h = 0; h < H; ++h) {
      const KvStream& st = cache.stream(0, h / (H / G));
      for (int64_t t = 0; t < T; ++t) {
        std::vector<double> s(st.length, -INFINITY);
        double mx = -INFINITY;
        for (int64_t j = 0; j < st.length; ++j) {
          const int64_t kp = st.positions[j];
          if (kp > pos[t] || (cs.window && pos[t] - kp >= cs.window)) continue;
          double d = 0;
          for (int64_t i = 0; i < hd; ++i)
            d += double(q[(t * H + h) * hd + i]) * st.keys[j * hd + i];
          s[j] = d * params.scale;
          mx = std::max(mx, s[j]);
        }
        double sum = 0;
        for (double x : s) sum += std::isinf(x) ? 0 : std::exp(x - mx);
        std::vector<double> expect(hd, 0.0);
        for (int64_t j = 0; j < st.length; ++j) {
          if (std::isinf(s[j])) continue;
          for (int64_t i = 0; i < hd; ++i)
            expect[i] += std::exp(s[j] - mx) / sum * st.values[j * hd + i];
        }
        for (int64_t i = 0; i < hd; ++i) {
          ASSERT_NEAR(out[(t * H + h) * hd + i], expect[i], 2e-5) << "h=" << h << " t=" << t;
        }
        for (size_t r = 0; r < rows.size(); ++r) {
          if (rows[r] != t) continue;
          for (int64_t j = 0; j < max_keys; ++j) {
            const double want = j < st.length && !std::isinf(s[j]) ? std::exp(s[j] - mx) / sum : 0;
            // Tap rows recompute each score with a plain dot product; sgemm's tile scores
            // differ from it in the last bits, by more as head_dim grows (256: 1.2e-6 seen).
            ASSERT_NEAR(probs[(h * rows.size() + r) * max_keys + j], want,
                        1e-6 * std::max<double>(1.0, hd / 64.0))
                << "h=" << h << " t=" << t << " j=" << j;
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, BlockedAttention,
    ::testing::Values(Case{4, 2, 16, 0, 100, 0, false},     // prefill, several blocks
                      Case{4, 4, 8, 0, 70, 9, false},       // sliding window, MHA
                      Case{9, 3, 64, 0, 300, 100, false},   // 3 heads stacked per tile, window
                      Case{6, 2, 32, 130, 1, 0, false},     // decode after a long prefix
                      Case{6, 2, 32, 130, 1, 17, false},    // decode with a window
                      Case{3, 1, 16, 90, 40, 0, true},      // chunk after a compressed prefix
                      Case{8, 2, 64, 200, 1, 0, true},      // decode after compression
                      Case{9, 3, 64, 1000, 1, 0, false},    // decode over several key chunks
                      Case{9, 3, 64, 1000, 1, 300, false},  // window across chunk bounds
                      Case{8, 2, 64, 900, 1, 0, true},      // chunks of a compressed stream
                      Case{7, 1, 128, 600, 1, 0, false},    // 7 heads per KV head: passes 4 + 3
                      Case{4, 4, 64, 300, 1, 40, true},     // one head per stream, window
                      Case{5, 1, 16, 0, 77, 0, false},      // tile rows 320 and 65 (remainders)
                      Case{2, 1, 48, 20, 50, 0, false},     // head_dim 48: three 16-lane columns
                      Case{4, 1, 256, 0, 90, 30, false},    // Gemma 3's head_dim, window
                      // A prompt chunk whose window starts past the first key block: the
                      // packed keys and values begin at block 1.
                      Case{9, 3, 64, 700, 100, 200, false}));

}  // namespace
}  // namespace slkv

namespace slkv {
namespace {

// An f16/bf16 cache attends exactly as an f32 cache holding the same rounded rows: the blocks
// are widened to f32 before the same products, so outputs, softmax state and tap rows are
// bitwise equal (prefill over several key blocks with a window, then a decode step).
// head_dim 64 takes the decode kernel for the second step where the CPU has it.
TEST(BlockedAttention, HalfCacheEqualsF32CacheOfTheRoundedRows) {
  const int64_t H = 4, G = 2, T = 300;
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (const int64_t hd : {32, 64})
    for (DecodeIsa isa : decode_isas(hd))
      for (KvType t : {KvType::kF16, KvType::kBF16}) {
        SCOPED_TRACE("decode isa " + std::to_string(static_cast<int>(isa)));
        const DecodeIsaCap cap(isa);
        KvCache f32(1, G, hd), half(1, G, hd, t);
        for (int64_t step = 0; step < 2; ++step) {
          const int64_t n = step == 0 ? T - 1 : 1, past = step == 0 ? 0 : T - 1;
          std::vector<int64_t> pos(static_cast<size_t>(n));
          for (int64_t i = 0; i < n; ++i) pos[i] = past + i;
          std::vector<float> k(n * G * hd), v(k.size()), q(n * H * hd);
          for (float& x : k) x = normal(rng);
          for (float& x : v) x = normal(rng);
          for (float& x : q) x = 1.5f * normal(rng);
          half.append(0, pos, k.data(), v.data());
          std::vector<uint16_t> h(k.size());  // the f32 cache gets the rounded rows
          kv_encode(t, k.data(), h.data(), static_cast<int64_t>(k.size()));
          kv_decode(t, h.data(), k.data(), static_cast<int64_t>(k.size()));
          kv_encode(t, v.data(), h.data(), static_cast<int64_t>(v.size()));
          kv_decode(t, h.data(), v.data(), static_cast<int64_t>(v.size()));
          f32.append(0, pos, k.data(), v.data());
          const AttentionParams params{H, G, hd, 1.0f / std::sqrt(float(hd)), 200};
          std::vector<float> out_a(n * H * hd), out_b(out_a.size()), m_a(H * n), m_b(H * n),
              l_a(H * n), l_b(H * n);
          attention_forward(params, f32, 0, pos, q.data(), out_a.data(), m_a.data(), l_a.data());
          attention_forward(params, half, 0, pos, q.data(), out_b.data(), m_b.data(), l_b.data());
          EXPECT_EQ(out_a, out_b) << kv_type_name(t) << " step " << step;
          EXPECT_EQ(m_a, m_b);
          EXPECT_EQ(l_a, l_b);
          const std::vector<int64_t> rows = {n - 1};
          const int64_t max_keys = f32.length(0, 0);
          std::vector<float> p_a(H * max_keys), p_b(p_a.size());
          attention_rows(params, f32, 0, pos, q.data(), m_a.data(), l_a.data(), rows, max_keys,
                         p_a.data());
          attention_rows(params, half, 0, pos, q.data(), m_b.data(), l_b.data(), rows, max_keys,
                         p_b.data());
          EXPECT_EQ(p_a, p_b) << kv_type_name(t) << " step " << step;
        }
      }
}

// The prefill's sgemm products run inside the OpenMP team, one per thread: OpenBLAS must be
// single-threaded then even when the host program set it otherwise since the Model was built
// (its pool spinning against the team made a two-thread Gemma 3 prefill 1.4-2x slower).
TEST(BlockedAttention, KeepsOpenBlasSingleThreadedWhateverTheHostSet) {
  if (!openblas_get_num_threads) GTEST_SKIP() << "BLAS is not OpenBLAS";
  const int64_t H = 2, G = 1, hd = 16, T = 40;
  KvCache cache(1, G, hd);
  std::vector<int64_t> pos(T);
  for (int64_t i = 0; i < T; ++i) pos[i] = i;
  std::vector<float> k(T * G * hd, 0.25f), v(k.size(), 0.5f), q(T * H * hd, 0.125f);
  cache.append(0, pos, k.data(), v.data());
  std::vector<float> out(q.size()), m(H * T), l(H * T);
  const TileIsaCap sgemm_tiles(TileIsa::kNone);
  openblas_set_num_threads(2);
  attention_forward({H, G, hd, 0.25f, 0}, cache, 0, pos, q.data(), out.data(), m.data(), l.data());
  EXPECT_EQ(openblas_get_num_threads(), 1);
  EXPECT_FLOAT_EQ(out[0], 0.5f);  // equal values: any softmax averages to 0.5
}

}  // namespace
}  // namespace slkv

namespace slkv {
namespace {

// A decode step splits the keys into fixed chunks and merges them in order: the result is the
// same bits whatever the thread count; a NaN key reaches the output instead of being dropped.
TEST(DecodeAttention, SameBitsForAnyThreadCountAndNanPropagates) {
  const int64_t H = 6, G = 2, hd = 64, n_past = 1500;
  if (!attention_decode_supported(hd)) GTEST_SKIP() << "no AVX2/AVX-512: decode steps use tiles";
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  KvCache cache(1, G, hd);
  std::vector<int64_t> pos(static_cast<size_t>(n_past));
  for (int64_t i = 0; i < n_past; ++i) pos[i] = i;
  std::vector<float> k(n_past * G * hd), v(k.size()), q(H * hd);
  for (float& x : k) x = normal(rng);
  for (float& x : v) x = normal(rng);
  for (float& x : q) x = normal(rng);
  cache.append(0, pos, k.data(), v.data());
  const AttentionParams params{H, G, hd, 0.125f, 0};
  const std::vector<int64_t> step = {n_past - 1};
  auto run = [&](int threads) {
    omp_set_num_threads(threads);
    std::vector<float> out(H * hd), m(H), l(H);
    attention_forward(params, cache, 0, step, q.data(), out.data(), m.data(), l.data());
    out.insert(out.end(), m.begin(), m.end());
    out.insert(out.end(), l.begin(), l.end());
    return out;
  };
  KvCache bad(1, G, hd);
  std::vector<float> k_nan = k;
  k_nan[700 * G * hd + 3] = std::numeric_limits<float>::quiet_NaN();  // key 700 of stream 0
  bad.append(0, pos, k_nan.data(), v.data());
  const int saved = omp_get_max_threads();
  for (DecodeIsa isa : decode_isas(hd)) {
    if (isa == DecodeIsa::kNone) continue;
    SCOPED_TRACE("decode isa " + std::to_string(static_cast<int>(isa)));
    const DecodeIsaCap cap(isa);
    const std::vector<float> one = run(1), two = run(2), three = run(3);
    omp_set_num_threads(saved);
    EXPECT_EQ(0, std::memcmp(one.data(), two.data(), one.size() * sizeof(float)));
    EXPECT_EQ(0, std::memcmp(one.data(), three.data(), one.size() * sizeof(float)));

    std::vector<float> out(H * hd), m(H), l(H);
    attention_forward(params, bad, 0, step, q.data(), out.data(), m.data(), l.data());
    for (int64_t h = 0; h < H; ++h) {
      EXPECT_EQ(std::isnan(out[h * hd]), h < H / G) << "head " << h;
    }
  }
}

}  // namespace
}  // namespace slkv

namespace slkv {
namespace {

// The tile kernels alone against double products, within the f32 summation bound
// gamma_n * sum |a_i b_i| (gamma_n = n u / (1 - n u), u = 2^-24; n + 1 terms for the scale
// and for the accumulator), on row and key counts that leave partial register tiles and
// partial 32-key panels, from an f32 and an f16 cache.
TEST(AttentionTile, KernelsWithinTheSummationBound) {
  if (!attention_tile_supported(64)) GTEST_SKIP() << "no AVX2/AVX-512 tile kernels on this CPU";
  constexpr double u = 1.0 / (1 << 24);
  auto gamma = [&](int64_t n) { return n * u / (1 - n * u); };
  std::mt19937 rng(21);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (TileIsa isa : tile_isas(64)) {
    if (isa == TileIsa::kNone) continue;  // sgemm: not these kernels
    const TileIsaCap cap(isa);
    SCOPED_TRACE("tile isa " + std::to_string(static_cast<int>(isa)));
    for (KvType type : {KvType::kF32, KvType::kF16}) {
      for (int64_t hd : {16, 48, 64, 128, 256}) {
        if (!detail::tile_isa_supported(isa, hd)) continue;
        const int64_t n_keys = 300;
        KvCache cache(1, 1, hd, type);
        std::vector<float> k(static_cast<size_t>(n_keys * hd)), v(k.size());
        for (float& x : k) x = normal(rng);
        for (float& x : v) x = normal(rng);
        std::vector<int64_t> pos(static_cast<size_t>(n_keys));
        for (int64_t i = 0; i < n_keys; ++i) pos[static_cast<size_t>(i)] = i;
        cache.append(0, pos, k.data(), v.data());
        const KvStream st = cache.stream(0, 0);
        std::vector<float> keys(k.size()), panels(static_cast<size_t>(key_panels_size(n_keys, hd)));
        for (int64_t j = 0; j < n_keys; ++j) st.key_row(j, hd, &keys[static_cast<size_t>(j * hd)]);
        pack_key_panels(st, 0, n_keys, hd, panels.data());
        for (int64_t rows : {1, 7, 12, 25}) {
          for (int64_t nk : {1, 31, 32, 33, 256}) {
            SCOPED_TRACE("hd " + std::to_string(hd) + " rows " + std::to_string(rows) + " nk " +
                         std::to_string(nk) + (type == KvType::kF16 ? " f16" : " f32"));
            const int64_t q_ld = hd + 3, s_ld = 260;
            std::vector<float> q(static_cast<size_t>(rows * q_ld));
            for (float& x : q) x = normal(rng);
            std::vector<float> s(static_cast<size_t>(rows * s_ld), 99.0f);
            const float scale = 0.125f;
            std::vector<float> buffer;
            const TileQueries tq = prepare_tile_queries(q.data(), q_ld, rows, hd, buffer);
            ASSERT_EQ(tq.isa, isa);
            tile_scores(tq, panels.data(), nk, hd, scale, s.data(), s_ld);
            for (int64_t r = 0; r < rows; ++r) {
              for (int64_t j = 0; j < s_ld; ++j) {
                const float got = s[static_cast<size_t>(r * s_ld + j)];
                if (j >= nk) {
                  ASSERT_EQ(got, 99.0f) << "wrote past nk at row " << r << " key " << j;
                  continue;
                }
                double exact = 0, mag = 0;
                for (int64_t d = 0; d < hd; ++d) {
                  const double t = double(q[static_cast<size_t>(r * q_ld + d)]) *
                                   keys[static_cast<size_t>(j * hd + d)];
                  exact += t;
                  mag += std::abs(t);
                }
                ASSERT_LE(std::abs(got - scale * exact), gamma(hd + 1) * scale * mag)
                    << "score row " << r << " key " << j;
              }
            }
            // acc += p v with p the scores (any values) and a random starting acc.
            std::vector<float> acc(static_cast<size_t>(rows * hd)), acc0;
            for (float& x : acc) x = normal(rng);
            acc0 = acc;
            std::vector<float> vals(static_cast<size_t>(n_keys * hd));
            for (int64_t j = 0; j < n_keys; ++j)
              st.value_row(j, hd, &vals[static_cast<size_t>(j * hd)]);
            tile_accumulate(s.data(), s_ld, rows, vals.data(), nk, hd, acc.data());
            for (int64_t r = 0; r < rows; ++r) {
              for (int64_t d = 0; d < hd; ++d) {
                double exact = acc0[static_cast<size_t>(r * hd + d)];
                double mag = std::abs(exact);
                for (int64_t j = 0; j < nk; ++j) {
                  const double t = double(s[static_cast<size_t>(r * s_ld + j)]) *
                                   vals[static_cast<size_t>(j * hd + d)];
                  exact += t;
                  mag += std::abs(t);
                }
                ASSERT_LE(std::abs(acc[static_cast<size_t>(r * hd + d)] - exact),
                          gamma(nk + 1) * mag)
                    << "accumulator row " << r << " dim " << d;
              }
            }
            // From the value slices prefill packs once per layer: the same bits, for the block
            // at key 0 and for one starting a panel later (a sliding window's skipped keys).
            if (tile_values_as_slices(hd)) {
              const int64_t n_pad = (n_keys + kKeyPanel - 1) / kKeyPanel * kKeyPanel;
              std::vector<float> slices(static_cast<size_t>(key_panels_size(n_keys, hd)), 7.0f);
              pack_value_slices(st, 0, n_keys, hd, slices.data());
              for (int64_t first : {int64_t{0}, kKeyPanel}) {
                const int64_t nk2 = std::min(nk, n_keys - first);
                std::vector<float> want = acc0, got = acc0;
                tile_accumulate(s.data(), s_ld, rows, &vals[static_cast<size_t>(first * hd)], nk2,
                                hd, want.data());
                tile_accumulate_slices(s.data(), s_ld, rows, slices.data() + first * 16, n_pad * 16,
                                       nk2, hd, got.data());
                ASSERT_EQ(got, want) << "value slices from key " << first;
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace slkv
