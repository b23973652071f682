#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "core/error.hpp"

namespace slkv {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The final target of a chain of symlinks (which need not exist yet); `path` itself when it is
// not a link.
std::string follow_links(const std::string& path) {
  std::string p = path;
  for (int depth = 0; depth < 40; ++depth) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    std::string target(PATH_MAX, '\0');
    const ssize_t n = ::readlink(p.c_str(), target.data(), target.size());
    if (n < 0) throw_file_error(path, "cannot read symbolic link: " + errno_text(errno));
    target.resize(static_cast<size_t>(n));
    p = (target.empty() || target[0] != '/') ? parent_of(p) + "/" + target : target;
  }
  throw_file_error(path, "too many levels of symbolic links");
}

enum class Target { kFile, kStdout, kStream };

struct Resolved {
  Target target = Target::kFile;
  std::string path;     // the file actually written (the symlink's target)
  bool exists = false;  // kFile: an existing regular file is replaced
  mode_t mode = 0;      // its permission bits
};

Resolved resolve(const std::string& path, OutputKind kind) {
  if (path.empty()) throw Error("output path is empty");
  if (path == "-") {
    if (kind == OutputKind::kText) return {Target::kStdout, path, false, 0};
    throw_file_error(path,
                     "standard output ('-') is only for text outputs; give a file name "
                     "(./- for a file named '-')");
  }
  Resolved r;
  r.path = follow_links(path);
  struct stat st {};
  if (::stat(r.path.c_str(), &st) == 0) {
    if (S_ISREG(st.st_mode)) {
      r.exists = true;
      r.mode = st.st_mode & 07777;
      return r;
    }
    if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
      r.target = Target::kStream;
      return r;
    }
    if (S_ISDIR(st.st_mode)) throw_file_error(path, "is a directory, expected a file name");
    throw_file_error(path, "is a block device or socket; refusing to write to it");
  }
  if (errno != ENOENT) throw_file_error(path, "cannot stat: " + errno_text(errno));
  const std::string dir = parent_of(r.path);
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw_file_error(path, "directory '" + dir + "' does not exist");
  return r;
}

mode_t default_mode() {
  // The process umask without changing it (umask(2) is not thread-safe): /proc, else 022.
  mode_t mask = 022;
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "Umask:") {
      std::string value;
      status >> value;
      mask = static_cast<mode_t>(std::strtoul(value.c_str(), nullptr, 8));
      break;
    }
  }
  return 0666 & ~mask;
}

// A new, unique, empty temporary (O_EXCL, so never an existing file or a planted symlink).
std::string make_temp(const std::string& prefix, const std::string& name_for_errors) {
  std::string tmpl = prefix + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0)
    throw_file_error(name_for_errors, "cannot create a temporary file: " + errno_text(errno));
  ::close(fd);
  return tmpl;
}

void write_all(int fd, std::string_view data, const std::string& name_for_errors) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_file_error(name_for_errors, "write failed: " + errno_text(errno));
    }
    done += static_cast<size_t>(n);
  }
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

void fsync_and_rename(const std::string& tmp, const Resolved& r, const std::string& path) {
  {
    Fd fd(::open(tmp.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() >= 0) {
      ::fchmod(fd.get(), r.exists ? r.mode : default_mode());
      if (::fsync(fd.get()) != 0) {
        const int err = errno;
        std::remove(tmp.c_str());
        throw_file_error(path, "cannot sync to disk: " + errno_text(err));
      }
    }
  }
  if (std::rename(tmp.c_str(), r.path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw_file_error(path, "cannot rename the temporary into place: " + errno_text(err));
  }
  Fd dir(::open(parent_of(r.path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
}

// A plain sequential write to a FIFO or character device.
void write_stream(const std::string& target, std::string_view data, const std::string& path) {
  Fd fd(::open(target.c_str(), O_WRONLY | O_CLOEXEC));
  if (fd.get() < 0) throw_file_error(path, "cannot open for writing: " + errno_text(errno));
  write_all(fd.get(), data, path);
  if (::close(fd.release()) != 0) throw_file_error(path, "close failed: " + errno_text(errno));
}

}  // namespace

void check_output_path(const std::string& path, OutputKind kind) { resolve(path, kind); }

void write_file_atomic_with(const std::string& path,
                            const std::function<void(const std::string& tmp_path)>& write) {
  const Resolved r = resolve(path, OutputKind::kBinary);
  if (r.target == Target::kStream) {
    const std::string tmp =
        make_temp((std::filesystem::temp_directory_path() / "slkv-out").string(), path);
    try {
      write(tmp);
      write_stream(r.path, read_file(tmp), path);
    } catch (...) {
      std::remove(tmp.c_str());
      throw;
    }
    std::remove(tmp.c_str());
    return;
  }
  const std::string tmp = make_temp(r.path, path);
  try {
    write(tmp);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  fsync_and_rename(tmp, r, path);
}

void write_file_atomic(const std::string& path, std::string_view contents, OutputKind kind) {
  const Resolved r = resolve(path, kind);
  if (r.target == Target::kStdout) {
    if (std::fwrite(contents.data(), 1, contents.size(), stdout) != contents.size() ||
        std::fflush(stdout) != 0)
      throw_file_error("<stdout>", "write failed: " + errno_text(errno));
    return;
  }
  if (r.target == Target::kStream) {
    write_stream(r.path, contents, path);
    return;
  }
  const std::string tmp = make_temp(r.path, path);
  try {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (fd.get() < 0) throw_file_error(path, "cannot create: " + errno_text(errno));
    write_all(fd.get(), contents, path);
    if (::close(fd.release()) != 0) throw_file_error(path, "close failed: " + errno_text(errno));
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  fsync_and_rename(tmp, r, path);
}

void check_output_not_input(const std::string& output, std::string_view what,
                            const std::vector<std::string>& inputs) {
  if (output.empty() || output == "-") return;
  struct stat out {};
  if (::stat(output.c_str(), &out) != 0) return;  // a new file is no input
  for (const std::string& in : inputs) {
    struct stat st {};
    if (in.empty() || ::stat(in.c_str(), &st) != 0) continue;
    if (st.st_dev == out.st_dev && st.st_ino == out.st_ino) {
      throw_file_error(output, std::string(what) + " is the same file as the input '" + in +
                                   "'; refusing to overwrite an input");
    }
  }
}

std::string read_file(const std::string& path) {
  // A FIFO is opened blocking (read like cat does: wait for a writer, read until it closes);
  // anything else with O_NONBLOCK, so that the open never blocks before the check below.
  struct stat pre {};
  const bool fifo = ::stat(path.c_str(), &pre) == 0 && S_ISFIFO(pre.st_mode);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | (fifo ? 0 : O_NONBLOCK)));
  if (fd.get() < 0) throw_file_error(path, "cannot open: " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_file_error(path, "cannot stat: " + errno_text(errno));
  if (S_ISDIR(st.st_mode)) throw_file_error(path, "is a directory, expected a file");
  if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  } else if (!S_ISREG(st.st_mode)) {
    throw_file_error(path, "not a regular file");
  }
  std::string out;
  if (S_ISREG(st.st_mode)) out.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_file_error(path, "read failed: " + errno_text(errno));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace slkv
