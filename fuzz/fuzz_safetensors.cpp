// libFuzzer target: SafetensorsFile must either succeed or throw slkv::Error.

#include <cstdint>

#include "core/error.hpp"
#include "memfd_path.hpp"
#include "model/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = slkv::fuzz::memfd_write(data, size);
  try {
    slkv::SafetensorsFile f(path);
    volatile uint64_t sum = 0;
    for (const slkv::TensorInfo& t : f.tensors()) {
      if (t.n_bytes) sum = sum + t.data[0] + t.data[t.n_bytes - 1];
    }
  } catch (const slkv::Error&) {
  }
  return 0;
}
