#pragma once
// The one exception type of slkv's offline code (model loading, probes, profiles, compiling).
// The runtime C ABI never throws; it maps failures to slkv_status instead.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace slkv {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A bad command line found after parsing: a missing, conflicting or out-of-range option. The
// tools exit 2 for it, as for parse errors (docs/cli.md); other Errors exit 1.
class UsageError : public Error {
 public:
  using Error::Error;
};

// Error about a file: "<path>: <what>" or "<path>: at byte <offset>: <what>".
[[noreturn]] void throw_file_error(std::string_view path, std::string_view what);
[[noreturn]] void throw_file_error(std::string_view path, uint64_t offset, std::string_view what);

}  // namespace slkv

// Always-on invariant check (also in release builds) for offline code; throws slkv::Error with
// file:line. Not for the runtime library, which must never throw across the C ABI.
#define SLKV_CHECK(cond, msg)                                                      \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      throw ::slkv::Error(std::string(__FILE__) + ":" + std::to_string(__LINE__) + \
                          ": check failed: " #cond ": " + std::string(msg));       \
    }                                                                              \
  } while (0)
