#include "core/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace slkv {
namespace {

std::string format_seconds(double s) {
  if (s < 0 || s > 1e7) return "?";
  char buf[32];
  auto t = static_cast<long>(s + 0.5);
  if (t >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  }
  return buf;
}

}  // namespace

Progress::Progress(std::string label, uint64_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      tty_(::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::advance(uint64_t n) {
  done_ += n;
  draw(false);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
  if (enabled_ && tty_) std::fputc('\n', stderr);
}

void Progress::draw(bool force) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  double since_draw = std::chrono::duration<double>(now - last_draw_).count();
  if (!force && since_draw < (tty_ ? 0.2 : 5.0)) return;
  last_draw_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double frac = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  double eta = done_ ? elapsed * (static_cast<double>(total_ - done_) / done_) : -1.0;
  int width = 24;
  int filled = static_cast<int>(frac * width);
  std::string bar(filled, '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "%s%s [%s] %llu/%llu %5.1f%% elapsed %s eta %s %s%s", tty_ ? "\r" : "",
               label_.c_str(), bar.c_str(), static_cast<unsigned long long>(done_),
               static_cast<unsigned long long>(total_), 100.0 * frac,
               format_seconds(elapsed).c_str(), format_seconds(eta).c_str(), note_.c_str(),
               tty_ ? "\033[K" : "\n");
  std::fflush(stderr);
}

}  // namespace slkv
