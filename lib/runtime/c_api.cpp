#include "slkv/slkv.h"

extern "C" const char* slkv_version(void) { return SLKV_VERSION_STRING; }
