#include "engine/ops.hpp"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/parallel_guard.hpp"
#include "engine/matvec.hpp"
#include "engine/matvec_int8.hpp"
#include "engine/packed_linear.hpp"
#include "engine/softmax_exp.hpp"
#include "model/quant.hpp"

// Declared weak so that a non-OpenBLAS BLAS still links (then nothing is changed).
extern "C" void openblas_set_num_threads(int) __attribute__((weak));
extern "C" int openblas_get_num_threads() __attribute__((weak));

namespace slkv {

void rms_norm_row(const float* x, const float* weight, int64_t dim, double eps, float* y) {
  // Four independent double accumulators: one chain of dependent adds was 2% of a Gemma 3
  // prefill (it runs on q and k per head too).
  double acc[4] = {0.0, 0.0, 0.0, 0.0};
  int64_t i0 = 0;
  for (; i0 + 4 <= dim; i0 += 4) {
    for (int k = 0; k < 4; ++k) acc[k] += static_cast<double>(x[i0 + k]) * x[i0 + k];
  }
  for (; i0 < dim; ++i0) acc[0] += static_cast<double>(x[i0]) * x[i0];
  const double sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  const float inv = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(dim) + eps));
  for (int64_t i = 0; i < dim; ++i) y[i] = (x[i] * inv) * weight[i];
}

void rms_norm(const float* x, const float* weight, int64_t n_rows, int64_t dim, double eps,
              float* y) {
#pragma omp parallel for if (n_rows > 4)
  for (int64_t t = 0; t < n_rows; ++t) rms_norm_row(x + t * dim, weight, dim, eps, y + t * dim);
}

void add_rms_norm(float* x, float* delta, const float* delta_weight, const float* weight,
                  int64_t n_rows, int64_t dim, double eps) {
#pragma omp parallel if (n_rows > 4)
  add_rms_norm_team(x, delta, delta_weight, weight, n_rows, dim, eps);
}

void add_rms_norm_team(float* x, float* delta, const float* delta_weight, const float* weight,
                       int64_t n_rows, int64_t dim, double eps) {
#pragma omp for nowait  // the last work of its region (TeamWork): the region joins
  for (int64_t t = 0; t < n_rows; ++t) {
    float* xr = x + t * dim;
    float* dr = delta + t * dim;
    if (delta_weight) rms_norm_row(dr, delta_weight, dim, eps, dr);
    for (int64_t i = 0; i < dim; ++i) xr[i] += dr[i];
    if (weight) rms_norm_row(xr, weight, dim, eps, dr);
  }
}

namespace {

// `after` where the product ran without a team: in a region of its own for a prompt batch, on
// the calling thread alone for a decode step's few rows (its loops then run whole).
void run_after(const TeamWork* after, int64_t n_rows) {
  if (!after) return;
  if (n_rows <= kMatvecMaxRows) {  // no team: orphaned loops run whole on this thread
    (*after)();
    return;
  }
#pragma omp parallel
  (*after)();
}

// True when linear_range takes the int8 matvec for these rows (linear_many the same, shared).
bool int8_route(const TensorInfo& weight, int64_t n_rows, const LinearScratch& scratch) {
  return n_rows <= kMatvecMaxRows && scratch.precision == MatvecPrecision::kInt8 &&
         matvec_int8_supported(weight.type) && weight.shape[1] % kQ8Block == 0;
}

// y[t, j] += bias[j] for t < n_rows, j < n_out (y is [n_rows, n_out]).
void add_bias(float* y, const float* bias, int64_t n_rows, int64_t n_out) {
  for (int64_t t = 0; t < n_rows; ++t) {
    float* yr = y + t * n_out;
    for (int64_t j = 0; j < n_out; ++j) yr[j] += bias[j];
  }
}

}  // namespace

void linear(const TensorInfo& weight, const float* x, int64_t n_rows, float* y, const float* bias,
            LinearScratch& scratch, const PackedLinear* packed, const TeamWork* after) {
  SLKV_CHECK(weight.shape.size() == 2, "linear weight " + weight.name + " must be 2-D");
  if (packed && n_rows > kMatvecMaxRows) {
    SLKV_CHECK(packed->out() == weight.shape[0] && packed->in() == weight.shape[1],
               "packed weight does not match " + weight.name);
    packed->run(x, n_rows, y);
    if (bias) add_bias(y, bias, n_rows, packed->out());
    run_after(after, n_rows);
    return;
  }
  if (after && !bias && n_rows > kMatvecMaxRows && prompt_gemm_preferred()) {
    // linear_range's own route for these rows, with `after` inside prompt_gemm's region.
    const GemmTarget target{&weight, 0, weight.shape[0], y};
    prompt_gemm(x, n_rows, weight.shape[1], {&target, 1}, scratch.gemm, after);
    return;
  }
  linear_range(weight, 0, weight.shape[0], x, n_rows, y, bias, scratch);
  run_after(after, n_rows);
}

void linear_many(std::span<const LinearCall> calls, const float* x, int64_t n_rows,
                 LinearScratch& scratch, const TeamWork* after) {
  if (calls.empty()) {
    run_after(after, n_rows);
    return;
  }
  if (n_rows >= 1 && std::all_of(calls.begin(), calls.end(), [&](const LinearCall& c) {
        return int8_route(*c.weight, n_rows, scratch);
      })) {
    // Decode: one quantization of x and one OpenMP region for all the products.
    std::vector<MatvecTarget> targets;
    for (const LinearCall& c : calls) targets.push_back({c.weight, c.y});
    matvec_int8_many(targets, x, n_rows);
    for (const LinearCall& c : calls) {
      if (c.bias) add_bias(c.y, c.bias, n_rows, c.weight->shape[0]);
    }
    run_after(after, n_rows);
    return;
  }
  const bool shared = n_rows > kMatvecMaxRows && prompt_gemm_preferred() &&
                      std::none_of(calls.begin(), calls.end(),
                                   [](const LinearCall& c) { return c.packed != nullptr; });
  if (!shared) {
    for (const LinearCall& c : calls) linear(*c.weight, x, n_rows, c.y, c.bias, scratch, c.packed);
    run_after(after, n_rows);
    return;
  }
  std::vector<GemmTarget> targets;  // prompt_gemm checks every shape against the first's `in`
  for (const LinearCall& c : calls) targets.push_back({c.weight, 0, c.weight->shape[0], c.y});
  const bool biases =
      std::any_of(calls.begin(), calls.end(), [](const LinearCall& c) { return c.bias; });
  // `after` reads the outputs with their biases: inside prompt_gemm's region only without any.
  prompt_gemm(x, n_rows, calls[0].weight->shape[1], targets, scratch.gemm,
              biases ? nullptr : after);
  if (!biases) return;
  for (const LinearCall& c : calls) {
    if (c.bias) add_bias(c.y, c.bias, n_rows, c.weight->shape[0]);
  }
  run_after(after, n_rows);
}

void use_single_threaded_blas() {
  // Checked on every call, not once: the program linking the engine may set OpenBLAS's threads
  // itself between calls (the benchmarks do, to measure the sgemm peak), and sgemm called from
  // each OpenMP thread with OpenBLAS's own pool still awake made a two-thread Gemma 3
  // prefill 1.4-2x slower (its pthreads spinning in sched_yield against the team).
  if (!openblas_set_num_threads) return;
  if (openblas_get_num_threads && openblas_get_num_threads() == 1) return;
  openblas_set_num_threads(1);
}

void linear_range(const TensorInfo& weight, int64_t out_begin, int64_t out_end, const float* x,
                  int64_t n_rows, float* y, const float* bias, LinearScratch& scratch) {
  SLKV_CHECK(weight.shape.size() == 2, "linear weight " + weight.name + " must be 2-D");
  const int64_t n_out = out_end - out_begin;
  SLKV_CHECK(out_begin >= 0 && out_end <= weight.shape[0] && n_out > 0,
             "row range of " + weight.name);
  if (n_rows == 0) return;
  if (int8_route(weight, n_rows, scratch)) {
    // Few rows, fast path: 8-bit activations, integer dot products.
    matvec_int8(weight, out_begin, out_end, x, n_rows, y);
  } else if (n_rows <= kMatvecMaxRows && matvec_supported(weight.type)) {
    // Few rows (decode): dot products straight from the stored blocks, no scratch.
    matvec(weight, out_begin, out_end, x, n_rows, y);
  } else {
    linear_range_gemm(weight, out_begin, out_end, x, n_rows, y, scratch);
  }
  if (bias) add_bias(y, bias + out_begin, n_rows, n_out);
}

void linear_range_gemm(const TensorInfo& weight, int64_t out_begin, int64_t out_end, const float* x,
                       int64_t n_rows, float* y, LinearScratch& scratch) {
  const int64_t in = weight.shape[1];
  const int64_t n_out = out_end - out_begin;
  if (n_rows > kMatvecMaxRows && prompt_gemm_preferred()) {
    const GemmTarget target{&weight, out_begin, out_end, y};
    prompt_gemm(x, n_rows, in, {&target, 1}, scratch.gemm);
    return;
  }
  const bool direct = weight.type == GgmlType::F32 &&
                      reinterpret_cast<uintptr_t>(weight.data) % alignof(float) == 0;
  const int64_t n_threads = omp_get_max_threads();
  // Chunks: at least 64 rows (sgemm efficiency), several per thread (balance), and each fits
  // one thread's scratch.
  // One thread: one chunk (each chunk re-packs x inside sgemm).
  int64_t chunk_rows =
      n_threads == 1 ? n_out : std::max<int64_t>(64, (n_out + 4 * n_threads - 1) / (4 * n_threads));
  chunk_rows = std::clamp<int64_t>(std::min(chunk_rows, scratch.max_floats / in), 1, n_out);
  const int64_t n_chunks = (n_out + chunk_rows - 1) / chunk_rows;
  if (static_cast<int64_t>(scratch.per_thread.size()) < n_threads) {
    scratch.per_thread.resize(static_cast<size_t>(n_threads));
  }
  if (!omp_in_parallel()) use_single_threaded_blas();  // sgemm runs inside the OpenMP team
  ParallelGuard guard;  // a throwing dequantization must not leave the region
#pragma omp parallel for schedule(dynamic) if (n_chunks > 1)
  for (int64_t chunk = 0; chunk < n_chunks; ++chunk) {
    guard.run([&] {
      const int64_t r0 = chunk * chunk_rows;
      const int64_t rows = std::min(chunk_rows, n_out - r0);
      const float* w;  // [rows, in]
      if (direct) {
        w = reinterpret_cast<const float*>(weight.data) + (out_begin + r0) * in;
      } else {
        std::vector<float>& buf = scratch.per_thread[static_cast<size_t>(omp_get_thread_num())];
        if (static_cast<int64_t>(buf.size()) < rows * in)
          buf.resize(static_cast<size_t>(rows * in));
        dequantize_rows(weight, out_begin + r0, out_begin + r0 + rows, buf.data());
        w = buf.data();
      }
      if (n_rows == 1) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(rows), static_cast<int>(in), 1.0f,
                    w, static_cast<int>(in), x, 1, 0.0f, y + r0, 1);
      } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n_rows),
                    static_cast<int>(rows), static_cast<int>(in), 1.0f, x, static_cast<int>(in), w,
                    static_cast<int>(in), 0.0f, y + r0, static_cast<int>(n_out));
      }
    });
  }
  guard.rethrow();
}

namespace {

// Elementwise activations in blocks of kActBlock: e = exp(-k |x|) for the block through the
// vectorized exponential of the softmax (never overflows), then a plain loop GCC vectorizes.
constexpr int64_t kActBlock = 256;

}  // namespace

void silu_mul(float* gate, const float* up, int64_t n) {
#pragma omp parallel if (n > 65536)
  silu_mul_team(gate, up, n);
}

void silu_mul_team(float* gate, const float* up, int64_t n) {
  // silu(g) = g * sigmoid(g); with e = exp(-|g|), sigmoid(g) = 1 / (1 + e) for g >= 0 and
  // e / (1 + e) otherwise.
  float e[kActBlock];
#pragma omp for schedule(static) nowait  // last in its region (TeamWork)
  for (int64_t b = 0; b < n; b += kActBlock) {
    const int64_t m = std::min(kActBlock, n - b);
    float* g = gate + b;
    for (int64_t j = 0; j < m; ++j) e[j] = -std::fabs(g[j]);
    exp_shift_sum(e, m, 0.0f);
    for (int64_t j = 0; j < m; ++j) {
      const float num = g[j] >= 0.0f ? 1.0f : e[j];
      g[j] = g[j] * (num / (1.0f + e[j])) * up[b + j];
    }
  }
}

void add_in_place(float* x, const float* y, int64_t n) {
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

void gelu_tanh_mul(float* gate, const float* up, int64_t n) {
#pragma omp parallel if (n > 65536)
  gelu_tanh_mul_team(gate, up, n);
}

void gelu_tanh_mul_team(float* gate, const float* up, int64_t n) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  // gelu(g) = 0.5 g (1 + tanh(u)), u = sqrt(2/pi) (g + 0.044715 g^3); with e = exp(-2|u|),
  // tanh(u) = sign(u) (1 - e) / (1 + e).
  float e[kActBlock];
#pragma omp for schedule(static) nowait  // last in its region (TeamWork)
  for (int64_t b = 0; b < n; b += kActBlock) {
    const int64_t m = std::min(kActBlock, n - b);
    float* g = gate + b;
    for (int64_t j = 0; j < m; ++j) {
      const float u = kSqrt2OverPi * (g[j] + 0.044715f * g[j] * g[j] * g[j]);
      e[j] = -2.0f * std::fabs(u);
    }
    exp_shift_sum(e, m, 0.0f);
    for (int64_t j = 0; j < m; ++j) {
      const float t = (1.0f - e[j]) / (1.0f + e[j]);  // tanh(|u|); u has g's sign
      g[j] = 0.5f * g[j] * (1.0f + (g[j] >= 0.0f ? t : -t)) * up[b + j];
    }
  }
}

std::vector<float> read_vector(const TensorInfo& tensor, int64_t expected_elements) {
  if (tensor.n_elements() != expected_elements) {
    throw_file_error(tensor.file_path,
                     "tensor '" + tensor.name + "' has " + std::to_string(tensor.n_elements()) +
                         " elements, expected " + std::to_string(expected_elements));
  }
  std::vector<float> out(static_cast<size_t>(expected_elements));
  dequantize_tensor(tensor, out.data());
  return out;
}

}  // namespace slkv
