// libFuzzer target: GgufFile and config_from_gguf must either succeed or throw slkv::Error.

#include <cstdint>

#include "core/error.hpp"
#include "memfd_path.hpp"
#include "model/gguf.hpp"
#include "model/gguf_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = slkv::fuzz::memfd_write(data, size);
  try {
    slkv::GgufFile g(path);
    volatile uint64_t sum = 0;
    for (const slkv::TensorInfo& t : g.tensors()) {
      if (t.n_bytes) sum = sum + t.data[0] + t.data[t.n_bytes - 1];  // bytes must be in range
    }
    for (const auto& [key, value] : g.metadata()) {
      sum = sum + slkv::gguf_value_to_string(value, 4).size();
    }
    (void)slkv::config_from_gguf(g);
  } catch (const slkv::Error&) {
  }
  return 0;
}
