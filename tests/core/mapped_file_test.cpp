#include "core/mapped_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace {

TEST(MappedFile, MapsContents) {
  auto path = (std::filesystem::temp_directory_path() /
               ("slkv_mapped_" + std::to_string(::getpid()) + ".bin"))
                  .string();
  slkv::write_file_atomic(path, std::string("\x01\x02\x03", 3));
  slkv::MappedFile f(path);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f.data()[2], 3);
}

TEST(MappedFile, DirectoryIsRejected) {
  EXPECT_THROW(slkv::MappedFile(std::filesystem::temp_directory_path().string()), slkv::Error);
}

}  // namespace
