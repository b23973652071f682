#include "core/atomic_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/error.hpp"

namespace {

std::filesystem::path temp_dir() {
  auto dir =
      std::filesystem::temp_directory_path() / ("slkv_core_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(AtomicFile, WritesAndReadsBack) {
  auto path = (temp_dir() / "a.txt").string();
  slkv::write_file_atomic(path, "hello");
  EXPECT_EQ(slkv::read_file(path), "hello");
  slkv::write_file_atomic(path, "second");
  EXPECT_EQ(slkv::read_file(path), "second");
}

TEST(AtomicFile, FailedWriterLeavesTargetUntouched) {
  auto path = (temp_dir() / "b.txt").string();
  slkv::write_file_atomic(path, "original");
  EXPECT_THROW(slkv::write_file_atomic_with(path,
                                            [](const std::string& tmp) {
                                              slkv::write_file_atomic(tmp, "partial");
                                              throw slkv::Error("writer failed");
                                            }),
               slkv::Error);
  EXPECT_EQ(slkv::read_file(path), "original");
  for (auto& entry : std::filesystem::directory_iterator(temp_dir())) {
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
  }
}

TEST(AtomicFile, MissingFileErrorNamesPath) {
  try {
    slkv::read_file("/nonexistent/slkv/file.bin");
    FAIL() << "expected an error";
  } catch (const slkv::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/slkv/file.bin"), std::string::npos);
  }
}

}  // namespace
