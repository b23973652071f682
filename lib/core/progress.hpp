#pragma once
// A progress line with rate and ETA on stderr, redrawn in place on a terminal and printed at
// most every few seconds otherwise (CI logs). Silent when disabled.

#include <chrono>
#include <cstdint>
#include <string>

namespace slkv {

class Progress {
 public:
  Progress(std::string label, uint64_t total, bool enabled = true);
  ~Progress();
  void advance(uint64_t n = 1);
  void set_note(std::string note) { note_ = std::move(note); }
  void finish();

 private:
  void draw(bool force);
  std::string label_;
  std::string note_;
  uint64_t total_;
  uint64_t done_ = 0;
  bool enabled_;
  bool tty_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace slkv
