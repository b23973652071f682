#pragma once
// Running the project's command-line tools from tests: a shell command's exit code and combined
// output, a file's bytes, and the mpirun prefix for this machine. Shared by the shard/merge/MPI
// tests of slkv-profile and slkv-eval.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace slkv::test {

struct ToolRun {
  int rc;           // exit status, -1 when killed by a signal
  std::string out;  // stdout and stderr together
};

inline ToolRun run_shell(const std::string& cmd) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return {-1, "popen failed: " + cmd};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// "mpiexec ... -np N " for loopback runs on this machine (root needs --allow-run-as-root, 2 cores
// need --oversubscribe); "" when the test target was built without SLKV_MPIEXEC.
inline std::string mpirun_prefix(int np) {
#ifdef SLKV_MPIEXEC
  std::string cmd = std::string(SLKV_MPIEXEC) + " --oversubscribe --bind-to none -np " +
                    std::to_string(np) + " --mca btl self,vader --mca pml ob1";
  if (::geteuid() == 0) cmd += " --allow-run-as-root";
  // Open MPI's own allocations outlive MPI_Finalize: no leak report for them under ASan.
  return "ASAN_OPTIONS=detect_leaks=0 " + cmd + " ";
#else
  (void)np;
  return "";
#endif
}

}  // namespace slkv::test
