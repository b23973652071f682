#pragma once

// CPU feature checks that both GCC and clang can compile. clang's __builtin_cpu_supports does not
// know "f16c", so F16C is read from CPUID leaf 1 directly.

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace slkv {

inline bool cpu_has_f16c() {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_F16C) != 0;
#else
  return false;
#endif
}

}  // namespace slkv
