#pragma once
// Prefill weights packed once. A PackedLinear dequantizes one linear layer's weight to f32 at
// construction and reorders it into the blocked layout oneDNN's matmul reads, so a many-row
// product (a prompt batch) neither dequantizes nor packs the weight again: the default path
// (ops.hpp, linear_range_gemm) does both on every call. The cost is memory: 4 bytes per weight
// element stay resident (SmolLM2-135M: 405 MiB for its 30 layers), so it is an option
// (Model::pack_prefill_weights), not the default. Results are f32 products like sgemm's, in a
// different summation order (tests/engine/packed_linear_test.cpp states the bound).
//
// Available only when slkv is built with oneDNN (CMake SLKV_ONEDNN, Debian libdnnl-dev);
// without it available() is false and the constructor throws slkv::Error.

#include <cstdint>
#include <memory>

#include "model/tensor_info.hpp"

namespace slkv {

class PackedLinear {
 public:
  static bool available();

  // Packs all of `weight` ([out, in], any stored type dequantize_rows reads). Throws
  // slkv::Error naming the tensor when oneDNN is absent or refuses the shape.
  explicit PackedLinear(const TensorInfo& weight);
  ~PackedLinear();
  PackedLinear(const PackedLinear&) = delete;
  PackedLinear& operator=(const PackedLinear&) = delete;

  // y = x · Wᵀ: x [n_rows, in] row-major, y [n_rows, out]. Any n_rows >= 1; threads: OpenMP's
  // (omp_get_max_threads() of the caller). Safe to call from several threads at once.
  void run(const float* x, int64_t n_rows, float* y) const;

  int64_t in() const { return in_; }
  int64_t out() const { return out_; }
  // Bytes of the packed copy.
  int64_t bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int64_t in_ = 0, out_ = 0;
};

}  // namespace slkv
