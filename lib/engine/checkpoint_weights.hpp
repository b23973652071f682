#pragma once
// Adapts a loaded Checkpoint (GGUF file or HF directory) to the engine's WeightSource.

#include <string>
#include <string_view>

#include "engine/weight_source.hpp"
#include "model/checkpoint.hpp"

namespace slkv {

class CheckpointWeights : public WeightSource {
 public:
  explicit CheckpointWeights(const Checkpoint& checkpoint) : checkpoint_(checkpoint) {}
  const TensorInfo* find(std::string_view name) const override { return checkpoint_.find(name); }
  std::string description() const override { return checkpoint_.path(); }

 private:
  const Checkpoint& checkpoint_;
};

}  // namespace slkv
