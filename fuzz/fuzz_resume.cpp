// libFuzzer target: slkv-profile's resume checkpoint reader. Any bytes must parse or throw
// slkv::Error; the input is tried as it is (the checksum gate) and with a valid checksum line
// in front (the JSON reader behind the gate).

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "resume.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string key = "fuzz-run";
  try {
    (void)slkv::tools::parse_checkpoint_entry(text, key, 6, "fuzz.json");
  } catch (const slkv::Error&) {
  }
  const std::string sealed =
      "slkv-resume-entry xxh3-128:" + slkv::hash_hex(key + "\n" + std::string(text)) + "\n" +
      std::string(text);
  try {
    (void)slkv::tools::parse_checkpoint_entry(sealed, key, 6, "fuzz.json");
  } catch (const slkv::Error&) {
  }
  return 0;
}
