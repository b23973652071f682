// CUDA twin of lib/runtime/select.cpp for probability inputs: pooled group-mean token scores
// (same float operation order as the CPU, so bit-identical), then per plan head a radix select
// of the k-th largest key and an ordered stream compaction of the kept positions (ties toward
// the lower index), window appended. Compared with the CPU by tests/kernels/runtime_select_test.

#include <cuda_runtime.h>

#include <cub/block/block_scan.cuh>

#include "runtime/cuda_launch.hpp"

namespace slkv::runtime::cuda {
namespace {

constexpr int kPoolThreads = 256;
constexpr int kSelectThreads = 512;

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

// pooled [n_plan_heads, n_cand]; grid (ceil(n_cand / kPoolThreads), n_plan_heads).
__global__ void pool_kernel(const float* probs, int64_t n_rows, int64_t t, int64_t n_cand,
                            int64_t per_head, int64_t r, int avg, float* pooled) {
  const int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  const int64_t h = blockIdx.y;
  if (j >= n_cand) return;
  const int64_t lo = j - r < 0 ? 0 : j - r, hi = j + r > n_cand - 1 ? n_cand - 1 : j + r;
  float acc = 0.0f;
  for (int64_t g = 0; g < per_head; ++g) {
    const int64_t qh = h * per_head + g;
    float v = row_score(probs, qh, n_rows, t, lo);
    for (int64_t i = lo + 1; i <= hi; ++i) {
      float s = row_score(probs, qh, n_rows, t, i);
      v = avg ? __fadd_rn(v, s) : fmaxf(v, s);
    }
    if (avg) v = __fdiv_rn(v, static_cast<float>(hi - lo + 1));
    acc = g == 0 ? v : __fadd_rn(acc, v);
  }
  if (per_head > 1) acc = __fdiv_rn(acc, static_cast<float>(per_head));
  pooled[h * n_cand + j] = acc;
}

// One block per plan head.
__global__ void select_kernel(const float* pooled, int64_t n_cand, int64_t t, const int64_t* caps,
                              int32_t* kept, int64_t kept_stride, int32_t* n_kept) {
  using Scan = cub::BlockScan<int, kSelectThreads>;
  __shared__ typename Scan::TempStorage scan_storage;
  __shared__ unsigned int hist[256];
  __shared__ uint32_t s_prefix;
  __shared__ int64_t s_need;
  __shared__ int s_base, s_eq_base;
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
        uint32_t key = ordered_key(s[j]);
        if ((key & mask) == prefix) atomicAdd(&hist[(key >> shift) & 255u], 1u);
      }
      __syncthreads();
      if (threadIdx.x == 0) {
        int64_t need = s_need;
        int b = 256;
        while (b-- > 0) {
          if (static_cast<int64_t>(hist[b]) >= need) break;
          need -= hist[b];
        }
        s_need = need;
        s_prefix = prefix | (static_cast<uint32_t>(b) << shift);
      }
      mask |= 255u << shift;
      __syncthreads();
    }
    thr = s_prefix;
    n_eq = s_need;
  }
  // Ordered compaction over chunks of blockDim candidates.
  if (threadIdx.x == 0) {
    s_base = 0;
    s_eq_base = 0;
  }
  __syncthreads();
  if (k > 0) {
    for (int64_t start = 0; start < n_cand; start += blockDim.x) {
      const int64_t j = start + threadIdx.x;
      int is_eq = 0, keep = 0;
      if (j < n_cand) {
        if (!rank) {
          keep = 1;
        } else {
          uint32_t key = ordered_key(s[j]);
          is_eq = key == thr;
          keep = key > thr;
        }
      }
      int eq_rank = 0, eq_total = 0;
      Scan(scan_storage).ExclusiveSum(is_eq, eq_rank, eq_total);
      __syncthreads();
      if (is_eq && s_eq_base + eq_rank < n_eq) keep = 1;
      int pos = 0, total = 0;
      Scan(scan_storage).ExclusiveSum(keep, pos, total);
      if (keep) out[s_base + pos] = static_cast<int32_t>(j);
      __syncthreads();
      if (threadIdx.x == 0) {
        s_base += total;
        s_eq_base += eq_total;
      }
      __syncthreads();
    }
  }
  const int base = s_base;
  for (int64_t j = n_cand + threadIdx.x; j < t; j += blockDim.x)
    out[base + (j - n_cand)] = static_cast<int32_t>(j);
  if (threadIdx.x == 0) n_kept[h] = static_cast<int32_t>(base + (t - n_cand));
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
  if (n_cand > 0) {
    dim3 grid(static_cast<unsigned>((n_cand + kPoolThreads - 1) / kPoolThreads),
              static_cast<unsigned>(n_plan));
    if (cfg.kv_granularity) {
      pool_kernel<<<grid, kPoolThreads, 0, st>>>(in.probs, cfg.n_rows, cfg.n_tokens, n_cand,
                                                 per_head, r, cfg.pool == PoolKind::kAvg, pooled);
    } else {
      pool_kernel<<<grid, kPoolThreads, 0, st>>>(in.probs, cfg.n_rows, cfg.n_tokens, n_cand, 1, r,
                                                 cfg.pool == PoolKind::kAvg, pooled);
    }
    if (cudaError_t e = cudaGetLastError(); e != cudaSuccess) return static_cast<int>(e);
  }
  select_kernel<<<static_cast<unsigned>(n_plan), kSelectThreads, 0, st>>>(
      pooled, n_cand, cfg.n_tokens, caps, out.kept, out.kept_stride, out.n_kept);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace slkv::runtime::cuda
