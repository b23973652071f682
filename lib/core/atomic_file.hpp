#pragma once
// File output policy shared by all four tools (docs/reliability.md, "Outputs"), and whole-file
// input reads.
//
// An output path is resolved before anything is written:
//   regular file or new name  written atomically: a temporary beside it (unique, O_EXCL),
//                             fsync, rename; a failure leaves an existing file untouched. An
//                             existing file keeps its permission bits.
//   symlink                   written through to its final target, atomically beside the
//                             target (the link itself stays a link).
//   "-"                       standard output, for text outputs only.
//   FIFO or character device  a plain sequential write (e.g. /dev/null, a pipe); path-based
//                             writers (HDF5) write a temporary in $TMPDIR and copy it.
//   directory, block device,  refused, naming the path.
//   socket, missing directory
// Outputs that are the same file as an input are refused (check_output_not_input).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace slkv {

enum class OutputKind { kText, kBinary };

// Writes `contents` to `path` by the policy above. Throws slkv::Error naming the path.
void write_file_atomic(const std::string& path, std::string_view contents,
                       OutputKind kind = OutputKind::kBinary);

// Calls `write(tmp_path)` to produce the file under a temporary name, then fsyncs and renames
// it to `path` (or copies it to a FIFO/device). For writers that need a path (HDF5). If `write`
// throws, the temporary is removed and the exception propagates. Binary only ("-" is refused).
void write_file_atomic_with(const std::string& path,
                            const std::function<void(const std::string& tmp_path)>& write);

// Throws slkv::Error naming both when `output` (once written) would be the same file as one of
// `inputs` (same device and inode after following symlinks; hard links included). Inputs that
// do not exist or are empty strings are ignored. `what` names the output option ("--out").
void check_output_not_input(const std::string& output, std::string_view what,
                            const std::vector<std::string>& inputs);

// Throws slkv::Error when the output path cannot be written by the policy above (a directory,
// a block device, a missing parent directory, "-" for a binary output), before a long job
// starts. Writing re-checks.
void check_output_path(const std::string& path, OutputKind kind = OutputKind::kBinary);

// Reads a whole file; throws slkv::Error naming the path on failure. Regular files, FIFOs and
// character devices (e.g. /dev/stdin) are read; a directory or other special file is refused.
std::string read_file(const std::string& path);

}  // namespace slkv
