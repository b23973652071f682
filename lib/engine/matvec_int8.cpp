#include "engine/matvec_int8.hpp"

#include <omp.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/cpu_features.hpp"
#include "core/error.hpp"
#include "model/quant_blocks.hpp"

namespace slkv {
namespace {

// A quantized activation row as the kernels read it.
struct Q8View {
  const int8_t* q;       // [in]
  const float* d;        // [in / 32]
  const int16_t* sum16;  // [in / 16]
  const float* dsum;     // [in / 32]
};

// Dot of one stored weight row of `in` elements with x.
using DotFn = float (*)(const uint8_t* w, const Q8View& x, int64_t in);

namespace base {
#include "engine/matvec_int8_scalar.inc"
}  // namespace base

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SLKV_Q8_HAVE_X86 1
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
namespace avx2 {
#include "engine/matvec_int8_avx2.inc"
}  // namespace avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")
#define SLKV_Q8_VNNI 1
namespace avx512_vnni {
#include "engine/matvec_int8_avx2.inc"
}  // namespace avx512_vnni
#undef SLKV_Q8_VNNI
#pragma GCC pop_options
#endif

bool cpu_has(MatvecIsa isa) {
  switch (isa) {
    case MatvecIsa::best:
    case MatvecIsa::baseline:
      return true;
#if defined(SLKV_Q8_HAVE_X86)
    case MatvecIsa::avx2: {
      static const bool has =
          __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c();
      return has;
    }
    case MatvecIsa::avx512_vnni: {
      static const bool has = cpu_has(MatvecIsa::avx2) && __builtin_cpu_supports("avx512f") &&
                              __builtin_cpu_supports("avx512bw") &&
                              __builtin_cpu_supports("avx512vl") &&
                              __builtin_cpu_supports("avx512vnni");
      return has;
    }
#endif
    default:
      return false;
  }
}

// The instruction set `isa` resolves to on this CPU (best: the fastest present).
MatvecIsa resolve(MatvecIsa isa) {
  if (isa != MatvecIsa::best) return isa;
  if (cpu_has(MatvecIsa::avx512_vnni)) return MatvecIsa::avx512_vnni;
  if (cpu_has(MatvecIsa::avx2)) return MatvecIsa::avx2;
  return MatvecIsa::baseline;
}

DotFn pick_dot(GgmlType type, MatvecIsa isa) {
  switch (resolve(isa)) {
#if defined(SLKV_Q8_HAVE_X86)
    case MatvecIsa::avx512_vnni:
      return avx512_vnni::pick_dot(type);
    case MatvecIsa::avx2:
      return avx2::pick_dot(type);
#endif
    default:
      return base::pick_dot(type);
  }
}

// Output rows per OpenMP work unit and the weight size (elements) below which no team is
// started: as matvec.cpp.
constexpr int64_t kRowsPerTask = 16;
constexpr int64_t kParallelMinElements = int64_t{1} << 20;

// Software prefetch this many bytes ahead of the weight row being read. One decode step streams
// every weight once (Gemma 3's Q8_0 LM head alone is 178 MB); the per-row kernels stall on
// their loads, and the hardware prefetcher alone kept this machine at about half its read
// bandwidth (docs/benchmarks.md, "Streaming decode, ...").
constexpr int64_t kPrefetchBytes = 8192;

// Prefetches bytes [from, to) past `base`, clipped to `size` (the weight's bytes past base), one
// call per cache line; addresses are integers, so no pointer past the weight is computed.
inline void prefetch_range(const uint8_t* base, int64_t from, int64_t to, int64_t size) {
#if defined(SLKV_Q8_HAVE_X86)
  const uintptr_t at = reinterpret_cast<uintptr_t>(base);
  for (int64_t b = from; b < std::min(to, size); b += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(at + static_cast<uintptr_t>(b)), _MM_HINT_T0);
  }
#else
  (void)base, (void)from, (void)to, (void)size;
#endif
}

// One 32-element block: the reference quantizer (every ISA's result is this one's, bit for bit).
void quantize_block_q8(const float* xb, int8_t* q, float* d_out, int16_t* sum16, float* dsum) {
  float amax = 0.0f;
  bool finite = true;
  for (int i = 0; i < kQ8Block; ++i) {
    amax = std::max(amax, std::fabs(xb[i]));
    finite = finite && std::isfinite(xb[i]);
  }
  // A block with inf or NaN gets a NaN scale, so the outputs are NaN as on the exact path.
  const float d = finite ? amax / 127.0f : std::numeric_limits<float>::quiet_NaN();
  const float id = finite && d != 0.0f ? 1.0f / d : 0.0f;
  *d_out = d;
  for (int h = 0; h < 2; ++h) {
    int32_t s = 0;
    for (int i = 16 * h; i < 16 * h + 16; ++i) {
      float v = std::nearbyint(xb[i] * id);
      if (std::isnan(v)) v = 0.0f;  // x * id is NaN only for a non-finite block
      v = std::clamp(v, -127.0f, 127.0f);
      q[i] = static_cast<int8_t>(v);
      s += q[i];
    }
    sum16[h] = static_cast<int16_t>(s);
  }
  *dsum = d * static_cast<float>(sum16[0] + sum16[1]);
}

#if defined(SLKV_Q8_HAVE_X86)
// The same block in AVX2: the same f32 operations (|x| max, d = amax / 127, id = 1 / d,
// x * id rounded to nearest even as nearbyint does in the default rounding mode, clamped), so
// the same bits; a block holding inf or NaN goes to the reference. It was 2.4 % of a Gemma 3
// decode step in scalar code (docs/benchmarks.md).
__attribute__((target("avx2"))) void quantize_block_q8_avx2(const float* xb, int8_t* q,
                                                            float* d_out, int16_t* sum16,
                                                            float* dsum) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 v[4], a[4];
  for (int k = 0; k < 4; ++k) {
    v[k] = _mm256_loadu_ps(xb + 8 * k);
    a[k] = _mm256_and_ps(v[k], abs_mask);
  }
  // Non-finite: |x| has all exponent bits set (as an integer, >= 0x7f800000).
  const __m256i inf_bits = _mm256_set1_epi32(0x7f800000 - 1);
  __m256i bad = _mm256_setzero_si256();
  for (int k = 0; k < 4; ++k)
    bad = _mm256_or_si256(bad, _mm256_cmpgt_epi32(_mm256_castps_si256(a[k]), inf_bits));
  if (!_mm256_testz_si256(bad, bad)) {
    quantize_block_q8(xb, q, d_out, sum16, dsum);
    return;
  }
  __m256 m = _mm256_max_ps(_mm256_max_ps(a[0], a[1]), _mm256_max_ps(a[2], a[3]));
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  const float amax = _mm_cvtss_f32(m4);
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  *d_out = d;
  const __m256 vid = _mm256_set1_ps(id);
  const __m256i lim = _mm256_set1_epi32(127), neg_lim = _mm256_set1_epi32(-127);
  __m256i r[4];
  for (int k = 0; k < 4; ++k) {
    r[k] = _mm256_cvtps_epi32(_mm256_mul_ps(v[k], vid));  // MXCSR: round to nearest even
    r[k] = _mm256_max_epi32(_mm256_min_epi32(r[k], lim), neg_lim);
  }
  // Lane order after the two packs: the 128-bit halves interleave; one permute restores it.
  const __m256i p16a = _mm256_packs_epi32(r[0], r[1]), p16b = _mm256_packs_epi32(r[2], r[3]);
  const __m256i p8 = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p16a, p16b),
                                                 _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), p8);
  for (int h = 0; h < 2; ++h) {
    const __m256i s8 = _mm256_add_epi32(r[2 * h], r[2 * h + 1]);
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
    sum16[h] = static_cast<int16_t>(_mm_cvtsi128_si32(s4));
  }
  *dsum = d * static_cast<float>(sum16[0] + sum16[1]);
}
#endif

}  // namespace

void quantize_row_q8(const float* x, int64_t n, Q8Row& out, MatvecIsa isa) {
  SLKV_CHECK(n > 0 && n % kQ8Block == 0, "quantize_row_q8: length must be a multiple of 32");
  if (!cpu_has(isa)) throw Error("quantize_row_q8: this CPU lacks the requested instruction set");
  out.q.resize(static_cast<size_t>(n));
  out.d.resize(static_cast<size_t>(n / kQ8Block));
  out.sum16.resize(static_cast<size_t>(n / 16));
  out.dsum.resize(static_cast<size_t>(n / kQ8Block));
  auto block = &quantize_block_q8;
#if defined(SLKV_Q8_HAVE_X86)
  if (resolve(isa) != MatvecIsa::baseline) block = &quantize_block_q8_avx2;
#endif
  for (int64_t b = 0; b < n / kQ8Block; ++b) {
    const auto i = static_cast<size_t>(b);
    block(x + b * kQ8Block, &out.q[i * kQ8Block], &out.d[i], &out.sum16[2 * i], &out.dsum[i]);
  }
}

bool matvec_isa_available(MatvecIsa isa) { return cpu_has(isa); }

bool matvec_int8_supported(GgmlType type) { return base::pick_dot(type) != nullptr; }

namespace {

// One product's checked setup: its dot kernel and the rows [out_begin, out_end) of its weight.
struct Int8Product {
  DotFn dot;
  const uint8_t* rows;  // weight row out_begin
  int64_t row_bytes, n_out, in;
  float* y;
};

Int8Product check_product(const TensorInfo& weight, int64_t out_begin, int64_t out_end,
                          const float* x, int64_t n_rows, float* y, MatvecIsa isa) {
  const std::string where = "int8 matvec over tensor '" + weight.name + "'";
  SLKV_CHECK(weight.shape.size() == 2, where + ": weight must be 2-D");
  SLKV_CHECK(n_rows >= 1 && n_rows <= kMatvecMaxRows, where + ": row count out of range");
  const int64_t out = weight.shape[0];
  const int64_t in = weight.shape[1];
  SLKV_CHECK(out_begin >= 0 && out_begin < out_end && out_end <= out, where + ": row range");
  if (!cpu_has(isa)) throw Error(where + ": this CPU lacks the requested instruction set");
  const auto traits = ggml_type_traits(static_cast<uint32_t>(weight.type));
  const DotFn dot = pick_dot(weight.type, isa);
  if (!traits || !dot) {
    throw Error(where + ": type " + std::string(ggml_type_name(weight.type)) + " not supported");
  }
  if (in <= 0 || in % traits->block_elements != 0 || in % kQ8Block != 0) {
    throw Error(where + ": row of " + std::to_string(in) + " elements is not a multiple of the " +
                std::string(traits->name) + " block size");
  }
  const int64_t row_bytes = in / traits->block_elements * traits->block_bytes;
  if (static_cast<uint64_t>(row_bytes) * static_cast<uint64_t>(out) != weight.n_bytes) {
    throw Error(where + ": holds " + std::to_string(weight.n_bytes) +
                " bytes but its shape and type need " + std::to_string(row_bytes * out));
  }
  SLKV_CHECK(weight.data != nullptr && x != nullptr && y != nullptr, where + ": null buffer");
  return {dot, weight.data + out_begin * row_bytes, row_bytes, out_end - out_begin, in, y};
}

// Rows [j0, j1) of product p for every activation row. Each task's weight rows stay in cache
// across the activation rows.
void run_rows(const Int8Product& p, const Q8View* views, int64_t n_rows, int64_t j0, int64_t j1) {
  for (int64_t t = 0; t < n_rows; ++t) {
    float* yt = p.y + t * p.n_out;
    for (int64_t j = j0; j < j1; ++j) {
      if (t == 0) {
        prefetch_range(p.rows, j * p.row_bytes + kPrefetchBytes,
                       (j + 1) * p.row_bytes + kPrefetchBytes, p.n_out * p.row_bytes);
      }
      yt[j] = p.dot(p.rows + j * p.row_bytes, views[t], p.in);
    }
  }
}

// The products over x [n_rows, in] quantized once, their tasks in one OpenMP region.
void run_products(std::span<const Int8Product> products, const float* x, int64_t n_rows,
                  MatvecIsa isa) {
  const int64_t in = products[0].in;
  thread_local Q8Row rows_q[kMatvecMaxRows];
  Q8View views[kMatvecMaxRows];
  for (int64_t t = 0; t < n_rows; ++t) {
    quantize_row_q8(x + t * in, in, rows_q[t], isa);
    views[t] = {rows_q[t].q.data(), rows_q[t].d.data(), rows_q[t].sum16.data(),
                rows_q[t].dsum.data()};
  }
  // Task k of the concatenated products: product first_task[i] <= k < first_task[i + 1].
  std::vector<int64_t> first_task(products.size() + 1, 0);
  int64_t elements = 0;
  for (size_t i = 0; i < products.size(); ++i) {
    first_task[i + 1] = first_task[i] + (products[i].n_out + kRowsPerTask - 1) / kRowsPerTask;
    elements += products[i].n_out * in;
  }
  const int64_t n_tasks = first_task.back();
  const bool parallel = elements >= kParallelMinElements && omp_get_max_threads() > 1;
#pragma omp parallel for schedule(dynamic, 4) if (parallel)
  for (int64_t task = 0; task < n_tasks; ++task) {
    const size_t i = static_cast<size_t>(
        std::upper_bound(first_task.begin(), first_task.end(), task) - first_task.begin() - 1);
    const Int8Product& p = products[i];
    const int64_t j0 = (task - first_task[i]) * kRowsPerTask;
    run_rows(p, views, n_rows, j0, std::min(p.n_out, j0 + kRowsPerTask));
  }
}

}  // namespace

void matvec_int8(const TensorInfo& weight, int64_t out_begin, int64_t out_end, const float* x,
                 int64_t n_rows, float* y, MatvecIsa isa) {
  const Int8Product p = check_product(weight, out_begin, out_end, x, n_rows, y, isa);
  run_products({&p, 1}, x, n_rows, isa);
}

void matvec_int8_many(std::span<const MatvecTarget> targets, const float* x, int64_t n_rows,
                      MatvecIsa isa) {
  if (targets.empty()) return;
  std::vector<Int8Product> products;
  for (const MatvecTarget& t : targets) {
    SLKV_CHECK(t.weight != nullptr, "int8 matvec: null weight");
    products.push_back(check_product(*t.weight, 0, t.weight->shape.empty() ? 0 : t.weight->shape[0],
                                     x, n_rows, t.y, isa));
    SLKV_CHECK(products.back().in == products[0].in,
               "int8 matvec over tensor '" + t.weight->name +
                   "': " + std::to_string(products.back().in) + " columns, the first product has " +
                   std::to_string(products[0].in));
  }
  run_products(products, x, n_rows, isa);
}

}  // namespace slkv
