#pragma once
// Device discovery shared by the CUDA kernels and their gpu-labelled tests.

namespace slkv::cuda {

// True when the CUDA runtime reports at least one usable device. Never throws.
bool device_available();

}  // namespace slkv::cuda
