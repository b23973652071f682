#include <array>

#include "engine/arch.hpp"

namespace slkv {
namespace {

constexpr std::array kArchs = {
    ArchSpec{"llama", bind_llama},  // also Mistral (written as "llama" in GGUF)
    ArchSpec{"qwen2", bind_qwen2},
    ArchSpec{"gemma3", bind_gemma3},
};

}  // namespace

const ArchSpec* find_arch(std::string_view name) {
  for (const ArchSpec& spec : kArchs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::vector<std::string_view> arch_names() {
  std::vector<std::string_view> names;
  for (const ArchSpec& spec : kArchs) names.push_back(spec.name);
  return names;
}

}  // namespace slkv
