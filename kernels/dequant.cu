// GPU dequantization of ggml blocks (FORMATS.md section 2): one thread per output element, a
// grid-stride loop over the tensor. Every product and sum uses the _rn intrinsics, which nvcc
// never fuses into an FMA, in the same order as the CPU decoders (dl = d * scale, then
// dl * q - ml), so finite results are bit-identical to the CPU. NaN results carry the GPU's
// canonical NaN rather than an input payload.

#include <cuda_runtime.h>

#include <cstdint>

#include "dequant.hpp"

namespace slkv::cuda {
namespace {

constexpr int kThreads = 256;
// 16 Mi threads: far more than an H100/H200 keeps resident; larger tensors stride.
constexpr int64_t kMaxGridBlocks = int64_t{1} << 16;

__device__ __forceinline__ uint32_t load_u16(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8);
}

// Exact binary16 -> binary32 on the bits, like the CPU: subnormals are mantissa * 2^-24.
__device__ __forceinline__ float half_bits_to_float(uint32_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  const uint32_t em = h & 0x7fffu;
  const uint32_t e = em >> 10;
  uint32_t bits;
  if (e == 0) {
    bits = __float_as_uint(__fmul_rn(static_cast<float>(em), 0x1p-24f));
  } else if (e == 31) {
    bits = (em << 13) | 0x7f800000u;
  } else {
    bits = (em << 13) + (112u << 23);
  }
  return __uint_as_float(sign | bits);
}

__device__ __forceinline__ float load_half(const uint8_t* p) {
  return half_bits_to_float(load_u16(p));
}

// Low nibble of byte e for e < 16, high nibble of byte e - 16 otherwise.
__device__ __forceinline__ int nibble32(const uint8_t* qs, int e) {
  return e < 16 ? (qs[e] & 0xF) : (qs[e - 16] >> 4);
}

struct F16Elem {
  static constexpr int kElems = 1, kBytes = 2;
  __device__ static float at(const uint8_t* b, int) { return load_half(b); }
};
struct BF16Elem {
  static constexpr int kElems = 1, kBytes = 2;
  __device__ static float at(const uint8_t* b, int) { return __uint_as_float(load_u16(b) << 16); }
};
struct Q4_0Elem {
  static constexpr int kElems = 32, kBytes = 18;
  __device__ static float at(const uint8_t* b, int e) {
    return __fmul_rn(static_cast<float>(nibble32(b + 2, e) - 8), load_half(b));
  }
};
struct Q4_1Elem {
  static constexpr int kElems = 32, kBytes = 20;
  __device__ static float at(const uint8_t* b, int e) {
    const float p = __fmul_rn(load_half(b), static_cast<float>(nibble32(b + 4, e)));
    return __fadd_rn(p, load_half(b + 2));
  }
};
__device__ __forceinline__ int q5(const uint8_t* qh, const uint8_t* qs, int e) {
  const uint32_t h = static_cast<uint32_t>(qh[0]) | (static_cast<uint32_t>(qh[1]) << 8) |
                     (static_cast<uint32_t>(qh[2]) << 16) | (static_cast<uint32_t>(qh[3]) << 24);
  return nibble32(qs, e) | static_cast<int>(((h >> e) & 1u) << 4);
}
struct Q5_0Elem {
  static constexpr int kElems = 32, kBytes = 22;
  __device__ static float at(const uint8_t* b, int e) {
    return __fmul_rn(static_cast<float>(q5(b + 2, b + 6, e) - 16), load_half(b));
  }
};
struct Q5_1Elem {
  static constexpr int kElems = 32, kBytes = 24;
  __device__ static float at(const uint8_t* b, int e) {
    const float p = __fmul_rn(load_half(b), static_cast<float>(q5(b + 4, b + 8, e)));
    return __fadd_rn(p, load_half(b + 2));
  }
};
struct Q8_0Elem {
  static constexpr int kElems = 32, kBytes = 34;
  __device__ static float at(const uint8_t* b, int e) {
    return __fmul_rn(static_cast<float>(static_cast<int8_t>(b[2 + e])), load_half(b));
  }
};
struct Q2_KElem {
  static constexpr int kElems = 256, kBytes = 84;
  __device__ static float at(const uint8_t* b, int e) {
    const uint8_t sc = b[e / 16];
    const float dl = __fmul_rn(load_half(b + 80), static_cast<float>(sc & 0xF));
    const float ml = __fmul_rn(load_half(b + 82), static_cast<float>(sc >> 4));
    const int q = (b[16 + 32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
    return __fsub_rn(__fmul_rn(dl, static_cast<float>(q)), ml);
  }
};
struct Q3_KElem {
  static constexpr int kElems = 256, kBytes = 110;
  __device__ static float at(const uint8_t* b, int e) {
    const uint8_t* sc = b + 96;
    const int i = e / 16;
    const int low4 = i < 8 ? (sc[i] & 0xF) : (sc[i - 8] >> 4);
    const int high2 = (sc[8 + i % 4] >> (2 * (i / 4))) & 3;
    const float dl = __fmul_rn(load_half(b + 108), static_cast<float>((low4 | (high2 << 4)) - 32));
    const int q2 = (b[32 + 32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
    const int q = q2 - (((b[e % 32] >> (e / 32)) & 1) ? 0 : 4);
    return __fmul_rn(dl, static_cast<float>(q));
  }
};
__device__ __forceinline__ void scale_min_k4(int j, const uint8_t* s, int* sc, int* m) {
  if (j < 4) {
    *sc = s[j] & 63;
    *m = s[j + 4] & 63;
  } else {
    *sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
    *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}
struct Q4_KElem {
  static constexpr int kElems = 256, kBytes = 144;
  __device__ static float at(const uint8_t* b, int e) {
    const int j = e / 32;
    int sc, m;
    scale_min_k4(j, b + 4, &sc, &m);
    const float d1 = __fmul_rn(load_half(b), static_cast<float>(sc));
    const float m1 = __fmul_rn(load_half(b + 2), static_cast<float>(m));
    const int q = (b[16 + 32 * (e / 64) + e % 32] >> (4 * (j & 1))) & 0xF;
    return __fsub_rn(__fmul_rn(d1, static_cast<float>(q)), m1);
  }
};
struct Q5_KElem {
  static constexpr int kElems = 256, kBytes = 176;
  __device__ static float at(const uint8_t* b, int e) {
    const int j = e / 32;
    int sc, m;
    scale_min_k4(j, b + 4, &sc, &m);
    const float d1 = __fmul_rn(load_half(b), static_cast<float>(sc));
    const float m1 = __fmul_rn(load_half(b + 2), static_cast<float>(m));
    const int lo = (b[48 + 32 * (e / 64) + e % 32] >> (4 * (j & 1))) & 0xF;
    const int q = lo | (((b[16 + e % 32] >> j) & 1) << 4);
    return __fsub_rn(__fmul_rn(d1, static_cast<float>(q)), m1);
  }
};
struct Q6_KElem {
  static constexpr int kElems = 256, kBytes = 210;
  __device__ static float at(const uint8_t* b, int e) {
    const int g = e / 128, r = e % 128;
    const int lo = (b[64 * g + r % 64] >> (4 * (r / 64))) & 0xF;
    const int hi = (b[128 + 32 * g + r % 32] >> (2 * (r / 32))) & 3;
    const int q = (lo | (hi << 4)) - 32;
    const float dl =
        __fmul_rn(load_half(b + 208), static_cast<float>(static_cast<int8_t>(b[192 + e / 16])));
    return __fmul_rn(dl, static_cast<float>(q));
  }
};

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

bool dequant_supported(GgmlType type) {
  switch (type) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q4_0:
    case GgmlType::Q4_1:
    case GgmlType::Q5_0:
    case GgmlType::Q5_1:
    case GgmlType::Q8_0:
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
      return true;
    default:
      return false;
  }
}

int dequantize(GgmlType type, const void* d_src, float* d_dst, int64_t n_elements, void* stream) {
  if (n_elements < 0 || !dequant_supported(type)) return cudaErrorInvalidValue;
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
