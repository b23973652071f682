#pragma once
// Reader for Hugging Face safetensors files, single or sharded (FORMATS.md section 7.1).
//
// Layout: u64 N (little-endian) | N bytes of JSON header | byte buffer.
// Header: {"name": {"dtype": "BF16", "shape": [d0, ...], "data_offsets": [begin, end]}, ...,
//          "__metadata__": {"key": "value", ...}}; offsets are relative to the buffer, and the
// tensors must tile the buffer exactly (no holes, no overlaps, nothing after the last one).
// Sharded checkpoints add model.safetensors.index.json: {"weight_map": {"name": "file"}}.
//
// Tensors keep their Hugging Face names here; Checkpoint maps them to GGUF names.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mapped_file.hpp"
#include "model/tensor_info.hpp"

namespace slkv {

struct SafetensorsDtype {
  std::string_view name;         // "BF16"
  uint32_t bits;                 // element size in bits (4 and 6 for the sub-byte float types)
  std::optional<GgmlType> ggml;  // slkv's element type, when there is one
};

// Every dtype of the safetensors spec; nullopt for an unknown string.
std::optional<SafetensorsDtype> safetensors_dtype(std::string_view name);

// True for the dtypes slkv loads as weights (F32, F16, BF16).
bool safetensors_weight_dtype_supported(std::string_view name);

class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const { return file_.path(); }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }  // sorted by offset
  // The dtype string of tensors()[i] (TensorInfo.type is only meaningful for types with a ggml
  // equivalent; see safetensors_weight_dtype_supported).
  const std::string& dtype(size_t i) const { return dtypes_[i]; }
  const TensorInfo* find(std::string_view name) const;
  size_t index_of(std::string_view name) const;  // SIZE_MAX when absent
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  uint64_t header_bytes() const { return header_bytes_; }
  const MappedFile& file() const { return file_; }

 private:
  void parse();
  MappedFile file_;
  uint64_t header_bytes_ = 0;
  std::vector<TensorInfo> tensors_;
  std::vector<std::string> dtypes_;
  std::map<std::string, size_t, std::less<>> index_;
  std::map<std::string, std::string> metadata_;
};

// All safetensors shards of a checkpoint directory: model.safetensors.index.json when present,
// otherwise model.safetensors. Every tensor of the weight map must exist in the shard it names.
class SafetensorsSet {
 public:
  explicit SafetensorsSet(const std::string& dir);

  const std::vector<std::unique_ptr<SafetensorsFile>>& files() const { return files_; }
  struct Entry {
    const SafetensorsFile* file;
    size_t index;  // into file->tensors()
  };
  // Name -> (shard, tensor), ordered by name.
  const std::map<std::string, Entry, std::less<>>& entries() const { return entries_; }
  const std::string& index_path() const { return index_path_; }  // empty when unsharded

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::string index_path_;
};

}  // namespace slkv
