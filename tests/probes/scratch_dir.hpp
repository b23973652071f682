#pragma once
// A scratch directory private to this test process (ctest runs tests in parallel, other
// checkouts may run the same tests), removed when the process exits.

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace slkv::test {

inline const std::filesystem::path& scratch_dir() {
  struct Dir {
    std::filesystem::path path;
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Dir dir{[] {
    auto p = std::filesystem::temp_directory_path() / ("slkv_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(p);
    return p;
  }()};
  return dir.path;
}

}  // namespace slkv::test
