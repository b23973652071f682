// apply_thread_defaults: without a user setting, libgomp ends up with the passive wait policy
// (through one re-exec, arguments intact); a user's OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
#include "engine/thread_defaults.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

namespace slkv {
namespace {

std::string run_probe(const std::string& env) {
  const std::string cmd = "env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u SLKV_THREAD_DEFAULTS " +
                          env +
                          " " SLKV_BINARY_DIR "/tests/engine/thread_defaults_probe a 'b c' 2>&1";
  std::FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr);
  std::string out;
  std::array<char, 512> buf{};
  while (p && std::fgets(buf.data(), buf.size(), p)) out += buf.data();
  if (p) {
    EXPECT_EQ(pclose(p), 0) << out;
  }
  return out;
}

TEST(ThreadDefaults, PassiveUnlessTheUserChoseAPolicy) {
  const std::string def = run_probe("");
  // libgomp shows the policy as PASSIVE unless it is active; the spin count tells: 0 when
  // passive, 300000 by default.
  EXPECT_NE(def.find("GOMP_SPINCOUNT = '0'"), std::string::npos) << def;
  EXPECT_NE(def.find("arg a\narg b c\n"), std::string::npos) << def;
  const std::string active = run_probe("OMP_WAIT_POLICY=active");
  EXPECT_NE(active.find("OMP_WAIT_POLICY = 'ACTIVE'"), std::string::npos) << active;
  EXPECT_EQ(active.find("GOMP_SPINCOUNT = '0'"), std::string::npos) << active;
  const std::string spin = run_probe("GOMP_SPINCOUNT=1234");
  EXPECT_NE(spin.find("GOMP_SPINCOUNT = '1234'"), std::string::npos) << spin;
}

}  // namespace
}  // namespace slkv
