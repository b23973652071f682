// The output-path policy of lib/core/atomic_file (issue 9, items 1 and 8): symlinks written
// through, FIFOs and devices written plainly, directories and inputs refused, "-" for text,
// and input reads that refuse directories and do not block on a FIFO.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <string>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/mapped_file.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class OutputPolicy : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("slkv_output_policy_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string at(const std::string& name) const { return (dir_ / name).string(); }
  // Message of the slkv::Error `f` throws ("" when it does not throw).
  template <class F>
  static std::string error_of(F f) {
    try {
      f();
    } catch (const slkv::Error& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(OutputPolicy, SymlinkIsWrittenThroughAndStaysALink) {
  slkv::write_file_atomic(at("target.txt"), "old");
  fs::create_symlink("target.txt", at("link.txt"));
  slkv::write_file_atomic(at("link.txt"), "new");
  EXPECT_TRUE(fs::is_symlink(at("link.txt")));
  EXPECT_EQ(slkv::read_file(at("target.txt")), "new");
  // A path-based writer too, and a dangling link creates its target.
  fs::create_symlink("made.bin", at("dangling"));
  slkv::write_file_atomic_with(at("dangling"),
                               [](const std::string& tmp) { slkv::write_file_atomic(tmp, "h5"); });
  EXPECT_TRUE(fs::is_symlink(at("dangling")));
  EXPECT_EQ(slkv::read_file(at("made.bin")), "h5");
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_THAT(e.path().string(), ::testing::Not(HasSubstr(".tmp."))) << "temporary left";
}

TEST_F(OutputPolicy, ExistingFileKeepsItsPermissions) {
  slkv::write_file_atomic(at("p.txt"), "a");
  fs::permissions(at("p.txt"), fs::perms::owner_read | fs::perms::owner_write);
  slkv::write_file_atomic(at("p.txt"), "b");
  EXPECT_EQ(fs::status(at("p.txt")).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(OutputPolicy, FifoAndCharacterDeviceGetAPlainWrite) {
  ASSERT_EQ(::mkfifo(at("fifo").c_str(), 0600), 0);
  auto reader = std::async(std::launch::async, [&] { return slkv::read_file(at("fifo")); });
  slkv::write_file_atomic(at("fifo"), "through the pipe");
  EXPECT_EQ(reader.get(), "through the pipe");
  EXPECT_TRUE(fs::is_fifo(at("fifo")));
  // Path-based writers (HDF5) go through a temporary and a copy.
  auto reader2 = std::async(std::launch::async, [&] { return slkv::read_file(at("fifo")); });
  slkv::write_file_atomic_with(at("fifo"),
                               [](const std::string& tmp) { slkv::write_file_atomic(tmp, "h5"); });
  EXPECT_EQ(reader2.get(), "h5");
  EXPECT_TRUE(fs::is_fifo(at("fifo")));
  // /dev/null stays a device (it would become a regular file if it were renamed over).
  if (::access("/dev/null", W_OK) == 0) {
    slkv::write_file_atomic("/dev/null", "discarded");
    EXPECT_TRUE(fs::is_character_file("/dev/null"));
  }
}

TEST_F(OutputPolicy, RefusesDirectoriesMissingDirectoriesAndBinaryStdout) {
  fs::create_directories(at("sub"));
  EXPECT_THAT(error_of([&] { slkv::write_file_atomic(at("sub"), "x"); }),
              HasSubstr("is a directory"));
  EXPECT_THAT(error_of([&] { slkv::write_file_atomic(at("missing/out.json"), "x"); }),
              HasSubstr("does not exist"));
  EXPECT_FALSE(fs::exists(at("missing")));
  EXPECT_THAT(error_of([&] { slkv::write_file_atomic("-", "bin"); }),
              HasSubstr("only for text outputs"));
  EXPECT_THAT(error_of([&] { slkv::check_output_path("-", slkv::OutputKind::kBinary); }),
              HasSubstr("only for text outputs"));
  EXPECT_EQ(error_of([&] { slkv::check_output_path("-", slkv::OutputKind::kText); }), "");
  EXPECT_THAT(error_of([&] { slkv::write_file_atomic_with("-", [](const std::string&) {}); }),
              HasSubstr("only for text outputs"));
}

TEST_F(OutputPolicy, RefusesAnOutputThatIsAnInput) {
  slkv::write_file_atomic(at("model.gguf"), "weights");
  fs::create_symlink("model.gguf", at("alias.gguf"));
  fs::create_hard_link(at("model.gguf"), at("hard.gguf"));
  for (const std::string& out : {at("model.gguf"), at("alias.gguf"), at("hard.gguf"),
                                 (dir_ / "." / "model.gguf").string()}) {
    EXPECT_THAT(error_of([&] {
                  slkv::check_output_not_input(out, "--out", {"", at("model.gguf")});
                }),
                HasSubstr("same file as the input"))
        << out;
  }
  EXPECT_EQ(
      error_of([&] { slkv::check_output_not_input(at("new.h5"), "--out", {at("model.gguf")}); }),
      "");
  EXPECT_EQ(slkv::read_file(at("model.gguf")), "weights");
}

TEST_F(OutputPolicy, InputReadsRefuseDirectoriesAndDoNotBlockOnAFifo) {
  fs::create_directories(at("d"));
  EXPECT_THAT(error_of([&] { slkv::read_file(at("d")); }), HasSubstr(at("d") + ": is a directory"));
  EXPECT_THAT(error_of([&] { slkv::MappedFile m(at("d")); }), HasSubstr("is a directory"));
  ASSERT_EQ(::mkfifo(at("model.fifo").c_str(), 0600), 0);
  // No writer ever opens the FIFO: the open must not block, the check must refuse it.
  auto f = std::async(std::launch::async,
                      [&] { return error_of([&] { slkv::MappedFile m(at("model.fifo")); }); });
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready) << "open blocked";
  EXPECT_THAT(f.get(), HasSubstr("not a regular file"));
}

}  // namespace
