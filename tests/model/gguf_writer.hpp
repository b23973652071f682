#pragma once
// A minimal GGUF writer for tests: builds files byte by byte so tests can make valid files of
// every value type and then corrupt precise fields (it records where each field landed).

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace slkv::test {

class GgufWriter {
 public:
  // Scalars: `type_id` is the GGUF value type; `bytes` its little-endian encoding.
  template <typename T>
  void scalar(const std::string& key, uint32_t type_id, T value) {
    Kv kv{key, type_id, {}};
    append(kv.payload, value);
    kvs_.push_back(std::move(kv));
  }
  void string(const std::string& key, const std::string& value) {
    Kv kv{key, 8, {}};
    append_string(kv.payload, value);
    kvs_.push_back(std::move(kv));
  }
  template <typename T>
  void array(const std::string& key, uint32_t elem_type, const std::vector<T>& values) {
    Kv kv{key, 9, {}};
    append<uint32_t>(kv.payload, elem_type);
    append<uint64_t>(kv.payload, values.size());
    for (const T& v : values) append(kv.payload, v);
    kvs_.push_back(std::move(kv));
  }
  void string_array(const std::string& key, const std::vector<std::string>& values) {
    Kv kv{key, 9, {}};
    append<uint32_t>(kv.payload, 8);
    append<uint64_t>(kv.payload, values.size());
    for (const std::string& v : values) append_string(kv.payload, v);
    kvs_.push_back(std::move(kv));
  }
  // Raw value bytes after the type id (for hostile encodings).
  void raw(const std::string& key, uint32_t type_id, const std::string& payload) {
    kvs_.push_back({key, type_id, payload});
  }

  // ne in GGUF order (ne[0] innermost). `data` is the tensor's bytes.
  void tensor(const std::string& name, uint32_t ggml_type, const std::vector<uint64_t>& ne,
              const std::string& data) {
    tensors_.push_back({name, ggml_type, ne, data});
  }

  std::string build(uint32_t version = 3, uint64_t alignment = 32) {
    marks.clear();
    std::string out;
    append<uint32_t>(out, 0x46554747);
    marks["version"] = out.size();
    append<uint32_t>(out, version);
    marks["n_tensors"] = out.size();
    append<uint64_t>(out, tensors_.size());
    marks["n_kv"] = out.size();
    append<uint64_t>(out, kvs_.size());
    for (const Kv& kv : kvs_) {
      marks["key:" + kv.key] = out.size();
      append_string(out, kv.key);
      marks["type:" + kv.key] = out.size();
      append<uint32_t>(out, kv.type_id);
      marks["value:" + kv.key] = out.size();
      out += kv.payload;
    }
    uint64_t offset = 0;
    std::vector<uint64_t> offsets;
    for (const Tensor& t : tensors_) {
      marks["tensor:" + t.name] = out.size();
      append_string(out, t.name);
      marks["n_dims:" + t.name] = out.size();
      append<uint32_t>(out, static_cast<uint32_t>(t.ne.size()));
      marks["ne:" + t.name] = out.size();
      for (uint64_t d : t.ne) append<uint64_t>(out, d);
      marks["ggml_type:" + t.name] = out.size();
      append<uint32_t>(out, t.ggml_type);
      marks["offset:" + t.name] = out.size();
      append<uint64_t>(out, offset);
      offsets.push_back(offset);
      offset += (t.data.size() + alignment - 1) / alignment * alignment;
    }
    if (!tensors_.empty()) out.resize((out.size() + alignment - 1) / alignment * alignment, '\0');
    marks["data"] = out.size();
    for (size_t i = 0; i < tensors_.size(); ++i) {
      out.resize(marks["data"] + offsets[i], '\0');
      out += tensors_[i].data;
    }
    return out;
  }

  std::map<std::string, size_t> marks;  // field name -> byte offset, filled by build()

  template <typename T>
  static void append(std::string& out, T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));
  }
  static void append_string(std::string& out, const std::string& s) {
    append<uint64_t>(out, s.size());
    out += s;
  }

 private:
  struct Kv {
    std::string key;
    uint32_t type_id;
    std::string payload;
  };
  struct Tensor {
    std::string name;
    uint32_t ggml_type;
    std::vector<uint64_t> ne;
    std::string data;
  };
  std::vector<Kv> kvs_;
  std::vector<Tensor> tensors_;
};

template <typename T>
void poke(std::string& bytes, size_t at, T value) {
  std::memcpy(bytes.data() + at, &value, sizeof(T));
}

}  // namespace slkv::test
