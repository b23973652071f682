#pragma once
// Atomic file output: write to a temporary file beside the target, fsync, rename. A failure at
// any point leaves an existing target untouched and removes the temporary.

#include <functional>
#include <string>
#include <string_view>

namespace slkv {

// Writes `contents` to `path` atomically. Throws slkv::Error naming the path on failure.
void write_file_atomic(const std::string& path, std::string_view contents);

// Calls `write(tmp_path)` to produce the file under a temporary name in the same directory,
// then fsyncs and renames it to `path`. For writers that need a path (HDF5). If `write` throws,
// the temporary is removed and the exception propagates.
void write_file_atomic_with(const std::string& path,
                            const std::function<void(const std::string& tmp_path)>& write);

// Reads a whole file; throws slkv::Error naming the path on failure.
std::string read_file(const std::string& path);

}  // namespace slkv
