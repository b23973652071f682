// CUDA twin of compact_gather (lib/runtime/compact.cpp): one block per (plan head, chunk of kept
// rows); rows copied as 4-byte words when row_bytes allows, else bytes. Positions are trusted
// (they come from selection); tests/kernels/runtime_select_test compares with the CPU.

#include <cuda_runtime.h>

#include "runtime/cuda_launch.hpp"

namespace slkv::runtime::cuda {
namespace {

constexpr int kRowsPerBlock = 8;

template <class Word>
__global__ void gather_kernel(const Word* src, const int32_t* kept, int64_t kept_stride,
                              const int64_t* offsets, const int32_t* lengths, Word* dst,
                              int64_t n_tokens, int64_t n_kv_heads, int64_t group, int hnd,
                              int64_t row_words) {
  const int64_t h = blockIdx.y;
  const int64_t kvh = h / group;
  const int64_t first = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock;
  for (int64_t i = first; i < first + kRowsPerBlock && i < lengths[h]; ++i) {
    const int64_t pos = kept[h * kept_stride + i];
    const Word* in = src + (hnd ? (kvh * n_tokens + pos) : (pos * n_kv_heads + kvh)) * row_words;
    Word* out = dst + (offsets[h] + i) * row_words;
    for (int64_t w = threadIdx.x; w < row_words; w += blockDim.x) out[w] = in[w];
  }
}

}  // namespace

int compact_gather_device(const CompactConfig& cfg, const void* src, const int32_t* kept,
                          int64_t kept_stride, const int64_t* offsets, const int32_t* lengths,
                          void* data, void* stream) {
  auto st = static_cast<cudaStream_t>(stream);
  const int64_t row_bytes = cfg.row_bytes();
  // Rows per head are bounded by kept_stride (the device cannot read lengths before launch).
  dim3 grid(static_cast<unsigned>((kept_stride + kRowsPerBlock - 1) / kRowsPerBlock),
            static_cast<unsigned>(cfg.n_plan_heads));
  if (grid.x == 0) return 0;
  const bool hnd = cfg.layout == KvLayout::kHnd;
  const bool words = row_bytes % 4 == 0 && reinterpret_cast<uintptr_t>(src) % 4 == 0 &&
                     reinterpret_cast<uintptr_t>(data) % 4 == 0;
  if (words) {
    gather_kernel<uint32_t><<<grid, 128, 0, st>>>(static_cast<const uint32_t*>(src), kept,
                                                  kept_stride, offsets, lengths,
                                                  static_cast<uint32_t*>(data), cfg.n_tokens,
                                                  cfg.n_kv_heads, cfg.group(), hnd, row_bytes / 4);
  } else {
    gather_kernel<unsigned char>
        <<<grid, 128, 0, st>>>(static_cast<const unsigned char*>(src), kept, kept_stride, offsets,
                               lengths, static_cast<unsigned char*>(data), cfg.n_tokens,
                               cfg.n_kv_heads, cfg.group(), hnd, row_bytes);
  }
  return static_cast<int>(cudaGetLastError());
}

}  // namespace slkv::runtime::cuda
