#pragma once
// Fuzz inputs reach the parsers through a path (they memory-map files), so each input is
// written to an anonymous in-memory file and parsed through /proc/self/fd/N.

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace slkv::fuzz {

inline const std::string& memfd_write(const uint8_t* data, size_t size) {
  static int fd = ::memfd_create("slkv-fuzz", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0 || ::ftruncate(fd, 0) != 0) std::abort();
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) std::abort();
    done += static_cast<size_t>(n);
  }
  return path;
}

}  // namespace slkv::fuzz
