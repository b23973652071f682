#include "engine/thread_defaults.hpp"

#include <unistd.h>

#include <cstdlib>

namespace slkv {

void apply_thread_defaults(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT") ||
      std::getenv("SLKV_THREAD_DEFAULTS")) {
    return;
  }
  if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0 || setenv("SLKV_THREAD_DEFAULTS", "1", 1) != 0) {
    return;
  }
  execv("/proc/self/exe", argv);
  // exec failed (no /proc, say): run on with libgomp's own defaults, as before.
  unsetenv("OMP_WAIT_POLICY");
  unsetenv("SLKV_THREAD_DEFAULTS");
}

}  // namespace slkv
