#include "engine/kv_type.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "core/error.hpp"

namespace slkv {
namespace {

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Values that exercise rounding: specials, f16 subnormals and overflow, exact ties, and
// random magnitudes over the whole f32 range. 1003 elements so the vector loops have a tail.
std::vector<float> probe_values() {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> v = {0.0f,
                          -0.0f,
                          1.0f,
                          -2.5f,
                          65504.0f,
                          65519.0f,
                          65520.0f,
                          1e6f,
                          -1e6f,
                          inf,
                          -inf,
                          6.1035e-5f,
                          5.96e-8f,
                          2.98e-8f,
                          3e-8f,
                          1e-10f,
                          -1e-30f,
                          1.00048828f,
                          1.00146484f,
                          3.3895e38f,
                          from_bits(0x3f808000u),
                          from_bits(0x3f818000u),  // bf16 ties
                          from_bits(0x3f807fffu),
                          from_bits(0x00000001u),
                          from_bits(0x807fffffu)};
  std::mt19937 rng(3);
  std::uniform_int_distribution<uint32_t> bits;
  std::normal_distribution<float> normal(0.0f, 4.0f);
  while (v.size() < 600) {
    const float f = from_bits(bits(rng));
    if (!std::isnan(f)) v.push_back(f);
  }
  while (v.size() < 1003) v.push_back(normal(rng));
  return v;
}

TEST(KvType, NamesRoundTripAndUnknownNamesAreRejected) {
  for (KvType t : {KvType::kF32, KvType::kF16, KvType::kBF16}) {
    EXPECT_EQ(parse_kv_type(kv_type_name(t)), t);
  }
  EXPECT_EQ(kv_type_bytes(KvType::kF32), 4);
  EXPECT_EQ(kv_type_bytes(KvType::kF16), 2);
  EXPECT_EQ(kv_type_bytes(KvType::kBF16), 2);
  try {
    parse_kv_type("fp8");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'fp8'"), std::string::npos) << e.what();
  }
}

TEST(KvType, KnownEncodings) {
  struct Known {
    KvType type;
    float value;
    uint16_t bits;
  };
  const Known known[] = {{KvType::kF16, 1.0f, 0x3C00},
                         {KvType::kF16, -2.0f, 0xC000},
                         {KvType::kF16, 65504.0f, 0x7BFF},
                         {KvType::kF16, 65520.0f, 0x7C00},       // ties to inf
                         {KvType::kF16, 1.00048828f, 0x3C00},    // tie to even
                         {KvType::kF16, 1.00146484f, 0x3C02},    // tie to even
                         {KvType::kF16, 5.9604645e-8f, 0x0001},  // smallest
                         {KvType::kF16, 2.9802322e-8f, 0x0000},  // tie to zero
                         {KvType::kBF16, 1.0f, 0x3F80},
                         {KvType::kBF16, from_bits(0x3f808000u), 0x3F80},
                         {KvType::kBF16, from_bits(0x3f818000u), 0x3F82},
                         {KvType::kBF16, from_bits(0x3f807fffu), 0x3F80},
                         {KvType::kBF16, -3.0f, 0xC040}};
  for (const Known& k : known) {
    uint16_t a = 0, b = 0;
    kv_encode(k.type, &k.value, &a, 1);
    kv_encode_portable(k.type, &k.value, &b, 1);
    EXPECT_EQ(a, k.bits) << kv_type_name(k.type) << " " << k.value;
    EXPECT_EQ(b, k.bits) << kv_type_name(k.type) << " " << k.value;
  }
}

// The dispatched (F16C/AVX2 where present) conversions give the portable ones' bits, and a
// round trip is within half an ulp of the type (2^-11 relative for f16 normals, 2^-8 for bf16).
TEST(KvType, DispatchedEqualsPortableAndRoundTripIsWithinHalfAnUlp) {
  const std::vector<float> v = probe_values();
  const int64_t n = static_cast<int64_t>(v.size());
  for (KvType t : {KvType::kF16, KvType::kBF16}) {
    std::vector<uint16_t> fast(v.size()), slow(v.size());
    kv_encode(t, v.data(), fast.data(), n);
    kv_encode_portable(t, v.data(), slow.data(), n);
    std::vector<float> back_fast(v.size()), back_slow(v.size());
    kv_decode(t, fast.data(), back_fast.data(), n);
    kv_decode_portable(t, fast.data(), back_slow.data(), n);
    const double rel = t == KvType::kF16 ? std::ldexp(1.0, -11) : std::ldexp(1.0, -8);
    // Magnitudes from here on round to infinity (the largest finite value plus half an ulp).
    const double overflow =
        t == KvType::kF16 ? 65520.0 : 3.3895313892515355e38 + std::ldexp(1.0, 119);
    const double min_normal = t == KvType::kF16 ? 6.103515625e-05 : 1.1754943508222875e-38;
    for (size_t i = 0; i < v.size(); ++i) {
      ASSERT_EQ(fast[i], slow[i]) << kv_type_name(t) << " value " << v[i] << " (#" << i << ")";
      ASSERT_EQ(std::memcmp(&back_fast[i], &back_slow[i], 4), 0) << kv_type_name(t) << " #" << i;
      const double x = v[i], y = back_fast[i];
      if (std::fabs(x) >= overflow) {
        EXPECT_TRUE(std::isinf(y)) << kv_type_name(t) << " " << x;
      } else if (std::fabs(x) >= min_normal) {
        EXPECT_LE(std::fabs(y - x), rel * std::fabs(x)) << kv_type_name(t) << " " << x;
      } else {  // subnormal range: half of the smallest subnormal step
        EXPECT_LE(std::fabs(y - x), min_normal * rel) << kv_type_name(t) << " " << x;
      }
    }
    const float nan = std::numeric_limits<float>::quiet_NaN();
    uint16_t h = 0;
    float back = 0;
    kv_encode(t, &nan, &h, 1);
    kv_decode(t, &h, &back, 1);
    EXPECT_TRUE(std::isnan(back)) << kv_type_name(t);
  }
}

TEST(KvType, ConversionsRefuseF32) {
  float f = 1.0f;
  uint16_t h = 0;
  EXPECT_THROW(kv_encode(KvType::kF32, &f, &h, 1), Error);
  EXPECT_THROW(kv_decode_portable(KvType::kF32, &h, &f, 1), Error);
}

}  // namespace
}  // namespace slkv
