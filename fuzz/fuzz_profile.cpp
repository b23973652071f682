// libFuzzer target: the profile reader's gate. Any bytes must give either a verified profile or
// an slkv::Error; a file with the checksum block reaches libhdf5 only when the checksum
// matches (profile_checksum.hpp). Files without the block (the HDF5 signature at byte 0, the
// legacy format) are skipped: behind the gate libhdf5 itself is not hardened, which is why new
// profiles carry the checksum.

#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "memfd_path.hpp"
#include "profile/profile_checksum.hpp"
#include "profile/profile_h5.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    if (slkv::profile::verify_profile_bytes(bytes, "fuzz.h5") ==
        slkv::profile::ProfileSeal::kLegacy) {
      return 0;
    }
    const std::string& path = slkv::fuzz::memfd_write(data, size);
    (void)slkv::profile::read_profile(path);
  } catch (const slkv::Error&) {
  }
  return 0;
}
