// CUDA twin of lib/runtime/select.cpp for probability inputs: pooled group-mean token scores
// (same float operation order as the CPU, so bit-identical), then per plan head a radix select
// of the k-th largest key and an ordered compaction of the kept positions (ties toward the
// lower index), window appended. Compared with the CPU by tests/kernels/runtime_select_test;
// timed by bench/runtime_select_gpu.cpp (docs/benchmarks.md, "Runtime on a GPU").

#include <cuda_runtime.h>

#include "runtime/cuda_launch.hpp"

namespace slkv::runtime::cuda {
namespace {

constexpr int kPoolThreads = 256;
constexpr int kSelectThreads = 512;
constexpr int kSelectWarps = kSelectThreads / 32;
constexpr int kMaxPoolRadius = 127;  // kPlanMaxPoolingKernel (255) / 2; checked at launch

__device__ inline uint32_t ordered_key(float x) {
  uint32_t bits = __float_as_uint(x + 0.0f);
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

__device__ inline float row_score(const float* probs, int64_t qh, int64_t n_rows, int64_t t,
                                  int64_t i) {
  const float* p = probs + qh * n_rows * t + i;
  float s = p[0];
  for (int64_t r = 1; r < n_rows; ++r) s = __fadd_rn(s, p[r * t]);
  return __fdiv_rn(s, static_cast<float>(n_rows));
}

// pooled [n_plan_heads, n_cand]; grid (ceil(n_cand / kPoolThreads), n_plan_heads). Each query
// head's row scores of the block's candidates and their 2r neighbours are computed once into
// shared memory, then pooled in the CPU's order (window left to right, group heads in order).
__global__ void pool_kernel(const float* probs, int64_t n_rows, int64_t t, int64_t n_cand,
                            int64_t per_head, int64_t r, int avg, float* pooled) {
  __shared__ float tile[kPoolThreads + 2 * kMaxPoolRadius];
  const int64_t first = static_cast<int64_t>(blockIdx.x) * kPoolThreads;
  const int64_t j = first + threadIdx.x;
  const int64_t h = blockIdx.y;
  const int64_t lo = j - r < 0 ? 0 : j - r, hi = j + r > n_cand - 1 ? n_cand - 1 : j + r;
  const int64_t tile_first = first - r;  // candidate index of tile[0]
  const int64_t tile_len = kPoolThreads + 2 * r;
  float acc = 0.0f;
  for (int64_t g = 0; g < per_head; ++g) {
    const int64_t qh = h * per_head + g;
    for (int64_t x = threadIdx.x; x < tile_len; x += kPoolThreads) {
      const int64_t i = tile_first + x;
      if (i >= 0 && i < n_cand) tile[x] = row_score(probs, qh, n_rows, t, i);
    }
    __syncthreads();
    if (j < n_cand) {
      float v = tile[lo - tile_first];
      for (int64_t i = lo + 1; i <= hi; ++i) {
        const float s = tile[i - tile_first];
        v = avg ? __fadd_rn(v, s) : fmaxf(v, s);
      }
      if (avg) v = __fdiv_rn(v, static_cast<float>(hi - lo + 1));
      acc = g == 0 ? v : __fadd_rn(acc, v);
    }
    __syncthreads();
  }
  if (j >= n_cand) return;
  if (per_head > 1) acc = __fdiv_rn(acc, static_cast<float>(per_head));
  pooled[h * n_cand + j] = acc;
}

// Warp 0 only: the next 8-bit digit of the k-th largest key. Bins are scanned from the top
// (lane l owns bins 255 - 8l .. 248 - 8l); the lane whose range holds the need-th key writes the
// digit into *prefix and the rank left within it into *need.
__device__ void pick_digit(const unsigned int* hist, int shift, uint32_t* prefix, int64_t* need) {
  const int lane = static_cast<int>(threadIdx.x);
  uint32_t count[8];
  int64_t sum = 0;
  for (int i = 0; i < 8; ++i) {
    count[i] = hist[255 - (lane * 8 + i)];
    sum += count[i];
  }
  int64_t incl = sum;
  for (int off = 1; off < 32; off <<= 1) {
    const int64_t v = __shfl_up_sync(0xffffffffu, incl, off);
    if (lane >= off) incl += v;
  }
  const int64_t want = *need, before = incl - sum;
  const uint32_t p = *prefix;
  __syncwarp();  // every lane has read *need and *prefix before one lane writes them
  if (before < want && want <= incl) {
    int64_t cum = before;
    for (int i = 0; i < 8; ++i) {
      if (cum + count[i] >= want) {
        *need = want - cum;
        *prefix = p | (static_cast<uint32_t>(255 - (lane * 8 + i)) << shift);
        break;
      }
      cum += count[i];
    }
  }
}

// One block per plan head. Radix select (4 passes of 8 bits) finds the k-th largest key thr and
// how many keys equal to it are kept (n_eq, lowest indices first); then each warp compacts a
// contiguous segment of candidates with ballots, starting at the kept count of the segments
// before it (one block-wide exchange instead of a block scan per chunk).
__global__ void select_kernel(const float* pooled, int64_t n_cand, int64_t t, const int64_t* caps,
                              int32_t* kept, int64_t kept_stride, int32_t* n_kept) {
  __shared__ unsigned int hist[256];
  __shared__ uint32_t s_prefix;
  __shared__ int64_t s_need;
  __shared__ int64_t warp_gt[kSelectWarps], warp_eq[kSelectWarps];
  const int64_t h = blockIdx.x;
  const float* s = pooled + h * n_cand;
  int32_t* out = kept + h * kept_stride;
  const int64_t cap = caps[h] < 0 ? 0 : caps[h];
  const int64_t k = cap < n_cand ? cap : n_cand;

  uint32_t thr = 0;
  int64_t n_eq = 0;  // keys equal to thr that are kept (lowest indices first)
  const bool rank = k > 0 && k < n_cand;
  if (rank) {
    if (threadIdx.x == 0) {
      s_prefix = 0;
      s_need = k;
    }
    uint32_t mask = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
      for (int b = threadIdx.x; b < 256; b += blockDim.x) hist[b] = 0;
      __syncthreads();
      const uint32_t prefix = s_prefix;
      for (int64_t j = threadIdx.x; j < n_cand; j += blockDim.x) {
        const uint32_t key = ordered_key(s[j]);
        if ((key & mask) == prefix) atomicAdd(&hist[(key >> shift) & 255u], 1u);
      }
      __syncthreads();
      if (threadIdx.x < 32) pick_digit(hist, shift, &s_prefix, &s_need);
      mask |= 255u << shift;
      __syncthreads();
    }
    thr = s_prefix;
    n_eq = s_need;
  }
  if (k > 0) {
    const int warp = static_cast<int>(threadIdx.x) / 32, lane = static_cast<int>(threadIdx.x) % 32;
    const uint32_t below = (1u << lane) - 1u;  // lanes before this one
    const int64_t per_warp = ((n_cand + kSelectWarps - 1) / kSelectWarps + 31) / 32 * 32;
    const int64_t seg_lo = min(n_cand, warp * per_warp), seg_hi = min(n_cand, seg_lo + per_warp);
    int64_t n_gt = 0, n_equal = 0;
    if (rank) {
      for (int64_t j0 = seg_lo; j0 < seg_hi; j0 += 32) {
        const int64_t j = j0 + lane;
        const uint32_t key = j < seg_hi ? ordered_key(s[j]) : 0u;
        n_gt += __popc(__ballot_sync(0xffffffffu, j < seg_hi && key > thr));
        n_equal += __popc(__ballot_sync(0xffffffffu, j < seg_hi && key == thr));
      }
    } else {
      n_gt = seg_hi - seg_lo;
    }
    if (lane == 0) {
      warp_gt[warp] = n_gt;
      warp_eq[warp] = n_equal;
    }
    __syncthreads();
    int64_t gt_before = 0, eq_seen = 0;
    for (int w = 0; w < warp; ++w) {
      gt_before += warp_gt[w];
      eq_seen += warp_eq[w];
    }
    int64_t pos = gt_before + min(eq_seen, n_eq);
    for (int64_t j0 = seg_lo; j0 < seg_hi; j0 += 32) {
      const int64_t j = j0 + lane;
      const bool in = j < seg_hi;
      const uint32_t key = in && rank ? ordered_key(s[j]) : 0u;
      const bool eq = in && rank && key == thr;
      const uint32_t eq_mask = __ballot_sync(0xffffffffu, eq);
      const bool keep =
          in && (!rank || key > thr || (eq && eq_seen + __popc(eq_mask & below) < n_eq));
      const uint32_t keep_mask = __ballot_sync(0xffffffffu, keep);
      if (keep) out[pos + __popc(keep_mask & below)] = static_cast<int32_t>(j);
      pos += __popc(keep_mask);
      eq_seen += __popc(eq_mask);
    }
  }
  // The candidates kept are exactly k (all keys above thr plus n_eq equal to it); the window
  // follows them.
  for (int64_t j = n_cand + threadIdx.x; j < t; j += blockDim.x)
    out[k + (j - n_cand)] = static_cast<int32_t>(j);
  if (threadIdx.x == 0) n_kept[h] = static_cast<int32_t>(k + (t - n_cand));
}

}  // namespace

bool device_present() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return n > 0;
}

const char* error_string(int error) { return cudaGetErrorString(static_cast<cudaError_t>(error)); }

size_t select_workspace_bytes(const SelectConfig& cfg, const ScoreInput& in) {
  return sizeof(float) * static_cast<size_t>(cfg.n_plan_heads() * cfg.n_candidates()) + 256;
}

int select_layer_device(const SelectConfig& cfg, const ScoreInput& in, const int64_t* caps,
                        void* workspace, const SelectOutput& out, void* stream) {
  if (in.probs == nullptr) return static_cast<int>(cudaErrorNotSupported);  // q/k: CPU only
  auto st = static_cast<cudaStream_t>(stream);
  const int64_t n_plan = cfg.n_plan_heads(), n_cand = cfg.n_candidates();
  float* pooled = out.pooled ? out.pooled : static_cast<float*>(workspace);
  const int64_t per_head = cfg.kv_granularity ? cfg.group() : 1;
  const int64_t r = cfg.pool == PoolKind::kNone ? 0 : cfg.pool_kernel / 2;
  if (r > kMaxPoolRadius) return static_cast<int>(cudaErrorInvalidValue);
  if (n_cand > 0) {
    dim3 grid(static_cast<unsigned>((n_cand + kPoolThreads - 1) / kPoolThreads),
              static_cast<unsigned>(n_plan));
    pool_kernel<<<grid, kPoolThreads, 0, st>>>(in.probs, cfg.n_rows, cfg.n_tokens, n_cand, per_head,
                                               r, cfg.pool == PoolKind::kAvg, pooled);
    if (cudaError_t e = cudaGetLastError(); e != cudaSuccess) return static_cast<int>(e);
  }
  select_kernel<<<static_cast<unsigned>(n_plan), kSelectThreads, 0, st>>>(
      pooled, n_cand, cfg.n_tokens, caps, out.kept, out.kept_stride, out.n_kept);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace slkv::runtime::cuda
