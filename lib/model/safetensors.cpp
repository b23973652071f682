#include "model/safetensors.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace slkv {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference reader's limit
constexpr int kMaxJsonDepth = 64;

using nlohmann::json;

constexpr std::array<SafetensorsDtype, 22> kDtypes = {{
    {"BOOL", 8, std::nullopt},        {"U8", 8, std::nullopt},
    {"I8", 8, GgmlType::I8},          {"F8_E5M2", 8, std::nullopt},
    {"F8_E4M3", 8, std::nullopt},     {"F8_E8M0", 8, std::nullopt},
    {"F8_E4M3FNUZ", 8, std::nullopt}, {"F8_E5M2FNUZ", 8, std::nullopt},
    {"I16", 16, GgmlType::I16},       {"U16", 16, std::nullopt},
    {"F16", 16, GgmlType::F16},       {"BF16", 16, GgmlType::BF16},
    {"I32", 32, GgmlType::I32},       {"U32", 32, std::nullopt},
    {"F32", 32, GgmlType::F32},       {"C64", 64, std::nullopt},
    {"F64", 64, GgmlType::F64},       {"I64", 64, GgmlType::I64},
    {"U64", 64, std::nullopt},        {"F4", 4, std::nullopt},
    {"F6_E2M3", 6, std::nullopt},     {"F6_E3M2", 6, std::nullopt},
}};

// nlohmann's parser recurses per nesting level; bound the depth before parsing so a hostile
// header of a million '[' cannot exhaust the stack.
bool json_depth_within(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      if (ch == '\\') {
        ++i;
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '{' || ch == '[') {
      if (++depth > max_depth) return false;
    } else if (ch == '}' || ch == ']') {
      --depth;
    }
  }
  return true;
}

// Parses JSON from a file, rejecting duplicate keys in the top-level object and deep nesting.
json parse_json(const std::string& path, uint64_t base_offset, std::string_view text) {
  if (!json_depth_within(text, kMaxJsonDepth)) {
    throw_file_error(path, base_offset, "JSON nested deeper than " + std::to_string(kMaxJsonDepth));
  }
  std::set<std::string> top_keys;
  std::string duplicate;
  json::parser_callback_t cb = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && duplicate.empty()) {
      const std::string& k = parsed.get_ref<const std::string&>();
      if (!top_keys.insert(k).second) duplicate = k;
    }
    return true;
  };
  json j;
  try {
    j = json::parse(text.begin(), text.end(), cb);
  } catch (const json::parse_error& e) {
    throw_file_error(path, base_offset + (e.byte > 0 ? e.byte - 1 : 0),
                     std::string("malformed JSON: ") + e.what());
  } catch (const json::exception& e) {  // out_of_range: a number too large for a double
    throw_file_error(path, std::string("malformed JSON header: ") + e.what());
  }
  if (!duplicate.empty()) throw_file_error(path, base_offset, "duplicate key '" + duplicate + "'");
  return j;
}

uint64_t get_u64(const json& v, const std::string& path, uint64_t at, const std::string& what) {
  if (!v.is_number_unsigned()) {
    throw_file_error(path, at, what + " must be a non-negative integer, got " + v.dump());
  }
  return v.get<uint64_t>();
}

}  // namespace

std::optional<SafetensorsDtype> safetensors_dtype(std::string_view name) {
  for (const SafetensorsDtype& d : kDtypes) {
    if (d.name == name) return d;
  }
  return std::nullopt;
}

bool safetensors_weight_dtype_supported(std::string_view name) {
  return name == "F32" || name == "F16" || name == "BF16";
}

SafetensorsFile::SafetensorsFile(const std::string& path) : file_(path) { parse(); }

void SafetensorsFile::parse() {
  const std::string& p = file_.path();
  const uint64_t size = file_.size();
  if (size < 8) {
    throw_file_error(p, 0,
                     "truncated file: " + std::to_string(size) +
                         " bytes, a safetensors file starts with an 8-byte header length");
  }
  uint64_t n = 0;
  std::memcpy(&n, file_.data(), 8);
  if (n > kMaxHeaderBytes) {
    throw_file_error(p, 0,
                     "header length " + std::to_string(n) + " exceeds the limit of " +
                         std::to_string(kMaxHeaderBytes) + " bytes");
  }
  if (n > size - 8) {
    throw_file_error(p, 0,
                     "truncated file: header length " + std::to_string(n) + " but only " +
                         std::to_string(size - 8) + " bytes follow");
  }
  header_bytes_ = n;
  const std::string_view text(reinterpret_cast<const char*>(file_.data() + 8), n);
  if (text.empty() || text[0] != '{') throw_file_error(p, 8, "header does not start with '{'");
  const json header = parse_json(p, 8, text);
  if (!header.is_object()) throw_file_error(p, 8, "header is not a JSON object");

  const uint64_t buffer_offset = 8 + n;
  const uint64_t buffer_bytes = size - buffer_offset;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;  // (begin, end) per tensor
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) throw_file_error(p, 8, "__metadata__ is not an object");
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) {
          throw_file_error(p, 8, "__metadata__ value for '" + k + "' is not a string");
        }
        metadata_[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!entry.is_object()) throw_file_error(p, 8, where + " entry is not an object");
    const auto dtype_it = entry.find("dtype");
    const auto shape_it = entry.find("shape");
    const auto offsets_it = entry.find("data_offsets");
    if (dtype_it == entry.end() || !dtype_it->is_string()) {
      throw_file_error(p, 8, where + " has no string 'dtype'");
    }
    const std::string dtype_name = dtype_it->get<std::string>();
    const auto dtype = safetensors_dtype(dtype_name);
    if (!dtype) throw_file_error(p, 8, where + " has unknown dtype '" + dtype_name + "'");
    if (shape_it == entry.end() || !shape_it->is_array() || shape_it->size() > 8) {
      throw_file_error(p, 8, where + " has no 'shape' array of at most 8 dimensions");
    }
    if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2) {
      throw_file_error(p, 8, where + " has no 'data_offsets' pair");
    }
    TensorInfo t;
    t.name = name;
    uint64_t n_elements = 1;
    for (const json& d : *shape_it) {
      const uint64_t dim = get_u64(d, p, 8, where + " shape entry");
      if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          __builtin_mul_overflow(n_elements, dim, &n_elements) ||
          n_elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw_file_error(p, 8, where + " shape " + shape_it->dump() + " overflows");
      }
      t.shape.push_back(static_cast<int64_t>(dim));
    }
    const uint64_t begin = get_u64((*offsets_it)[0], p, 8, where + " data_offsets[0]");
    const uint64_t end = get_u64((*offsets_it)[1], p, 8, where + " data_offsets[1]");
    if (begin > end || end > buffer_bytes) {
      throw_file_error(p, 8,
                       where + " data_offsets [" + std::to_string(begin) + ", " +
                           std::to_string(end) + "] lie outside the " +
                           std::to_string(buffer_bytes) + "-byte buffer");
    }
    uint64_t n_bits = 0;
    if (__builtin_mul_overflow(n_elements, dtype->bits, &n_bits) || n_bits % 8 != 0 ||
        n_bits / 8 != end - begin) {
      throw_file_error(p, 8,
                       where + " shape " + shape_it->dump() + " of " + dtype_name +
                           " does not match its " + std::to_string(end - begin) +
                           "-byte data range");
    }
    t.type = dtype->ggml.value_or(GgmlType::F32);
    t.file_offset = buffer_offset + begin;
    t.n_bytes = end - begin;
    t.data = file_.data() + t.file_offset;
    t.file_path = p;
    tensors_.push_back(std::move(t));
    dtypes_.push_back(dtype_name);
    ranges.emplace_back(begin, end);
  }

  // Sort by offset and require the ranges to tile the buffer exactly.
  std::vector<size_t> order(tensors_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ranges[a] < ranges[b]; });
  uint64_t expected = 0;
  for (size_t i : order) {
    if (ranges[i].first != expected) {
      throw_file_error(p, buffer_offset + std::min(expected, ranges[i].first),
                       "tensor '" + tensors_[i].name + "' starts at buffer offset " +
                           std::to_string(ranges[i].first) + " but the previous tensor ends at " +
                           std::to_string(expected) + " (tensors must tile the buffer)");
    }
    expected = ranges[i].second;
  }
  if (expected != buffer_bytes) {
    throw_file_error(p, buffer_offset + expected,
                     "tensors cover " + std::to_string(expected) + " bytes of a " +
                         std::to_string(buffer_bytes) + "-byte buffer");
  }
  std::vector<TensorInfo> sorted;
  std::vector<std::string> sorted_dtypes;
  for (size_t i : order) {
    index_.emplace(tensors_[i].name, sorted.size());
    sorted.push_back(std::move(tensors_[i]));
    sorted_dtypes.push_back(std::move(dtypes_[i]));
  }
  tensors_ = std::move(sorted);
  dtypes_ = std::move(sorted_dtypes);
}

size_t SafetensorsFile::index_of(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? SIZE_MAX : it->second;
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
  const size_t i = index_of(name);
  return i == SIZE_MAX ? nullptr : &tensors_[i];
}

SafetensorsSet::SafetensorsSet(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path index = fs::path(dir) / "model.safetensors.index.json";
  const fs::path single = fs::path(dir) / "model.safetensors";
  if (!fs::exists(index)) {
    if (!fs::exists(single)) {
      throw_file_error(dir, "no model.safetensors or model.safetensors.index.json in directory");
    }
    files_.push_back(std::make_unique<SafetensorsFile>(single.string()));
    const SafetensorsFile& f = *files_.back();
    for (size_t i = 0; i < f.tensors().size(); ++i) entries_[f.tensors()[i].name] = {&f, i};
    return;
  }
  index_path_ = index.string();
  const std::string text = read_file(index_path_);
  const json j = parse_json(index_path_, 0, text);
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object()) {
    throw_file_error(index_path_, "no 'weight_map' object");
  }
  std::map<std::string, SafetensorsFile*> by_shard;
  for (const auto& [name, shard_json] : j["weight_map"].items()) {
    if (!shard_json.is_string()) {
      throw_file_error(index_path_, "weight_map entry for '" + name + "' is not a string");
    }
    const std::string shard = shard_json.get<std::string>();
    // Shards must sit beside the index: no directories, no "..".
    if (shard.empty() || shard.find('/') != std::string::npos || shard == "." || shard == "..") {
      throw_file_error(index_path_, "weight_map entry for '" + name + "' names an invalid shard '" +
                                        shard + "'");
    }
    auto it = by_shard.find(shard);
    if (it == by_shard.end()) {
      files_.push_back(std::make_unique<SafetensorsFile>((fs::path(dir) / shard).string()));
      it = by_shard.emplace(shard, files_.back().get()).first;
    }
    const size_t i = it->second->index_of(name);
    if (i == SIZE_MAX) {
      throw_file_error(index_path_, "tensor '" + name + "' is mapped to " + shard +
                                        " but that shard does not contain it");
    }
    entries_[name] = {it->second, i};
  }
  for (const auto& f : files_) {
    for (const TensorInfo& t : f->tensors()) {
      if (!entries_.count(t.name)) {
        throw_file_error(index_path_,
                         "tensor '" + t.name + "' of " + f->path() + " is missing from weight_map");
      }
    }
  }
}

}  // namespace slkv
