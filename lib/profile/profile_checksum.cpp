#include "profile/profile_checksum.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"

namespace slkv::profile {
namespace {

constexpr std::string_view kMagic = "slkv.profile checksum\n";
constexpr std::string_view kPrefix = "xxh3-128:";
constexpr std::string_view kHdf5Signature = "\x89HDF\r\n\x1a\n";

std::string block_for(std::string_view body) {
  std::string block(kMagic);
  block += kPrefix;
  block += hash_hex(body);
  block += '\n';
  block.resize(kProfileUserBlock, '\0');
  return block;
}

}  // namespace

void seal_profile_bytes(std::string& bytes, const std::string& path) {
  if (bytes.size() <= kProfileUserBlock ||
      bytes.compare(kProfileUserBlock, kHdf5Signature.size(), kHdf5Signature) != 0) {
    throw_file_error(path, "cannot add the checksum: no HDF5 superblock after a " +
                               std::to_string(kProfileUserBlock) + "-byte user block");
  }
  bytes.replace(0, kProfileUserBlock, block_for(std::string_view(bytes).substr(kProfileUserBlock)));
}

void seal_profile(const std::string& path) {
  std::string bytes = read_file(path);
  seal_profile_bytes(bytes, path);
  const std::string block = bytes.substr(0, kProfileUserBlock);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw_file_error(path, std::string("cannot open: ") + std::strerror(errno));
  const ssize_t n = ::pwrite(fd, block.data(), block.size(), 0);
  const int err = errno;
  if (::close(fd) != 0 || n != static_cast<ssize_t>(block.size()))
    throw_file_error(path, std::string("cannot write the checksum: ") + std::strerror(err));
}

ProfileSeal verify_profile_bytes(std::string_view bytes, const std::string& path) {
  if (bytes.substr(0, kHdf5Signature.size()) == kHdf5Signature) return ProfileSeal::kLegacy;
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    throw_file_error(path,
                     "not an slkv profile (neither a checksum block nor an HDF5 signature "
                     "at byte 0)");
  }
  if (bytes.size() <= kProfileUserBlock) {
    throw_file_error(path, "truncated profile (" + std::to_string(bytes.size()) + " bytes)");
  }
  const std::string want = block_for(bytes.substr(kProfileUserBlock));
  if (bytes.substr(0, kProfileUserBlock) != want) {
    const std::string_view line = bytes.substr(kMagic.size(), kPrefix.size() + 32);
    throw_file_error(path, "checksum mismatch: the file says " + std::string(line) +
                               ", its content hashes to " + want.substr(kMagic.size(), 41) +
                               " (corrupted or truncated)");
  }
  return ProfileSeal::kSealed;
}

}  // namespace slkv::profile
