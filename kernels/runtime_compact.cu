// CUDA twin of compact_gather (lib/runtime/compact.cpp). Grid (blocks per head, plan heads):
// each head's kept rows are one flat range of words (16, 4 or 1 bytes, the widest that the row
// size and both pointers allow), walked grid-stride so that consecutive threads copy
// consecutive words and a head with few rows ends its blocks at once. Positions are trusted
// (they come from selection); tests/kernels/runtime_select_test compares with the CPU and
// bench/runtime_select_gpu.cpp times it against cudaMemcpy.

#include <cuda_runtime.h>

#include <algorithm>

#include "runtime/cuda_launch.hpp"

namespace slkv::runtime::cuda {
namespace {

constexpr int kGatherThreads = 256;

// Index is uint32_t when every head's word range fits in 32 bits (cheaper division), else
// int64_t.
template <class Word, class Index>
__global__ void gather_kernel(const Word* src, const int32_t* kept, int64_t kept_stride,
                              const int64_t* offsets, const int32_t* lengths, Word* dst,
                              int64_t n_tokens, int64_t n_kv_heads, int64_t group, int hnd,
                              Index row_words) {
  const int64_t h = blockIdx.y;
  const int64_t kvh = h / group;
  const Index total = static_cast<Index>(lengths[h]) * row_words;
  const Word* head_src = src + (hnd ? kvh * n_tokens : kvh) * static_cast<int64_t>(row_words);
  const int64_t pos_words = (hnd ? 1 : n_kv_heads) * static_cast<int64_t>(row_words);
  const int32_t* head_kept = kept + h * kept_stride;
  Word* head_dst = dst + offsets[h] * static_cast<int64_t>(row_words);
  const Index step = static_cast<Index>(gridDim.x) * kGatherThreads;
  for (Index e = static_cast<Index>(blockIdx.x) * kGatherThreads + threadIdx.x; e < total;
       e += step) {
    const Index i = e / row_words, w = e - i * row_words;
    head_dst[e] = head_src[head_kept[i] * pos_words + w];
  }
}

template <class Word>
void launch(dim3 grid, cudaStream_t st, const void* src, const int32_t* kept, int64_t kept_stride,
            const int64_t* offsets, const int32_t* lengths, void* dst, const CompactConfig& cfg,
            int64_t row_words) {
  const bool hnd = cfg.layout == KvLayout::kHnd;
  const auto* in = static_cast<const Word*>(src);
  auto* out = static_cast<Word*>(dst);
  if (kept_stride * row_words < (int64_t{1} << 32) - kGatherThreads * int64_t{65536}) {
    gather_kernel<Word, uint32_t><<<grid, kGatherThreads, 0, st>>>(
        in, kept, kept_stride, offsets, lengths, out, cfg.n_tokens, cfg.n_kv_heads, cfg.group(),
        hnd, static_cast<uint32_t>(row_words));
  } else {
    gather_kernel<Word, int64_t><<<grid, kGatherThreads, 0, st>>>(
        in, kept, kept_stride, offsets, lengths, out, cfg.n_tokens, cfg.n_kv_heads, cfg.group(),
        hnd, row_words);
  }
}

bool aligned(const void* p, int64_t bytes, int64_t row_bytes) {
  return row_bytes % bytes == 0 && reinterpret_cast<uintptr_t>(p) % bytes == 0;
}

}  // namespace

int compact_gather_device(const CompactConfig& cfg, const void* src, const int32_t* kept,
                          int64_t kept_stride, const int64_t* offsets, const int32_t* lengths,
                          void* data, void* stream) {
  auto st = static_cast<cudaStream_t>(stream);
  const int64_t row_bytes = cfg.row_bytes();
  if (kept_stride <= 0 || row_bytes <= 0 || cfg.n_plan_heads <= 0) return 0;
  int device = 0, n_sm = 1;
  if (cudaError_t e = cudaGetDevice(&device); e != cudaSuccess) return static_cast<int>(e);
  if (cudaError_t e = cudaDeviceGetAttribute(&n_sm, cudaDevAttrMultiProcessorCount, device);
      e != cudaSuccess)
    return static_cast<int>(e);
  // Rows per head are bounded by kept_stride (the device cannot read lengths before launch):
  // enough blocks per head for the largest, capped near 8 resident blocks per SM in all.
  const int64_t word = aligned(src, 16, row_bytes) && aligned(data, 16, row_bytes) ? 16
                       : aligned(src, 4, row_bytes) && aligned(data, 4, row_bytes) ? 4
                                                                                   : 1;
  const int64_t row_words = row_bytes / word;
  const int64_t most = (kept_stride * row_words + kGatherThreads - 1) / kGatherThreads;
  const int64_t fill = (int64_t{8} * n_sm + cfg.n_plan_heads - 1) / cfg.n_plan_heads;
  dim3 grid(static_cast<unsigned>(std::max<int64_t>(1, std::min({most, fill, int64_t{65535}}))),
            static_cast<unsigned>(cfg.n_plan_heads));
  if (word == 16) {
    launch<uint4>(grid, st, src, kept, kept_stride, offsets, lengths, data, cfg, row_words);
  } else if (word == 4) {
    launch<uint32_t>(grid, st, src, kept, kept_stride, offsets, lengths, data, cfg, row_words);
  } else {
    launch<unsigned char>(grid, st, src, kept, kept_stride, offsets, lengths, data, cfg, row_words);
  }
  return static_cast<int>(cudaGetLastError());
}

}  // namespace slkv::runtime::cuda
