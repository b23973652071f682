#include "engine/weight_source.hpp"

#include "core/error.hpp"

namespace slkv {

const TensorInfo& WeightSource::require(std::string_view name) const {
  const TensorInfo* info = find(name);
  if (!info) throw_file_error(description(), "missing tensor '" + std::string(name) + "'");
  return *info;
}

std::vector<float>& MemoryWeights::add(const std::string& name, std::vector<int64_t> shape) {
  auto entry = std::make_unique<Entry>();
  entry->info.name = name;
  entry->info.type = GgmlType::F32;
  entry->info.shape = std::move(shape);
  entry->values.assign(static_cast<size_t>(entry->info.n_elements()), 0.0f);
  entry->info.n_bytes = entry->values.size() * sizeof(float);
  entry->info.data = reinterpret_cast<const uint8_t*>(entry->values.data());
  entry->info.file_path = "in-memory model";
  Entry& ref = *entry;
  tensors_[name] = std::move(entry);
  return ref.values;
}

std::vector<float>& MemoryWeights::data(const std::string& name) {
  auto it = tensors_.find(name);
  SLKV_CHECK(it != tensors_.end(), "no in-memory tensor " + name);
  return it->second->values;
}

const TensorInfo* MemoryWeights::find(std::string_view name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second->info;
}

}  // namespace slkv
