// Helper of thread_defaults_test: applies the tools' threading defaults, then prints what
// libgomp read (omp_display_env, verbose: includes GOMP_SPINCOUNT) and the arguments it got.
#include <omp.h>

#include <cstdio>

#include "engine/thread_defaults.hpp"

int main(int argc, char** argv) {
  slkv::apply_thread_defaults(argv);
  std::fflush(stdout);
  omp_display_env(1);
  for (int i = 1; i < argc; ++i) std::printf("arg %s\n", argv[i]);
  return 0;
}
