#pragma once
// Checks matvec_int8 on one weight against the f32 dequantize-and-dot reference, with the
// error bound stated in engine/matvec_int8.hpp: a tight check against the dot with the
// quantized activations x̂ (f32 rounding only) and the end-to-end bound against the f32 x.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/matvec_int8.hpp"
#include "model/quant.hpp"
#include "model/quant_blocks.hpp"

namespace slkv::test {

inline const char* isa_name(MatvecIsa isa) {
  switch (isa) {
    case MatvecIsa::best:
      return "best";
    case MatvecIsa::baseline:
      return "baseline";
    case MatvecIsa::avx2:
      return "avx2";
    case MatvecIsa::avx512_vnni:
      return "avx512_vnni";
  }
  return "?";
}

// The instruction sets to test: the portable baseline always, the others when the CPU has them.
inline std::vector<MatvecIsa> int8_isas() {
  std::vector<MatvecIsa> out = {MatvecIsa::baseline};
  for (MatvecIsa isa : {MatvecIsa::avx2, MatvecIsa::avx512_vnni}) {
    if (matvec_isa_available(isa)) out.push_back(isa);
  }
  return out;
}

// m_i of the bound: the magnitude of the block minimum for the types that have one.
inline double block_min_bound(GgmlType type, const uint8_t* block) {
  const auto half = [](const uint8_t* p) {
    return std::fabs(
        static_cast<double>(detail::half_to_float(static_cast<uint16_t>(p[0] | (p[1] << 8)))));
  };
  if (type == GgmlType::Q4_1) return half(block + 2);
  if (type == GgmlType::Q4_K || type == GgmlType::Q5_K) return 63.0 * half(block + 2);
  return 0.0;
}

// Runs matvec_int8 on rows [0, out) of `w` with n_rows random activation rows (one block of
// each row all zero, one with an outlier) and checks every output. `dense` is the
// dequantized weight [out, in].
inline void check_int8_matvec(const TensorInfo& w, const std::vector<float>& dense, MatvecIsa isa,
                              int64_t n_rows, std::mt19937& rng, const std::string& label) {
  constexpr double kU = 0x1p-24;
  const int64_t out = w.shape[0], in = w.shape[1];
  const auto traits = *ggml_type_traits(static_cast<uint32_t>(w.type));
  const int64_t row_bytes = in / traits.block_elements * traits.block_bytes;
  std::vector<double> min_bound(static_cast<size_t>(out * in));  // [out, in]
  for (int64_t j = 0; j < out; ++j) {
    for (int64_t i = 0; i < in; ++i) {
      const uint8_t* block =
          w.data + j * row_bytes + i / traits.block_elements * traits.block_bytes;
      min_bound[static_cast<size_t>(j * in + i)] = block_min_bound(w.type, block);
    }
  }
  std::vector<float> x(static_cast<size_t>(n_rows * in));  // [n_rows, in]
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (auto& v : x) v = dist(rng);
  for (int64_t t = 0; t < n_rows; ++t) {
    const int64_t zero_block = (t * 7) % (in / 32);
    std::fill_n(&x[static_cast<size_t>(t * in + zero_block * 32)], 32, 0.0f);
    x[static_cast<size_t>(t * in + (t * 13 + 5) % in)] = 40.0f;  // an outlier
  }
  std::vector<float> y(static_cast<size_t>(n_rows * out), NAN);  // [n_rows, out]
  matvec_int8(w, 0, out, x.data(), n_rows, y.data(), isa);
  const int64_t k = in / 32 + 8;
  const double gamma = k * kU / (1.0 - k * kU);
  Q8Row q;
  for (int64_t t = 0; t < n_rows; ++t) {
    const float* xt = &x[static_cast<size_t>(t * in)];
    quantize_row_q8(xt, in, q);
    for (int64_t j = 0; j < out; ++j) {
      const float* wj = &dense[static_cast<size_t>(j * in)];
      double exact = 0, exact_hat = 0, magnitude = 0, quant_err = 0;
      for (int64_t i = 0; i < in; ++i) {
        const double d = q.d[static_cast<size_t>(i / 32)];
        const double xh = d * q.q[static_cast<size_t>(i)];
        exact += static_cast<double>(wj[i]) * xt[i];
        exact_hat += static_cast<double>(wj[i]) * xh;
        magnitude +=
            (std::fabs(wj[i]) + 2.0 * min_bound[static_cast<size_t>(j * in + i)]) * std::fabs(xh);
        quant_err += (0.5 + 0x1p-15) * d * std::fabs(wj[i]);
      }
      const double got = y[static_cast<size_t>(t * out + j)];
      ASSERT_LE(std::fabs(got - exact_hat), gamma * magnitude + 1e-30)
          << label << " " << isa_name(isa) << " rows " << n_rows << " t " << t << " j " << j;
      ASSERT_LE(std::fabs(got - exact), quant_err + gamma * magnitude + 1e-30)
          << label << " " << isa_name(isa) << " rows " << n_rows << " t " << t << " j " << j;
    }
  }
}

}  // namespace slkv::test
