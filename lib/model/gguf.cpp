#include "model/gguf.hpp"

#include <cstdio>
#include <cstring>
#include <limits>

#include "core/error.hpp"

namespace slkv {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF"
constexpr uint64_t kMaxStringBytes = uint64_t{1} << 30;
constexpr uint64_t kMaxArrayCount = uint64_t{1} << 30;
constexpr uint64_t kMaxKeyBytes = 65535;
constexpr uint64_t kMaxTensorNameBytes = 63;  // ggml: name length < 64
constexpr uint32_t kMaxDims = 4;
constexpr uint64_t kDefaultAlignment = 32;
constexpr uint64_t kMaxAlignment = uint64_t{1} << 30;

bool mul_overflows(uint64_t a, uint64_t b, uint64_t* out) {
  return __builtin_mul_overflow(a, b, out);
}
bool add_overflows(uint64_t a, uint64_t b, uint64_t* out) {
  return __builtin_add_overflow(a, b, out);
}

// Bounds-checked little-endian reader over the mapping. Every read checks the remaining bytes
// first and reports the offset where the read started.
class Cursor {
 public:
  Cursor(const std::string& path, const uint8_t* data, uint64_t size)
      : path_(path), data_(data), size_(size) {}

  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return size_ - pos_; }

  [[noreturn]] void fail(uint64_t at, const std::string& what) const {
    throw_file_error(path_, at, what);
  }

  void need(uint64_t n_bytes, std::string_view what) const {
    if (n_bytes > remaining()) {
      fail(pos_, "truncated file: " + std::string(what) + " needs " + std::to_string(n_bytes) +
                     " bytes but only " + std::to_string(remaining()) + " remain");
    }
  }

  template <typename T>
  T read(std::string_view what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  std::string read_string(std::string_view what, uint64_t max_bytes) {
    const uint64_t at = pos_;
    const uint64_t n = read<uint64_t>(what);
    if (n > max_bytes) {
      fail(at, std::string(what) + " length " + std::to_string(n) + " exceeds the limit of " +
                   std::to_string(max_bytes) + " bytes");
    }
    need(n, what);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  const std::string& path_;
  const uint8_t* data_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

// Smallest encoded size of one element, used to bound array counts by the bytes left.
uint64_t min_encoded_bytes(GgufType t) {
  switch (t) {
    case GgufType::kU8:
    case GgufType::kI8:
    case GgufType::kBool:
      return 1;
    case GgufType::kU16:
    case GgufType::kI16:
      return 2;
    case GgufType::kU32:
    case GgufType::kI32:
    case GgufType::kF32:
      return 4;
    case GgufType::kU64:
    case GgufType::kI64:
    case GgufType::kF64:
    case GgufType::kString:
      return 8;
    case GgufType::kArray:
      return 12;
  }
  return 1;
}

bool valid_type_id(uint32_t id) { return id <= static_cast<uint32_t>(GgufType::kF64); }

// Reads one scalar of type `t` into `v`'s scalar fields.
void read_scalar(Cursor& c, GgufType t, GgufValue& v) {
  switch (t) {
    case GgufType::kU8:
      v.uint_value = c.read<uint8_t>("u8 value");
      break;
    case GgufType::kI8:
      v.int_value = c.read<int8_t>("i8 value");
      break;
    case GgufType::kU16:
      v.uint_value = c.read<uint16_t>("u16 value");
      break;
    case GgufType::kI16:
      v.int_value = c.read<int16_t>("i16 value");
      break;
    case GgufType::kU32:
      v.uint_value = c.read<uint32_t>("u32 value");
      break;
    case GgufType::kI32:
      v.int_value = c.read<int32_t>("i32 value");
      break;
    case GgufType::kU64:
      v.uint_value = c.read<uint64_t>("u64 value");
      break;
    case GgufType::kI64:
      v.int_value = c.read<int64_t>("i64 value");
      break;
    case GgufType::kF32:
      v.float_value = c.read<float>("f32 value");
      break;
    case GgufType::kF64:
      v.float_value = c.read<double>("f64 value");
      break;
    case GgufType::kBool:
      v.int_value = c.read<uint8_t>("bool value") != 0;
      break;
    case GgufType::kString:
      v.string_value = c.read_string("string value", kMaxStringBytes);
      break;
    case GgufType::kArray:
      break;  // handled by the caller
  }
  const bool is_unsigned =
      t == GgufType::kU8 || t == GgufType::kU16 || t == GgufType::kU32 || t == GgufType::kU64;
  if (is_unsigned) {
    v.int_value = v.uint_value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                      ? 0
                      : static_cast<int64_t>(v.uint_value);
  } else if (gguf_type_is_integer(t) || t == GgufType::kBool) {
    v.uint_value = static_cast<uint64_t>(v.int_value);
  }
}

void read_array(Cursor& c, GgufValue& v) {
  const uint64_t at = c.pos();
  const uint32_t elem_id = c.read<uint32_t>("array element type");
  if (!valid_type_id(elem_id)) {
    c.fail(at, "unknown array element type id " + std::to_string(elem_id));
  }
  const auto elem = static_cast<GgufType>(elem_id);
  if (elem == GgufType::kArray) c.fail(at, "nested arrays are not supported");
  v.array_type = elem;
  const uint64_t count_at = c.pos();
  const uint64_t count = c.read<uint64_t>("array count");
  if (count > kMaxArrayCount) {
    c.fail(count_at, "array count " + std::to_string(count) + " exceeds the limit of 2^30");
  }
  uint64_t min_bytes = 0;
  if (mul_overflows(count, min_encoded_bytes(elem), &min_bytes) || min_bytes > c.remaining()) {
    c.fail(count_at, "array count " + std::to_string(count) + " of " +
                         std::string(gguf_type_name(elem)) + " does not fit in the " +
                         std::to_string(c.remaining()) + " bytes left in the file");
  }
  GgufValue scratch;
  if (elem == GgufType::kString) {
    v.string_array.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      v.string_array.push_back(c.read_string("array string element", kMaxStringBytes));
    }
  } else if (gguf_type_is_float(elem)) {
    v.float_array.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      read_scalar(c, elem, scratch);
      v.float_array.push_back(scratch.float_value);
    }
  } else {
    const bool is_u64 = elem == GgufType::kU64;
    v.int_array.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      read_scalar(c, elem, scratch);
      if (is_u64 && scratch.uint_value > static_cast<uint64_t>(INT64_MAX)) {
        v.int_array_overflow = true;
      }
      v.int_array.push_back(scratch.int_value);
    }
  }
}

}  // namespace

std::string_view gguf_type_name(GgufType type) {
  switch (type) {
    case GgufType::kU8:
      return "u8";
    case GgufType::kI8:
      return "i8";
    case GgufType::kU16:
      return "u16";
    case GgufType::kI16:
      return "i16";
    case GgufType::kU32:
      return "u32";
    case GgufType::kI32:
      return "i32";
    case GgufType::kF32:
      return "f32";
    case GgufType::kBool:
      return "bool";
    case GgufType::kString:
      return "string";
    case GgufType::kArray:
      return "array";
    case GgufType::kU64:
      return "u64";
    case GgufType::kI64:
      return "i64";
    case GgufType::kF64:
      return "f64";
  }
  return "unknown";
}

bool gguf_type_is_integer(GgufType t) {
  switch (t) {
    case GgufType::kU8:
    case GgufType::kI8:
    case GgufType::kU16:
    case GgufType::kI16:
    case GgufType::kU32:
    case GgufType::kI32:
    case GgufType::kU64:
    case GgufType::kI64:
      return true;
    default:
      return false;
  }
}

bool gguf_type_is_float(GgufType t) { return t == GgufType::kF32 || t == GgufType::kF64; }

uint64_t GgufValue::array_size() const {
  if (!is_array()) return 0;
  if (array_type == GgufType::kString) return string_array.size();
  if (gguf_type_is_float(array_type)) return float_array.size();
  return int_array.size();
}

GgufFile::GgufFile(const std::string& path) : file_(path) { parse(); }

void GgufFile::parse() {
  const std::string& p = file_.path();
  Cursor c(p, file_.data(), file_.size());

  const uint32_t magic = c.read<uint32_t>("magic");
  if (magic != kMagic) c.fail(0, "not a GGUF file (bad magic)");
  version_ = c.read<uint32_t>("version");
  if ((version_ & 0xFFFF) == 0 && version_ != 0) {
    c.fail(4, "version field " + std::to_string(version_) +
                  " looks byte-swapped: big-endian GGUF files are not supported");
  }
  if (version_ != 2 && version_ != 3) {
    c.fail(4, "unsupported GGUF version " + std::to_string(version_) + " (supported: 2, 3)");
  }
  const uint64_t n_tensors_at = c.pos();
  const uint64_t n_tensors = c.read<uint64_t>("tensor count");
  const uint64_t n_kv_at = c.pos();
  const uint64_t n_kv = c.read<uint64_t>("metadata count");
  // Each KV needs at least key length (8) + type (4) + 1 byte; each tensor info at least
  // name length (8) + n_dims (4) + type (4) + offset (8).
  uint64_t bound = 0;
  if (mul_overflows(n_kv, 13, &bound) || bound > c.remaining()) {
    c.fail(n_kv_at, "metadata count " + std::to_string(n_kv) + " cannot fit in the file");
  }
  if (mul_overflows(n_tensors, 24, &bound) || bound > c.remaining()) {
    c.fail(n_tensors_at, "tensor count " + std::to_string(n_tensors) + " cannot fit in the file");
  }

  metadata_.reserve(n_kv);
  for (uint64_t i = 0; i < n_kv; ++i) {
    const uint64_t kv_at = c.pos();
    std::string key = c.read_string("metadata key", kMaxKeyBytes);
    if (key.empty()) c.fail(kv_at, "empty metadata key");
    if (metadata_index_.count(key)) c.fail(kv_at, "duplicate metadata key '" + key + "'");
    const uint64_t type_at = c.pos();
    const uint32_t type_id = c.read<uint32_t>("metadata value type");
    if (!valid_type_id(type_id)) {
      c.fail(type_at,
             "metadata key '" + key + "' has unknown value type id " + std::to_string(type_id));
    }
    GgufValue v;
    v.type = static_cast<GgufType>(type_id);
    v.file_offset = kv_at;
    if (v.type == GgufType::kArray) {
      read_array(c, v);
    } else {
      read_scalar(c, v.type, v);
    }
    metadata_index_.emplace(key, metadata_.size());
    metadata_.emplace_back(std::move(key), std::move(v));
  }

  if (const GgufValue* a = find("general.alignment")) {
    if (!gguf_type_is_integer(a->type)) {
      c.fail(a->file_offset, "general.alignment has type " + std::string(gguf_type_name(a->type)) +
                                 ", expected an unsigned integer");
    }
    const uint64_t align = a->uint_value;
    const bool negative = a->int_value < 0 && a->type != GgufType::kU64;
    if (negative || align == 0 || (align & (align - 1)) != 0 || align > kMaxAlignment) {
      c.fail(a->file_offset, "general.alignment " + std::to_string(a->int_value) +
                                 " is not a power of two in [1, 2^30]");
    }
    alignment_ = align;
  } else {
    alignment_ = kDefaultAlignment;
  }

  tensors_.reserve(n_tensors);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    const uint64_t info_at = c.pos();
    TensorInfo t;
    t.name = c.read_string("tensor name", kMaxStringBytes);
    if (t.name.empty()) c.fail(info_at, "empty tensor name");
    if (t.name.size() > kMaxTensorNameBytes) {
      c.fail(info_at,
             "tensor name of " + std::to_string(t.name.size()) + " bytes is too long (limit 63)");
    }
    if (tensor_index_.count(t.name)) c.fail(info_at, "duplicate tensor '" + t.name + "'");
    const uint64_t dims_at = c.pos();
    const uint32_t n_dims = c.read<uint32_t>("tensor n_dims");
    if (n_dims > kMaxDims) {
      c.fail(dims_at,
             "tensor '" + t.name + "' has " + std::to_string(n_dims) + " dimensions (limit 4)");
    }
    uint64_t ne[kMaxDims] = {1, 1, 1, 1};
    uint64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t ne_at = c.pos();
      ne[d] = c.read<uint64_t>("tensor dimension");
      if (ne[d] > static_cast<uint64_t>(INT64_MAX) ||
          mul_overflows(n_elements, ne[d], &n_elements) ||
          n_elements > static_cast<uint64_t>(INT64_MAX)) {
        c.fail(ne_at, "tensor '" + t.name + "' dimension " + std::to_string(d) + " = " +
                          std::to_string(ne[d]) + " makes the element count overflow");
      }
    }
    const uint64_t type_at = c.pos();
    const uint32_t type_id = c.read<uint32_t>("tensor type");
    const auto traits = ggml_type_traits(type_id);
    if (!traits) {
      c.fail(type_at,
             "tensor '" + t.name + "' has unknown ggml type id " + std::to_string(type_id));
    }
    t.type = static_cast<GgmlType>(type_id);
    if (ne[0] % traits->block_elements != 0) {
      c.fail(dims_at, "tensor '" + t.name + "' innermost dimension " + std::to_string(ne[0]) +
                          " is not a multiple of the " + std::string(traits->name) +
                          " block size " + std::to_string(traits->block_elements));
    }
    uint64_t n_bytes = (ne[0] / traits->block_elements);
    bool overflow = mul_overflows(n_bytes, traits->block_bytes, &n_bytes);
    for (uint32_t d = 1; d < kMaxDims && !overflow; ++d) {
      overflow = mul_overflows(n_bytes, ne[d], &n_bytes);
    }
    if (overflow) c.fail(dims_at, "tensor '" + t.name + "' byte size overflows");
    const uint64_t offset_at = c.pos();
    const uint64_t offset = c.read<uint64_t>("tensor offset");
    if (offset % alignment_ != 0) {
      c.fail(offset_at, "tensor '" + t.name + "' offset " + std::to_string(offset) +
                            " is not a multiple of the alignment " + std::to_string(alignment_));
    }
    t.n_bytes = n_bytes;
    t.file_offset = offset;  // relative for now; made absolute below
    for (uint32_t d = n_dims; d-- > 0;) t.shape.push_back(static_cast<int64_t>(ne[d]));
    t.file_path = p;
    tensor_index_.emplace(t.name, tensors_.size());
    tensors_.push_back(std::move(t));
  }

  const uint64_t end_of_infos = c.pos();
  data_offset_ = end_of_infos;
  if (n_tensors > 0) {
    const uint64_t pad = (alignment_ - end_of_infos % alignment_) % alignment_;
    if (add_overflows(end_of_infos, pad, &data_offset_) || data_offset_ > file_.size()) {
      c.fail(end_of_infos, "data section at " + std::to_string(end_of_infos + pad) +
                               " starts past the end of the file (" + std::to_string(file_.size()) +
                               " bytes)");
    }
  }
  const uint64_t data_bytes = file_.size() - data_offset_;
  for (TensorInfo& t : tensors_) {
    const uint64_t rel = t.file_offset;
    uint64_t end = 0;
    if (add_overflows(rel, t.n_bytes, &end) || end > data_bytes) {
      throw_file_error(p, data_offset_,
                       "tensor '" + t.name + "' bytes [" + std::to_string(rel) + ", +" +
                           std::to_string(t.n_bytes) + ") lie outside the data section of " +
                           std::to_string(data_bytes) + " bytes");
    }
    t.file_offset = data_offset_ + rel;
    t.data = file_.data() + t.file_offset;
  }
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = metadata_index_.find(key);
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

void GgufFile::type_error(std::string_view key, const GgufValue& v,
                          std::string_view expected) const {
  std::string actual(gguf_type_name(v.type));
  if (v.is_array()) actual += " of " + std::string(gguf_type_name(v.array_type));
  throw_file_error(path(), v.file_offset,
                   "metadata key '" + std::string(key) + "' has type " + actual + ", expected " +
                       std::string(expected));
}

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (!gguf_type_is_integer(v->type)) type_error(key, *v, "an integer");
  if (v->type == GgufType::kU64 && v->uint_value > static_cast<uint64_t>(INT64_MAX)) {
    throw_file_error(path(), v->file_offset,
                     "metadata key '" + std::string(key) + "' value " +
                         std::to_string(v->uint_value) +
                         " does not fit in a signed 64-bit integer");
  }
  return v->int_value;
}

std::optional<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (gguf_type_is_float(v->type)) return v->float_value;
  if (v->type == GgufType::kU64) return static_cast<double>(v->uint_value);
  if (gguf_type_is_integer(v->type)) return static_cast<double>(v->int_value);
  type_error(key, *v, "a number");
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufType::kBool) type_error(key, *v, "bool");
  return v->int_value != 0;
}

std::optional<std::string> GgufFile::get_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufType::kString) type_error(key, *v, "string");
  return v->string_value;
}

const std::vector<std::string>* GgufFile::find_string_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return nullptr;
  if (!v->is_array() || v->array_type != GgufType::kString) {
    type_error(key, *v, "array of string");
  }
  return &v->string_array;
}

std::vector<std::string> GgufFile::get_string_array(std::string_view key) const {
  const std::vector<std::string>* v = find_string_array(key);
  return v ? *v : std::vector<std::string>();
}

std::vector<float> GgufFile::get_float_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return {};
  if (!v->is_array() || v->array_type == GgufType::kString || v->array_type == GgufType::kBool) {
    type_error(key, *v, "array of numbers");
  }
  std::vector<float> out;
  if (gguf_type_is_float(v->array_type)) {
    out.assign(v->float_array.begin(), v->float_array.end());
  } else {
    out.assign(v->int_array.begin(), v->int_array.end());
  }
  return out;
}

std::vector<int64_t> GgufFile::get_int_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return {};
  if (!v->is_array()) return {*get_int(key)};
  if (!gguf_type_is_integer(v->array_type)) type_error(key, *v, "array of integers");
  if (v->int_array_overflow) {
    throw_file_error(path(), v->file_offset,
                     "metadata key '" + std::string(key) +
                         "' has a u64 element that does not fit in a signed 64-bit integer");
  }
  return v->int_array;
}

std::string gguf_value_to_string(const GgufValue& v, size_t max_elements) {
  auto scalar = [](GgufType t, int64_t i, uint64_t u, double f) -> std::string {
    if (t == GgufType::kBool) return i ? "true" : "false";
    if (t == GgufType::kU64) return std::to_string(u);
    if (gguf_type_is_float(t)) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.9g", f);
      return buf;
    }
    return std::to_string(i);
  };
  if (v.type == GgufType::kString) return v.string_value;
  if (!v.is_array()) return scalar(v.type, v.int_value, v.uint_value, v.float_value);
  const size_t n = v.array_size();
  std::string out(1, '[');
  out += gguf_type_name(v.array_type);
  out += " x " + std::to_string(n) + "]";
  for (size_t i = 0; i < n && i < max_elements; ++i) {
    out += i == 0 ? " " : ", ";
    if (v.array_type == GgufType::kString) {
      out += v.string_array[i];
    } else if (gguf_type_is_float(v.array_type)) {
      out += scalar(v.array_type, 0, 0, v.float_array[i]);
    } else {
      out += scalar(v.array_type, v.int_array[i], static_cast<uint64_t>(v.int_array[i]), 0);
    }
  }
  if (n > max_elements) out += ", ...";
  return out;
}

}  // namespace slkv
