#pragma once
// Whole-file checksum of a profile, kept in the HDF5 user block (docs/profile-format.md,
// "Checksum"). The first 512 bytes of a profile written by this version are
//
//   "slkv.profile checksum\n" "xxh3-128:<32 hex digits>\n" then zero bytes,
//
// the hash covering every byte after the block. HDF5 readers (h5py, h5dump) skip user blocks,
// so the file stays an ordinary HDF5 file. The reader checks the hash before libhdf5 sees the
// file: random corruption (disk, transfer) is an slkv::Error naming the file, never a crash or
// a hang inside libhdf5. Files without the block (written before the checksum; the HDF5
// signature at byte 0) are still read, without that protection.

#include <cstddef>
#include <string>
#include <string_view>

namespace slkv::profile {

inline constexpr size_t kProfileUserBlock = 512;

enum class ProfileSeal { kSealed, kLegacy };

// Fills the checksum block (the first kProfileUserBlock bytes) for the bytes after it. The
// HDF5 file must have been created with a user block of kProfileUserBlock bytes.
void seal_profile_bytes(std::string& bytes, const std::string& path = "<profile>");
// The same on a file, in place (tests that edit a written profile through libhdf5).
void seal_profile(const std::string& path);

// Checks a profile's bytes: kSealed when the checksum block is present and matches, kLegacy
// when the file starts with the HDF5 signature (no block). Throws slkv::Error naming `path`
// otherwise (checksum mismatch, truncated, not a profile).
ProfileSeal verify_profile_bytes(std::string_view bytes, const std::string& path);

}  // namespace slkv::profile
