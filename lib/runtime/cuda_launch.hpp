#pragma once
// Launchers of the CUDA twins of select/compact (kernels/runtime_select.cu,
// kernels/runtime_compact.cu). They take device pointers, return cudaError_t as an int (0 =
// success) so this header needs no CUDA include, and are linked into libslkv_runtime only when
// the slkv_runtime_kernels target exists (SLKV_HAVE_RUNTIME_KERNELS).

#include <cstddef>
#include <cstdint>

#include "runtime/compact.hpp"
#include "runtime/select_types.hpp"

namespace slkv::runtime::cuda {

bool device_present();

// Device workspace bytes for select_layer_device.
size_t select_workspace_bytes(const SelectConfig& cfg, const ScoreInput& in);

// Same contract as select_layer on device buffers; all plan heads of the layer. `caps` is a
// device array [n_plan_heads]. Returns a cudaError_t value; a kept count above kept_stride
// yields cudaErrorInvalidValue detected on the host side from `caps_host`.
int select_layer_device(const SelectConfig& cfg, const ScoreInput& in, const int64_t* caps,
                        void* workspace, const SelectOutput& out, void* stream);

int compact_gather_device(const CompactConfig& cfg, const void* src, const int32_t* kept,
                          int64_t kept_stride, const int64_t* offsets, const int32_t* lengths,
                          void* data, void* stream);

const char* error_string(int error);

}  // namespace slkv::runtime::cuda
