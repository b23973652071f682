#include "engine/prompt_gemm.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/error.hpp"
#include "core/parallel_guard.hpp"
#include "engine/fma_tile_avx2.hpp"
#include "model/quant.hpp"

namespace slkv {
namespace {

constexpr int64_t kMr = 6;            // activation rows per register tile
constexpr int64_t kNr = 16;           // weight rows per register tile (two 8-lane vectors)
constexpr int64_t kMaxKc = 256;       // K chunk: a [kc][16] micro-panel is at most 16 KiB
constexpr int64_t kMc = 96;           // activation rows whose panels stay in L2 per weight panel
constexpr int64_t kMaxNc = 128;       // weight rows dequantized and packed per block
constexpr int64_t kAlignFloats = 16;  // 64-byte alignment inside the scratch vectors

std::atomic<detail::PromptGemmChoice> g_choice{detail::PromptGemmChoice::kAuto};
std::atomic<bool> g_allow_avx512{true};

bool cpu_has_avx512() {
#if defined(__x86_64__)
  static const bool ok = __builtin_cpu_supports("avx512f");
  return ok;
#else
  return false;
#endif
}

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// K split into equal chunks of at most kMaxKc, each a multiple of 8 (the transposes' width)
// except possibly the last.
struct KChunks {
  int64_t size, count;
  explicit KChunks(int64_t k) {
    const int64_t n = (k + kMaxKc - 1) / kMaxKc;
    size = std::min(kMaxKc, round_up((k + n - 1) / n, 8));
    count = (k + size - 1) / size;
  }
  int64_t len(int64_t pc, int64_t k) const { return std::min(size, k - pc * size); }
};

// A float pointer aligned to 64 bytes inside `v`, which is grown to hold `n` floats past it.
float* aligned_floats(std::vector<float>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n + kAlignFloats)
    v.resize(static_cast<size_t>(n + kAlignFloats));
  const auto addr = reinterpret_cast<uintptr_t>(v.data());
  return v.data() + ((64 - addr % 64) % 64) / sizeof(float);
}

#if defined(__x86_64__)
#define SLKV_AVX2 __attribute__((target("avx2,fma")))

// Transposes eight 8-lane rows in registers: on return r[k] holds lane k of every input row
// (lane i from row i).
SLKV_AVX2 inline void transpose8x8_regs(__m256 r[8]) {
  __m256 t[8], u[8];
#pragma GCC unroll 4
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
#pragma GCC unroll 2
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

// dst[k * ld_dst + r] = src[r * ld_src + k] for r, k < 8.
SLKV_AVX2 inline void transpose8x8(const float* src, int64_t ld_src, float* dst, int64_t ld_dst) {
  __m256 r[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * ld_src);
  transpose8x8_regs(r);
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) _mm256_storeu_ps(dst + i * ld_dst, r[i]);
}

// Packs rows[0, 16) x columns [k0, k0 + kc) of `rows` ([16][ld], row-major) as [kc][16].
SLKV_AVX2 void pack_weight_panel(const float* rows, int64_t ld, int64_t k0, int64_t kc,
                                 float* panel) {
  int64_t k = 0;
  for (; k + 8 <= kc; k += 8) {
    transpose8x8(rows + k0 + k, ld, panel + k * kNr, kNr);
    transpose8x8(rows + 8 * ld + k0 + k, ld, panel + k * kNr + 8, kNr);
  }
  for (; k < kc; ++k) {
    for (int64_t r = 0; r < kNr; ++r) panel[k * kNr + r] = rows[r * ld + k0 + k];
  }
}

// C[R][16] (row stride ldc) = (accumulate ? C : 0) + A · B over kc: a is a [kc][6] micro-panel
// (rows past R unread), b a [kc][16] one. R < 6 for the last activation panel of a product
// whose row count is not a multiple of 6: each element is the same FMA chain as in the 6-row
// tile, so the same bits.
template <int R>
SLKV_AVX2 void kernel_rows(const float* a, const float* b, int64_t kc, float* c, int64_t ldc,
                           bool accumulate) {
  __m256 c0[R], c1[R];
  // The tile's rows of C are read (later K chunks) or written only after the FMA loop, too far
  // ahead for the out-of-order window; rows ldc apart are no stream the hardware prefetcher
  // follows. Fetched now, they are in L1 by then: 0.3-3.0 % faster products
  // (docs/benchmarks.md, "AVX2 weight decoders and C prefetch in the prompt GEMM").
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    c0[r] = c1[r] = _mm256_setzero_ps();
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + 15), _MM_HINT_T0);
  }
  detail::fma_tile_6x16<R>(a, b, kNr, kc, c0, c1);
  if (accumulate) {
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      c0[r] = _mm256_add_ps(c0[r], _mm256_loadu_ps(c + r * ldc));
      c1[r] = _mm256_add_ps(c1[r], _mm256_loadu_ps(c + r * ldc + 8));
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_ps(c + r * ldc, c0[r]);
    _mm256_storeu_ps(c + r * ldc + 8, c1[r]);
  }
}

using RowsKernel = void (*)(const float*, const float*, int64_t, float*, int64_t, bool);
constexpr RowsKernel kRowsKernels[kMr] = {&kernel_rows<1>, &kernel_rows<2>, &kernel_rows<3>,
                                          &kernel_rows<4>, &kernel_rows<5>, &kernel_rows<6>};

// The kernel for a tile with cols < 16 valid: through a full-size temporary.
SLKV_AVX2 void kernel_edge(const float* a, const float* b, int64_t kc, float* c, int64_t ldc,
                           bool accumulate, int64_t rows, int64_t cols) {
  alignas(64) float tmp[kMr * kNr] = {};
  if (accumulate) {
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(tmp + r * kNr, c + r * ldc, cols * sizeof(float));
  }
  kernel_rows<kMr>(a, b, kc, tmp, kNr, accumulate);
  for (int64_t r = 0; r < rows; ++r) std::memcpy(c + r * ldc, tmp + r * kNr, cols * sizeof(float));
}

// AVX-512: C[12][32] (row stride ldc) = (accumulate ? C : 0) + A · B over kc, from the same
// micro-panels as the 6x16 tile (kernel_rows<6>): a0 and a1 two consecutive [kc][6] activation
// panels (rows 0-5 and 6-11), b0 and b1 two consecutive [kc][16] weight panels (columns 0-15 and
// 16-31). 24 zmm accumulators, one zmm per row and weight panel; per k two weight loads and 12
// broadcasts feed 24 FMAs (the 6x16 tile's 12 per 2 loads and 6 broadcasts). Each output element is
// the same chain of FMAs over k, from zero, as in kernel_rows, then the same add of C: the bits of
// the AVX2 tiles.
__attribute__((target("avx512f"))) void kernel_12x32_avx512(const float* a0, const float* a1,
                                                            const float* b0, const float* b1,
                                                            int64_t kc, float* c, int64_t ldc,
                                                            bool accumulate) {
  __m512 lo[2 * kMr], hi[2 * kMr];
#pragma GCC unroll 12
  for (int r = 0; r < 2 * kMr; ++r) lo[r] = hi[r] = _mm512_setzero_ps();
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 w0 = _mm512_loadu_ps(b0 + k * kNr);
    const __m512 w1 = _mm512_loadu_ps(b1 + k * kNr);
#pragma GCC unroll 6
    for (int r = 0; r < kMr; ++r) {
      const __m512 x0 = _mm512_set1_ps(a0[k * kMr + r]);
      lo[r] = _mm512_fmadd_ps(x0, w0, lo[r]);
      hi[r] = _mm512_fmadd_ps(x0, w1, hi[r]);
      const __m512 x1 = _mm512_set1_ps(a1[k * kMr + r]);
      lo[kMr + r] = _mm512_fmadd_ps(x1, w0, lo[kMr + r]);
      hi[kMr + r] = _mm512_fmadd_ps(x1, w1, hi[kMr + r]);
    }
  }
#pragma GCC unroll 12
  for (int r = 0; r < 2 * kMr; ++r) {
    float* row = c + r * ldc;
    if (accumulate) {
      lo[r] = _mm512_add_ps(lo[r], _mm512_loadu_ps(row));
      hi[r] = _mm512_add_ps(hi[r], _mm512_loadu_ps(row + kNr));
    }
    _mm512_storeu_ps(row, lo[r]);
    _mm512_storeu_ps(row + kNr, hi[r]);
  }
}

// One activation micro-panel: dst[kk * 6 + r] = x[r * ld + k0 + kk] for kk < kc and r < rows,
// 0 for rows <= r < 6. Eight columns at a time go through a register transpose (two zero rows
// make it 8x8); each transposed column is stored as 8 lanes over the start of the next one,
// which the next store overwrites, and the last column of a group as 4 + 2 lanes, so nothing
// is written past the panel.
SLKV_AVX2 void pack_activation_panel(const float* x, int64_t ld, int64_t rows, int64_t k0,
                                     int64_t kc, float* dst) {
  int64_t kk = 0;
  if (rows == kMr) {
    for (; kk + 8 <= kc; kk += 8) {
      __m256 r[8];
#pragma GCC unroll 6
      for (int i = 0; i < kMr; ++i) r[i] = _mm256_loadu_ps(x + i * ld + k0 + kk);
      r[6] = r[7] = _mm256_setzero_ps();
      transpose8x8_regs(r);
      float* d = dst + kk * kMr;
#pragma GCC unroll 7
      for (int c = 0; c < 7; ++c) _mm256_storeu_ps(d + c * kMr, r[c]);
      _mm_storeu_ps(d + 7 * kMr, _mm256_castps256_ps128(r[7]));
      _mm_storel_pi(reinterpret_cast<__m64*>(d + 7 * kMr + 4), _mm256_extractf128_ps(r[7], 1));
    }
  }
  for (; kk < kc; ++kk) {
    for (int64_t r = 0; r < kMr; ++r) dst[kk * kMr + r] = r < rows ? x[r * ld + k0 + kk] : 0.0f;
  }
}

// x [m][k] (row-major) as, per K chunk, [m_pad / 6] micro-panels of [kc][6]; rows past m zero.
// Threads share the work.
SLKV_AVX2 void pack_activations(const float* x, int64_t m, int64_t k, const KChunks& kch,
                                float* packed) {
  const int64_t m_pad = round_up(m, kMr);
  const int64_t n_panels = m_pad / kMr;
#pragma omp for schedule(static)
  for (int64_t i = 0; i < n_panels; ++i) {
    const int64_t rows = std::min(kMr, m - i * kMr);
    for (int64_t pc = 0; pc < kch.count; ++pc) {
      const int64_t kc = kch.len(pc, k);
      pack_activation_panel(x + i * kMr * k, k, rows, pc * kch.size, kc,
                            packed + pc * kch.size * m_pad + i * kMr * kc);
    }
  }
}

struct Block {
  const GemmTarget* target;
  int64_t n0, n1;  // rows of the weight (absolute)
};

// One block of weight rows against all of x: dequantize and pack the rows, then every tile.
SLKV_AVX2 void run_block(const Block& blk, const float* packed_x, int64_t m, int64_t k,
                         const KChunks& kch, std::vector<float>& buffer, bool avx512) {
  const int64_t nb = blk.n1 - blk.n0;
  const int64_t nb_pad = round_up(nb, kNr);
  // Layout: [16][k] dequantized rows, then per K chunk [nb_pad / 16] micro-panels of [kc][16].
  float* rows = aligned_floats(buffer, kNr * k + nb_pad * kch.size * kch.count);
  float* panels = rows + kNr * k;  // 16 * k floats: still 64-byte aligned
  for (int64_t jr = 0; jr < nb_pad / kNr; ++jr) {
    const int64_t r0 = blk.n0 + jr * kNr;
    const int64_t valid = std::min(kNr, blk.n1 - r0);
    dequantize_rows(*blk.target->weight, r0, r0 + valid, rows);
    if (valid < kNr) std::fill(rows + valid * k, rows + kNr * k, 0.0f);
    for (int64_t pc = 0; pc < kch.count; ++pc) {
      const int64_t kc = kch.len(pc, k);
      pack_weight_panel(rows, k, pc * kch.size, kc,
                        panels + pc * kch.size * nb_pad + jr * kNr * kc);
    }
  }
  const int64_t m_pad = round_up(m, kMr);
  const int64_t n_panels = nb_pad / kNr;
  const int64_t ldy = blk.target->out_end - blk.target->out_begin;
  float* y = blk.target->y + (blk.n0 - blk.target->out_begin);
  for (int64_t pc = 0; pc < kch.count; ++pc) {
    const int64_t kc = kch.len(pc, k);
    const float* bp = panels + pc * kch.size * nb_pad;
    const float* ap = packed_x + pc * kch.size * m_pad;
    const bool accumulate = pc > 0;
    // The 6x16 tile of activation panel ir and weight panel jr: its valid rows, and through
    // the edge kernel where the weight panel is partial.
    auto tile = [&](int64_t ir, int64_t jr) {
      const int64_t rows_valid = std::min(kMr, m - ir);
      const int64_t cols = std::min(kNr, nb - jr * kNr);
      const float* a = ap + ir * kc;
      const float* b = bp + jr * kNr * kc;
      float* c = y + ir * ldy + jr * kNr;
      if (cols == kNr) {  // rows_valid < 6 only in the last activation panel
        kRowsKernels[rows_valid - 1](a, b, kc, c, ldy, accumulate);
      } else {
        kernel_edge(a, b, kc, c, ldy, accumulate, rows_valid, cols);
      }
    };
    for (int64_t ic = 0; ic < m_pad; ic += kMc) {
      const int64_t ic_end = std::min(m_pad, ic + kMc);
      for (int64_t jr = 0; jr < n_panels;) {
        // AVX-512: two full weight panels (so jr + 1 < n_panels) against pairs of full
        // activation panels.
        if (avx512 && nb - jr * kNr >= 2 * kNr) {
          const float* b0 = bp + jr * kNr * kc;
          int64_t ir = ic;
          for (; ir + 2 * kMr <= ic_end && m - ir >= 2 * kMr; ir += 2 * kMr) {
            kernel_12x32_avx512(ap + ir * kc, ap + (ir + kMr) * kc, b0, b0 + kNr * kc, kc,
                                y + ir * ldy + jr * kNr, ldy, accumulate);
          }
          for (; ir < ic_end; ir += kMr) {
            tile(ir, jr);
            tile(ir, jr + 1);
          }
          jr += 2;
          continue;
        }
        for (int64_t ir = ic; ir < ic_end; ir += kMr) tile(ir, jr);
        ++jr;
      }
    }
  }
}
#endif  // __x86_64__

}  // namespace

bool prompt_gemm_supported() {
#if defined(__x86_64__)
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
#else
  return false;
#endif
}

bool prompt_gemm_preferred() {
  switch (g_choice.load(std::memory_order_relaxed)) {
    case detail::PromptGemmChoice::kOwn:
      return prompt_gemm_supported();
    case detail::PromptGemmChoice::kSgemm:
      return false;
    case detail::PromptGemmChoice::kAuto:
      break;
  }
  // Every CPU that can run it: on AVX2 machines it was measured ahead of OpenBLAS, and on
  // AVX-512 ones, with its 12x32 zmm tiles, ahead at two threads and level at one
  // (docs/benchmarks.md, "A lent Xeon with AVX-512").
  return prompt_gemm_supported();
}

void prompt_gemm(const float* x, int64_t n_rows, int64_t in, std::span<const GemmTarget> targets,
                 PromptGemmScratch& scratch, const std::function<void()>* after) {
  SLKV_CHECK(prompt_gemm_supported(), "prompt_gemm needs a CPU with AVX2 and FMA");
  SLKV_CHECK(n_rows >= 1 && in >= 1, "prompt_gemm: empty product");
  for (const GemmTarget& t : targets) {
    SLKV_CHECK(t.weight && t.weight->shape.size() == 2 && t.weight->shape[1] == in,
               "prompt_gemm: weight " + (t.weight ? t.weight->name : std::string("(null)")) +
                   " does not have " + std::to_string(in) + " columns");
    SLKV_CHECK(t.out_begin >= 0 && t.out_begin < t.out_end && t.out_end <= t.weight->shape[0],
               "prompt_gemm: row range of " + t.weight->name);
  }
#if defined(__x86_64__)
  const int64_t n_threads = omp_get_max_threads();
  std::vector<Block> blocks;
  for (const GemmTarget& t : targets) {
    int64_t n0 = t.out_begin;
    for (const int64_t rows : detail::weight_row_blocks(t.out_end - t.out_begin, n_threads)) {
      blocks.push_back({&t, n0, n0 + rows});
      n0 += rows;
    }
  }
  // Threads take blocks in list order as they finish. When one runs slower (busy CPUs,
  // interrupts), the others would wait up to a whole block at the end. So the last n - 1 blocks
  // are handed out as single 16-row panels: with two threads, the one that took the
  // second-to-last block is joined on the last block's panels when it ends, and the two end
  // within a panel of each other. Those panels reuse each activation chunk once instead of up to
  // eight times (more L2 refills), but nothing is dequantized twice. Tail cut along the
  // activation rows instead, with every piece dequantizing its rows again, cost as much
  // dequantization as it saved waiting (docs/benchmarks.md).
  if (n_threads > 1) {
    const auto n_tail = static_cast<size_t>(std::min<int64_t>(n_threads - 1, blocks.size()));
    std::vector<Block> tail(blocks.end() - static_cast<std::ptrdiff_t>(n_tail), blocks.end());
    blocks.resize(blocks.size() - n_tail);
    for (const Block& b : tail) {
      for (int64_t n0 = b.n0; n0 < b.n1; n0 += kNr) {
        blocks.push_back({b.target, n0, std::min(b.n1, n0 + kNr)});
      }
    }
  }
  const KChunks kch(in);
  const int64_t m_pad = round_up(n_rows, kMr);
  float* packed_x = aligned_floats(scratch.packed_x, m_pad * kch.size * kch.count);
  if (static_cast<int64_t>(scratch.per_thread.size()) < n_threads) {
    scratch.per_thread.resize(static_cast<size_t>(n_threads));
  }
  ParallelGuard guard;
  const auto n_blocks = static_cast<int64_t>(blocks.size());
  const bool avx512 = cpu_has_avx512() && g_allow_avx512.load(std::memory_order_relaxed);
#pragma omp parallel if (n_threads > 1)
  {
    pack_activations(x, n_rows, in, kch, packed_x);  // ends with the omp for's barrier
    std::vector<float>& buffer = scratch.per_thread[static_cast<size_t>(omp_get_thread_num())];
#pragma omp for schedule(dynamic)
    for (int64_t b = 0; b < n_blocks; ++b) {
      guard.run([&] {
        run_block(blocks[static_cast<size_t>(b)], packed_x, n_rows, in, kch, buffer, avx512);
      });
    }
    // The loop's barrier: every product is complete, and every thread sees the same failed().
    if (after && !guard.failed()) (*after)();
  }
  guard.rethrow();
#endif
}

namespace detail {
std::vector<int64_t> weight_row_blocks(int64_t n, int64_t n_threads) {
  SLKV_CHECK(n >= 1 && n_threads >= 1, "weight_row_blocks: empty split");
  const int64_t panels = (n + kNr - 1) / kNr;
  const int64_t max_panels = kMaxNc / kNr;
  // At least two blocks per thread where there are panels for them; then a multiple of the
  // thread count, so that equal blocks end together (640 rows in 128-row blocks were five
  // blocks: three for one thread, two for the other).
  int64_t count = std::max((panels + max_panels - 1) / max_panels, std::min(panels, 2 * n_threads));
  const int64_t rounded = round_up(count, n_threads);
  if (rounded <= panels) count = rounded;
  std::vector<int64_t> rows;
  rows.reserve(static_cast<size_t>(count));
  int64_t done = 0;
  for (int64_t b = 0; b < count; ++b) {
    // Whole panels, spread so that sizes differ by at most one panel, larger blocks first.
    const int64_t p = panels / count + (b < panels % count ? 1 : 0);
    const int64_t r = std::min(p * kNr, n - done);
    rows.push_back(r);
    done += r;
  }
  return rows;
}

void set_prompt_gemm(PromptGemmChoice choice) { g_choice.store(choice, std::memory_order_relaxed); }

bool prompt_gemm_avx512_available() { return cpu_has_avx512(); }

void set_prompt_gemm_avx512(bool allow) { g_allow_avx512.store(allow, std::memory_order_relaxed); }
}  // namespace detail

}  // namespace slkv
