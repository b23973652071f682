#include "model/quant.hpp"

#include <omp.h>

#include <algorithm>
#include <string>

#include "core/error.hpp"
#include "core/parallel_guard.hpp"
#include "model/quant_blocks.hpp"

namespace slkv {
namespace {

// Below this many output elements a tensor is decoded on the calling thread: starting the
// OpenMP team costs more than the work (about 256 KiB of f32 output).
constexpr int64_t kParallelMinElements = int64_t{1} << 16;
// Work unit handed to one thread: 16 Ki elements (64 KiB of output).
constexpr int64_t kChunkElements = int64_t{1} << 14;

std::string type_label(GgmlType type) {
  const auto id = static_cast<uint32_t>(type);
  const auto traits = ggml_type_traits(id);
  return (traits ? std::string(traits->name) : std::string("unknown")) + " (id " +
         std::to_string(id) + ")";
}

[[noreturn]] void throw_unsupported(GgmlType type, const std::string& where) {
  if (!ggml_type_traits(static_cast<uint32_t>(type))) {
    throw Error(where + "unknown ggml type id " + std::to_string(static_cast<uint32_t>(type)));
  }
  throw Error(where + "dequantization of type " + type_label(type) +
              " is not supported (supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, "
              "Q3_K, Q4_K, Q5_K, Q6_K)");
}

GgmlTypeTraits checked_traits(GgmlType type, const std::string& where) {
  if (!dequant_supported(type)) throw_unsupported(type, where);
  return *ggml_type_traits(static_cast<uint32_t>(type));
}

// Decodes n_blocks blocks, splitting them over the OpenMP threads when the output is large.
void decode_parallel(GgmlType type, const GgmlTypeTraits& traits, const uint8_t* src, float* dst,
                     int64_t n_blocks) {
  const int64_t n_elements = n_blocks * traits.block_elements;
  if (n_elements < kParallelMinElements || omp_get_max_threads() == 1) {
    detail::dequantize_blocks(type, src, dst, n_blocks);
    return;
  }
  const int64_t chunk_blocks = std::max<int64_t>(1, kChunkElements / traits.block_elements);
  const int64_t n_chunks = (n_blocks + chunk_blocks - 1) / chunk_blocks;
  // Dynamic: a preempted thread (shared machines) does not hold up the whole tensor.
  ParallelGuard guard;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t c = 0; c < n_chunks; ++c) {
    const int64_t b0 = c * chunk_blocks;
    const int64_t nb = std::min(chunk_blocks, n_blocks - b0);
    guard.run([&] {
      detail::dequantize_blocks(type, src + b0 * traits.block_bytes,
                                dst + b0 * traits.block_elements, nb);
    });
  }
  guard.rethrow();
}

std::string tensor_where(const TensorInfo& t) {
  std::string where = "tensor '" + t.name + "'";
  if (!t.file_path.empty()) {
    where += " in " + t.file_path + " at offset " + std::to_string(t.file_offset);
  }
  return where + ": ";
}

}  // namespace

void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n_elements) {
  const GgmlTypeTraits traits = checked_traits(type, "");
  if (n_elements < 0 || n_elements % traits.block_elements != 0) {
    throw Error("dequantize " + type_label(type) + ": element count " + std::to_string(n_elements) +
                " is not a non-negative multiple of the block size " +
                std::to_string(traits.block_elements));
  }
  if (n_elements == 0) return;
  SLKV_CHECK(src != nullptr && dst != nullptr, "dequantize_row: null buffer");
  detail::dequantize_blocks(type, static_cast<const uint8_t*>(src), dst,
                            n_elements / traits.block_elements);
}

void dequantize_rows(const TensorInfo& t, int64_t row_begin, int64_t row_end, float* dst) {
  // The prompt GEMM calls this for every 16 weight rows: the message prefix is built only for
  // an error.
  if (!dequant_supported(t.type)) throw_unsupported(t.type, tensor_where(t));
  const GgmlTypeTraits traits = *ggml_type_traits(static_cast<uint32_t>(t.type));
  int64_t n_elements = 1;
  for (int64_t dim : t.shape) {
    if (dim < 0 || __builtin_mul_overflow(n_elements, dim, &n_elements)) {
      throw Error(tensor_where(t) + "invalid shape (negative dimension or element count overflow)");
    }
  }
  const int64_t row_elements = t.row_elements();
  if (row_elements % traits.block_elements != 0) {
    throw Error(tensor_where(t) + "row of " + std::to_string(row_elements) +
                " elements is not a multiple of the " + type_label(t.type) + " block size " +
                std::to_string(traits.block_elements));
  }
  const int64_t n_blocks = n_elements / traits.block_elements;
  int64_t expected_bytes = 0;
  if (__builtin_mul_overflow(n_blocks, static_cast<int64_t>(traits.block_bytes), &expected_bytes) ||
      static_cast<uint64_t>(expected_bytes) != t.n_bytes) {
    throw Error(tensor_where(t) + "holds " + std::to_string(t.n_bytes) +
                " bytes but its shape and type " + type_label(t.type) + " need " +
                std::to_string(expected_bytes));
  }
  const int64_t n_rows = row_elements ? n_elements / row_elements : 0;
  if (row_begin < 0 || row_begin > row_end || row_end > n_rows) {
    throw Error(tensor_where(t) + "row range [" + std::to_string(row_begin) + ", " +
                std::to_string(row_end) + ") outside [0, " + std::to_string(n_rows) + ")");
  }
  if (row_begin == row_end || row_elements == 0) return;
  if (t.data == nullptr || dst == nullptr)
    throw Error(tensor_where(t) + "no data or output buffer");
  // Rows are contiguous, so the range is one run of blocks.
  const int64_t blocks_per_row = row_elements / traits.block_elements;
  decode_parallel(t.type, traits, t.data + row_begin * blocks_per_row * traits.block_bytes, dst,
                  (row_end - row_begin) * blocks_per_row);
}

void dequantize_tensor(const TensorInfo& t, float* dst) {
  int64_t n_rows = 0;
  if (t.row_elements() > 0) {
    // dequantize_rows re-validates the shape; this only needs a row count that cannot trap.
    int64_t n = 1;
    for (int64_t dim : t.shape) {
      if (dim < 0 || __builtin_mul_overflow(n, dim, &n)) {
        throw Error(tensor_where(t) +
                    "invalid shape (negative dimension or element count overflow)");
      }
    }
    n_rows = n / t.row_elements();
  }
  dequantize_rows(t, 0, n_rows, dst);
}

}  // namespace slkv
