// Faults around profile files (issue 9, items 3 and 4): random corruption of a written profile
// is always an slkv::Error naming the file (the checksum is checked before libhdf5 reads
// anything); a disk that fills up while the profile is written gives an error and a clean
// exit, not a crash in libhdf5's shutdown; the committed profiles (written before the
// checksum) are still read.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "../probes/scratch_dir.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "fixture_profile.hpp"
#include "profile/h5_io.hpp"
#include "profile/profile_checksum.hpp"
#include "profile/profile_h5.hpp"

namespace {

using ::testing::HasSubstr;

std::string temp_path(const std::string& name) {
  return (slkv::test::scratch_dir() / name).string();
}

std::string read_error(const std::string& path) {
  try {
    slkv::profile::read_profile(path);
  } catch (const slkv::Error& e) {
    return e.what();
  }
  return "";
}

TEST(ProfileFaults, WrittenProfilesCarryAChecksumAndStayHdf5) {
  const auto path = temp_path("sealed.h5");
  slkv::profile::write_profile(path, slkv::test::fixture_profile(3, 2, 4));
  const std::string bytes = slkv::read_file(path);
  EXPECT_EQ(bytes.rfind("slkv.profile checksum\nxxh3-128:", 0), 0u);
  EXPECT_EQ(bytes.compare(slkv::profile::kProfileUserBlock, 4, "\x89HDF"), 0);
  EXPECT_EQ(slkv::profile::verify_profile_bytes(bytes, path), slkv::profile::ProfileSeal::kSealed);
  EXPECT_EQ(read_error(path), "");
}

// Every single-byte change, anywhere (the block, the superblock, strings, data), and every
// truncation is refused with the file's name; none reaches libhdf5.
TEST(ProfileFaults, RandomCorruptionIsAlwaysAnError) {
  const auto good = temp_path("good.h5");
  slkv::profile::write_profile(good, slkv::test::fixture_profile(3, 2, 5));
  const std::string bytes = slkv::read_file(good);
  std::mt19937_64 rng(3);
  const auto bad = temp_path("bad.h5");
  for (int trial = 0; trial < 400; ++trial) {
    std::string b = bytes;
    if (trial % 10 == 9) {
      b.resize(rng() % b.size());
    } else {
      const size_t at = trial < 40 ? rng() % slkv::profile::kProfileUserBlock : rng() % b.size();
      b[at] = static_cast<char>(b[at] ^ static_cast<char>(1 + rng() % 255));
    }
    slkv::write_file_atomic(bad, b);
    const std::string e = read_error(bad);
    EXPECT_THAT(e, HasSubstr(bad)) << "trial " << trial;
  }
}

TEST(ProfileFaults, CommittedProfilesWithoutChecksumAreStillRead) {
  for (const char* name : {"smollm2-135m", "gemma3-270m"}) {
    const std::string path =
        std::string(SLKV_SOURCE_DIR) + "/profiles/" + name + "/legacy-v1/profile.h5";
    EXPECT_EQ(slkv::profile::verify_profile_bytes(slkv::read_file(path), path),
              slkv::profile::ProfileSeal::kLegacy);
    EXPECT_EQ(read_error(path), "") << path;
  }
}

// Disk full (a file-size limit: writes past it fail with EFBIG) in a child process, which
// must report the error and then shut libhdf5 down without a crash.
TEST(ProfileFaults, DiskFullIsAnErrorAndACleanExit) {
  const auto path = temp_path("full.h5");
  slkv::write_file_atomic(path, "previous contents");
  const auto profile = slkv::test::fixture_profile(8, 8, 40);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{16384, 16384};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    int rc = 2;
    try {
      slkv::profile::write_profile(path, profile);
    } catch (const slkv::Error& e) {
      rc = std::string(e.what()).find(path) != std::string::npos ? 0 : 3;
    }
    H5close();    // libhdf5's shutdown, as at exit (where the crash was)
    ::_exit(rc);  // not exit(): the scratch directory belongs to the parent
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child died with signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: no error, 3: the error does not name the output";
  EXPECT_EQ(slkv::read_file(path), "previous contents");
  for (const auto& e : std::filesystem::directory_iterator(slkv::test::scratch_dir()))
    EXPECT_THAT(e.path().string(), ::testing::Not(HasSubstr("full.h5.tmp"))) << "temp left";
}

// Well-formed files (checksum intact) with values the format forbids (issue 9, item 10):
// negative or non-finite scores, a float64 dataset where float32 is specified.
TEST(ProfileFaults, ForbiddenValuesAndTypesAreRefused) {
  using slkv::profile::h5::Handle;
  slkv::profile::h5::QuietErrors quiet;
  const auto p = slkv::test::fixture_profile(3, 2, 4);
  const auto path = temp_path("values.h5");
  const slkv::profile::h5::Io io{path};
  struct Case {
    const char* dataset;
    std::vector<float> values;
    bool as_double;
    const char* expect;
  };
  const Case cases[] = {
      {"logic", {0.5f, -0.25f, 0.5f, 0.5f, 0.5f, 0.5f}, false, "scores/logic holds a negative"},
      {"surface",
       {0.5f, 0.5f, std::nanf(""), 0.5f, 0.5f, 0.5f},
       false,
       "scores/surface holds a NaN"},
      {"ignore", {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, true, "wrong element type"},
  };
  for (const Case& c : cases) {
    slkv::profile::write_profile(path, p);
    {
      Handle f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
      ASSERT_GE(f.get(), 0);
      Handle g(H5Gopen2(f.get(), "scores", H5P_DEFAULT), H5Gclose);
      H5Ldelete(g.get(), c.dataset, H5P_DEFAULT);
      if (c.as_double) {
        io.dataset<double>(g.get(), c.dataset, {3, 2},
                           std::vector<double>(c.values.begin(), c.values.end()));
      } else {
        io.dataset<float>(g.get(), c.dataset, {3, 2}, c.values);
      }
      Handle d(H5Dopen2(g.get(), c.dataset, H5P_DEFAULT), H5Dclose);
      io.attr<int64_t>(d.get(), "n_probes", 4);
    }
    slkv::profile::seal_profile(path);
    EXPECT_THAT(read_error(path), HasSubstr(c.expect)) << c.dataset;
    EXPECT_THAT(read_error(path), HasSubstr(path));
  }
}

// A root string that goes into plans is not UTF-8: an error naming the attribute (the plan
// writer's JSON would otherwise throw, exit 3).
TEST(ProfileFaults, NonUtf8RootStringsAreRefused) {
  using slkv::profile::h5::Handle;
  slkv::profile::h5::QuietErrors quiet;
  const auto path = temp_path("utf8.h5");
  const slkv::profile::h5::Io io{path};
  slkv::profile::write_profile(path, slkv::test::fixture_profile(2, 2, 3));
  {
    Handle f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    ASSERT_GE(f.get(), 0);
    H5Adelete(f.get(), "arch");
    io.attr_string(f.get(), "arch", "lla\xffma");
  }
  slkv::profile::seal_profile(path);
  EXPECT_THAT(read_error(path), HasSubstr("root attribute arch is not UTF-8"));
}

}  // namespace
