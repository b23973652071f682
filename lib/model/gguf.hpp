#pragma once
// Reader for GGUF v2/v3 files (llama.cpp's checkpoint format) over a read-only memory map.
//
// Layout (little-endian; FORMATS.md section 1):
//   u32 magic "GGUF" | u32 version (2 or 3) | u64 n_tensors | u64 n_kv
//   n_kv x { string key | u32 value_type | value }
//   n_tensors x { string name | u32 n_dims | u64 ne[n_dims] | u32 ggml_type | u64 offset }
//   zero padding to `alignment` (general.alignment, default 32)
//   data section: tensor bytes at data_offset + offset
// string = u64 length + bytes (no NUL); array = u32 elem_type + u64 count + elements.
//
// Every count, length, size and offset is validated before it is used: the parser never reads
// past the end of the mapping and never allocates from an unchecked count. Any problem throws
// slkv::Error "<path>: at byte <offset>: <reason>".

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/mapped_file.hpp"
#include "model/tensor_info.hpp"

namespace slkv {

// Metadata value types, numbered as in the file.
enum class GgufType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

std::string_view gguf_type_name(GgufType type);
bool gguf_type_is_integer(GgufType type);  // u8..i64 (not bool)
bool gguf_type_is_float(GgufType type);    // f32, f64

// One metadata value. Scalars live in the field matching `type`; arrays in the vector matching
// `array_type` (integers and bools widen to int64, floats to double, which is exact for f32).
struct GgufValue {
  GgufType type = GgufType::kU8;
  GgufType array_type = GgufType::kU8;  // element type; meaningful when type == kArray
  uint64_t file_offset = 0;             // where the key starts, for error messages

  int64_t int_value = 0;    // signed integers and bool (0/1); unsigned up to INT64_MAX
  uint64_t uint_value = 0;  // unsigned integers, full range
  double float_value = 0;
  std::string string_value;

  std::vector<int64_t> int_array;   // integer / bool arrays
  bool int_array_overflow = false;  // a u64 element exceeded INT64_MAX
  std::vector<double> float_array;
  std::vector<std::string> string_array;

  bool is_array() const { return type == GgufType::kArray; }
  uint64_t array_size() const;
};

// Human-readable rendering for tools: scalars in full, arrays as "[type x N] a, b, c, ..." with
// at most `max_elements` shown.
std::string gguf_value_to_string(const GgufValue& value, size_t max_elements = 8);

class GgufFile {
 public:
  explicit GgufFile(const std::string& path);

  const std::string& path() const { return file_.path(); }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }

  const GgufValue* find(std::string_view key) const;  // nullptr when absent
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return metadata_; }

  // Typed getters: nullopt (or an empty vector) when the key is absent; slkv::Error naming the
  // file and key when it is present with an incompatible type.
  std::optional<int64_t> get_int(std::string_view key) const;   // any integer type, not bool
  std::optional<double> get_float(std::string_view key) const;  // f32/f64 or integer
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::string> get_string(std::string_view key) const;
  std::vector<std::string> get_string_array(std::string_view key) const;
  // The same without copying (vocabularies hold 10^5 strings): nullptr when absent.
  const std::vector<std::string>* find_string_array(std::string_view key) const;
  std::vector<float> get_float_array(std::string_view key) const;  // float or integer elements
  // Integer array, or a scalar integer as a one-element vector (per-layer keys may be either).
  std::vector<int64_t> get_int_array(std::string_view key) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;

  const MappedFile& file() const { return file_; }

 private:
  [[noreturn]] void type_error(std::string_view key, const GgufValue& value,
                               std::string_view expected) const;
  void parse();

  MappedFile file_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata_;  // file order
  std::map<std::string, size_t, std::less<>> metadata_index_;
  std::vector<TensorInfo> tensors_;  // file order
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

}  // namespace slkv
