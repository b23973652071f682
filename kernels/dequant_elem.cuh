#pragma once
// Per-element decoders of the ggml block formats for the CUDA kernels (kernels/dequant.cu),
// written as host+device functions so that a CPU test can check their index arithmetic
// against the CPU decoders on machines without a GPU. Element e of a block at b is
// Elem::at(b, e). On the device every product and sum is an _rn intrinsic, which nvcc never
// fuses into an FMA; on the host the includer must compile without contraction.

#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define SLKV_HD __host__ __device__
#else
#define SLKV_HD
#endif

namespace slkv::cuda::elem {

SLKV_HD inline float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
SLKV_HD inline float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
SLKV_HD inline float sub_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}
SLKV_HD inline uint32_t float_as_uint(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
#endif
}
SLKV_HD inline float uint_as_float(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, 4);
  return f;
#endif
}

SLKV_HD inline uint32_t load_u16(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8);
}

// Exact binary16 -> binary32 on the bits, like the CPU: subnormals are mantissa * 2^-24.
SLKV_HD inline float half_bits_to_float(uint32_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  const uint32_t em = h & 0x7fffu;
  const uint32_t e = em >> 10;
  uint32_t bits;
  if (e == 0) {
    bits = float_as_uint(mul_rn(static_cast<float>(em), 0x1p-24f));
  } else if (e == 31) {
    bits = (em << 13) | 0x7f800000u;
  } else {
    bits = (em << 13) + (112u << 23);
  }
  return uint_as_float(sign | bits);
}

SLKV_HD inline float load_half(const uint8_t* p) { return half_bits_to_float(load_u16(p)); }

// Low nibble of byte e for e < 16, high nibble of byte e - 16 otherwise.
SLKV_HD inline int nibble32(const uint8_t* qs, int e) {
  return e < 16 ? (qs[e] & 0xF) : (qs[e - 16] >> 4);
}

struct F16Elem {
  static constexpr int kElems = 1, kBytes = 2;
  SLKV_HD static float at(const uint8_t* b, int) { return load_half(b); }
};
struct BF16Elem {
  static constexpr int kElems = 1, kBytes = 2;
  SLKV_HD static float at(const uint8_t* b, int) { return uint_as_float(load_u16(b) << 16); }
};
struct Q4_0Elem {
  static constexpr int kElems = 32, kBytes = 18;
  SLKV_HD static float at(const uint8_t* b, int e) {
    return mul_rn(static_cast<float>(nibble32(b + 2, e) - 8), load_half(b));
  }
};
struct Q4_1Elem {
  static constexpr int kElems = 32, kBytes = 20;
  SLKV_HD static float at(const uint8_t* b, int e) {
    const float p = mul_rn(load_half(b), static_cast<float>(nibble32(b + 4, e)));
    return add_rn(p, load_half(b + 2));
  }
};
SLKV_HD inline int q5(const uint8_t* qh, const uint8_t* qs, int e) {
  const uint32_t h = static_cast<uint32_t>(qh[0]) | (static_cast<uint32_t>(qh[1]) << 8) |
                     (static_cast<uint32_t>(qh[2]) << 16) | (static_cast<uint32_t>(qh[3]) << 24);
  return nibble32(qs, e) | static_cast<int>(((h >> e) & 1u) << 4);
}
struct Q5_0Elem {
  static constexpr int kElems = 32, kBytes = 22;
  SLKV_HD static float at(const uint8_t* b, int e) {
    return mul_rn(static_cast<float>(q5(b + 2, b + 6, e) - 16), load_half(b));
  }
};
struct Q5_1Elem {
  static constexpr int kElems = 32, kBytes = 24;
  SLKV_HD static float at(const uint8_t* b, int e) {
    const float p = mul_rn(load_half(b), static_cast<float>(q5(b + 4, b + 8, e)));
    return add_rn(p, load_half(b + 2));
  }
};
struct Q8_0Elem {
  static constexpr int kElems = 32, kBytes = 34;
  SLKV_HD static float at(const uint8_t* b, int e) {
    return mul_rn(static_cast<float>(static_cast<int8_t>(b[2 + e])), load_half(b));
  }
};
struct Q2_KElem {
  static constexpr int kElems = 256, kBytes = 84;
  SLKV_HD static float at(const uint8_t* b, int e) {
    const uint8_t sc = b[e / 16];
    const float dl = mul_rn(load_half(b + 80), static_cast<float>(sc & 0xF));
    const float ml = mul_rn(load_half(b + 82), static_cast<float>(sc >> 4));
    const int q = (b[16 + 32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
    return sub_rn(mul_rn(dl, static_cast<float>(q)), ml);
  }
};
struct Q3_KElem {
  static constexpr int kElems = 256, kBytes = 110;
  SLKV_HD static float at(const uint8_t* b, int e) {
    const uint8_t* sc = b + 96;
    const int i = e / 16;
    const int low4 = i < 8 ? (sc[i] & 0xF) : (sc[i - 8] >> 4);
    const int high2 = (sc[8 + i % 4] >> (2 * (i / 4))) & 3;
    const float dl = mul_rn(load_half(b + 108), static_cast<float>((low4 | (high2 << 4)) - 32));
    const int q2 = (b[32 + 32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
    const int q = q2 - (((b[e % 32] >> (e / 32)) & 1) ? 0 : 4);
    return mul_rn(dl, static_cast<float>(q));
  }
};
SLKV_HD inline void scale_min_k4(int j, const uint8_t* s, int* sc, int* m) {
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
  SLKV_HD static float at(const uint8_t* b, int e) {
    const int j = e / 32;
    int sc, m;
    scale_min_k4(j, b + 4, &sc, &m);
    const float d1 = mul_rn(load_half(b), static_cast<float>(sc));
    const float m1 = mul_rn(load_half(b + 2), static_cast<float>(m));
    const int q = (b[16 + 32 * (e / 64) + e % 32] >> (4 * (j & 1))) & 0xF;
    return sub_rn(mul_rn(d1, static_cast<float>(q)), m1);
  }
};
struct Q5_KElem {
  static constexpr int kElems = 256, kBytes = 176;
  SLKV_HD static float at(const uint8_t* b, int e) {
    const int j = e / 32;
    int sc, m;
    scale_min_k4(j, b + 4, &sc, &m);
    const float d1 = mul_rn(load_half(b), static_cast<float>(sc));
    const float m1 = mul_rn(load_half(b + 2), static_cast<float>(m));
    const int lo = (b[48 + 32 * (e / 64) + e % 32] >> (4 * (j & 1))) & 0xF;
    const int q = lo | (((b[16 + e % 32] >> j) & 1) << 4);
    return sub_rn(mul_rn(d1, static_cast<float>(q)), m1);
  }
};
struct Q6_KElem {
  static constexpr int kElems = 256, kBytes = 210;
  SLKV_HD static float at(const uint8_t* b, int e) {
    const int g = e / 128, r = e % 128;
    const int lo = (b[64 * g + r % 64] >> (4 * (r / 64))) & 0xF;
    const int hi = (b[128 + 32 * g + r % 32] >> (2 * (r / 32))) & 3;
    const int q = (lo | (hi << 4)) - 32;
    const float dl =
        mul_rn(load_half(b + 208), static_cast<float>(static_cast<int8_t>(b[192 + e / 16])));
    return mul_rn(dl, static_cast<float>(q));
  }
};

}  // namespace slkv::cuda::elem
