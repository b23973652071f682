// GPU dequantization of ggml blocks (FORMATS.md section 2): one thread per output element, a
// grid-stride loop over the tensor, element decoders from dequant_elem.cuh. Every product and
// sum uses the _rn intrinsics, which nvcc never fuses into an FMA, in the same order as the CPU
// decoders (dl = d * scale, then dl * q - ml), so finite results are bit-identical to the CPU.
// NaN results carry the GPU's canonical NaN rather than an input payload.

#include <cuda_runtime.h>

#include <cstdint>

#include "dequant.hpp"
#include "dequant_elem.cuh"

namespace slkv::cuda {
namespace {

using namespace elem;  // NOLINT: the element decoders

constexpr int kThreads = 256;
// 16 Mi threads: far more than an H100/H200 keeps resident; larger tensors stride.
constexpr int64_t kMaxGridBlocks = int64_t{1} << 16;

template <typename Elem>
__global__ void dequant_kernel(const uint8_t* __restrict__ src, float* __restrict__ dst,
                               int64_t n) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    const int64_t block = i / Elem::kElems;
    dst[i] = Elem::at(src + block * Elem::kBytes, static_cast<int>(i % Elem::kElems));
  }
}

template <typename Elem>
int launch(const void* d_src, float* d_dst, int64_t n, cudaStream_t stream) {
  if (n % Elem::kElems != 0) return cudaErrorInvalidValue;
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  const unsigned grid = static_cast<unsigned>(blocks < kMaxGridBlocks ? blocks : kMaxGridBlocks);
  dequant_kernel<Elem><<<grid, kThreads, 0, stream>>>(static_cast<const uint8_t*>(d_src), d_dst, n);
  return cudaGetLastError();
}

}  // namespace

bool dequant_supported(GgmlType type) { return slkv::dequant_supported(type); }

int dequantize(GgmlType type, const void* d_src, float* d_dst, int64_t n_elements, void* stream) {
  if (n_elements < 0 || !slkv::dequant_supported(type)) return cudaErrorInvalidValue;
  if (n_elements == 0) return cudaSuccess;
  if (d_src == nullptr || d_dst == nullptr) return cudaErrorInvalidValue;
  auto s = static_cast<cudaStream_t>(stream);
  switch (type) {
    case GgmlType::F32:
      return cudaMemcpyAsync(d_dst, d_src, n_elements * sizeof(float), cudaMemcpyDeviceToDevice, s);
    case GgmlType::F16:
      return launch<F16Elem>(d_src, d_dst, n_elements, s);
    case GgmlType::BF16:
      return launch<BF16Elem>(d_src, d_dst, n_elements, s);
    case GgmlType::Q4_0:
      return launch<Q4_0Elem>(d_src, d_dst, n_elements, s);
    case GgmlType::Q4_1:
      return launch<Q4_1Elem>(d_src, d_dst, n_elements, s);
    case GgmlType::Q5_0:
      return launch<Q5_0Elem>(d_src, d_dst, n_elements, s);
    case GgmlType::Q5_1:
      return launch<Q5_1Elem>(d_src, d_dst, n_elements, s);
    case GgmlType::Q8_0:
      return launch<Q8_0Elem>(d_src, d_dst, n_elements, s);
    case GgmlType::Q2_K:
      return launch<Q2_KElem>(d_src, d_dst, n_elements, s);
    case GgmlType::Q3_K:
      return launch<Q3_KElem>(d_src, d_dst, n_elements, s);
    case GgmlType::Q4_K:
      return launch<Q4_KElem>(d_src, d_dst, n_elements, s);
    case GgmlType::Q5_K:
      return launch<Q5_KElem>(d_src, d_dst, n_elements, s);
    case GgmlType::Q6_K:
      return launch<Q6_KElem>(d_src, d_dst, n_elements, s);
    default:
      return cudaErrorInvalidValue;
  }
}

}  // namespace slkv::cuda
