/* libslkv_runtime: load a per-head KV budget plan and apply it (C ABI).
 *
 * Pure C: includes only <stddef.h>, <stdint.h>, <stdbool.h>. Every fallible call returns
 * slkv_status; handles keep their last error message. See docs/budget-format.md. */
#ifndef SLKV_SLKV_H
#define SLKV_SLKV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define SLKV_API __declspec(dllexport)
#else
#define SLKV_API __attribute__((visibility("default")))
#endif

/* Library version as "MAJOR.MINOR.PATCH". */
SLKV_API const char* slkv_version(void);

#ifdef __cplusplus
}
#endif

#endif /* SLKV_SLKV_H */
