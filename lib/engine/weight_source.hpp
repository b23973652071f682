#pragma once
// Where the engine gets its weight tensors: a name -> TensorInfo lookup using GGUF tensor
// names (blk.N.attn_q.weight). A checkpoint adapts to it in a few lines; tests build tiny
// random models in memory with MemoryWeights.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/tensor_info.hpp"

namespace slkv {

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  // nullptr when the tensor is absent.
  virtual const TensorInfo* find(std::string_view name) const = 0;
  // Throws slkv::Error naming the tensor and `description()` when it is absent.
  const TensorInfo& require(std::string_view name) const;
  // Where the weights come from, for error messages (a file path or "in-memory model").
  virtual std::string description() const = 0;
};

// F32 tensors owned in memory; used by tests and benchmarks to build random models.
class MemoryWeights : public WeightSource {
 public:
  // Adds (or replaces) a tensor with PyTorch-order `shape`; returns its data to fill.
  std::vector<float>& add(const std::string& name, std::vector<int64_t> shape);
  std::vector<float>& data(const std::string& name);
  const TensorInfo* find(std::string_view name) const override;
  std::string description() const override { return "in-memory model"; }

 private:
  struct Entry {
    TensorInfo info;
    std::vector<float> values;
  };
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> tensors_;
};

}  // namespace slkv
