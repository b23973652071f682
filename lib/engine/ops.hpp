#pragma once
// Dense building blocks of the forward pass, all in f32: RMSNorm, linear layers over stored
// (possibly quantized) weights, activations. Weights are dequantized chunk by chunk into a
// caller-owned scratch buffer right before each sgemm, so nothing model-sized is resident.

#include <cstdint>
#include <vector>

#include "model/tensor_info.hpp"

namespace slkv {

// Reusable dequantization scratch; grows to at most `max_floats` (chunks rows to fit).
struct LinearScratch {
  std::vector<float> buffer;
  int64_t max_floats = int64_t{8} << 20;  // 32 MiB
};

// y[t, :] = x[t, :] / rms(x[t, :]) * weight, for t < n_rows. x and y may alias.
// x, y: [n_rows, dim]; weight: [dim].
void rms_norm(const float* x, const float* weight, int64_t n_rows, int64_t dim, double eps,
              float* y);

// y = x · Wᵀ (+ bias): x [n_rows, in], W = `weight` stored [out, in], y [n_rows, out].
// `bias` is [out] or nullptr.
void linear(const TensorInfo& weight, const float* x, int64_t n_rows, float* y, const float* bias,
            LinearScratch& scratch);

// Same, for only the output columns [out_begin, out_end) of W; y is [n_rows, out_end-out_begin].
void linear_range(const TensorInfo& weight, int64_t out_begin, int64_t out_end, const float* x,
                  int64_t n_rows, float* y, const float* bias, LinearScratch& scratch);

// gate[i] = act(gate[i]) * up[i] for i < n; act is SiLU or tanh-approximated GELU.
void silu_mul(float* gate, const float* up, int64_t n);
void gelu_tanh_mul(float* gate, const float* up, int64_t n);

// Reads a small tensor (norm weight, bias, rope factors) as f32, checking its element count.
std::vector<float> read_vector(const TensorInfo& tensor, int64_t expected_elements);

}  // namespace slkv
