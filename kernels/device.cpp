#include "device.hpp"

#include <cuda_runtime.h>

namespace slkv::cuda {

bool device_available() {
  int n_devices = 0;
  if (cudaGetDeviceCount(&n_devices) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return false;
  }
  return n_devices > 0;
}

}  // namespace slkv::cuda
