#pragma once
// The exponentials and reductions of the blocked online softmax (engine/attention.cpp), one
// score row of a tile at a time. exp is a range-reduced polynomial, within a few ulp of
// std::exp (tests/engine/softmax_exp_test.cpp checks 4e-7 relative), vectorized with AVX-512F or
// AVX2+FMA when the CPU has them (chosen at run time) and a plain loop otherwise.

#include <cstdint>

namespace slkv {

// exp(x) for one x <= 0; -inf and x < -87 (results below 2^-125) give 0, NaN stays NaN.
float exp_nonpositive(float x);

// Largest of s[0..n) (-inf for n = 0); NaNs are not ordered (either may be returned).
float softmax_row_max(const float* s, int64_t n);

// s[j] = exp(s[j] - m) in place for j < n (every s[j] <= m; -inf becomes 0); returns the sum
// of the new values, accumulated in f32 lanes.
float exp_shift_sum(float* s, int64_t n, float m);

namespace detail {  // each implementation, for the tests

enum class SoftmaxIsa { kPortable, kAvx2, kAvx512 };
bool softmax_isa_supported(SoftmaxIsa isa);  // built in and run-time supported by this CPU
SoftmaxIsa best_softmax_isa();               // the one softmax_row_max / exp_shift_sum use
float softmax_row_max_isa(SoftmaxIsa isa, const float* s, int64_t n);
float exp_shift_sum_isa(SoftmaxIsa isa, float* s, int64_t n, float m);

}  // namespace detail

}  // namespace slkv
