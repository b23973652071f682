#pragma once
// The resume checkpoint of slkv-profile: a directory PROFILE.h5.resume/ with key.json (what run
// it belongs to, and the creation time the final profile will carry) and one probe-NNNNNN.json
// per finished probe (its table row and per-head values), each written atomically. A killed
// run loses at most the probe in flight; a resumed run reloads the finished probes and, since
// JSON numbers round-trip floats exactly, writes the same profile an uninterrupted run would.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "profile/head_stats.hpp"
#include "profile/per_probe_stats.hpp"

namespace slkv::tools {

struct FinishedProbe {
  profile::ProbeRecord record;
  profile::ProbeHeadValues values;
};

// One probe-NNNNNN.json: a line "slkv-resume-entry xxh3-128:<hash of key and JSON>", then the
// JSON. parse_checkpoint_entry throws slkv::Error naming `path` for anything else (a corrupted
// or truncated entry, one of another run, malformed or wrongly sized fields).
std::string format_checkpoint_entry(const FinishedProbe& probe, const std::string& key);
FinishedProbe parse_checkpoint_entry(std::string_view text, const std::string& key, size_t n_heads,
                                     const std::string& path);

class ResumeStore {
 public:
  // `key` identifies the run (model, probe configuration, runner options). With `resume`, an
  // existing directory with the same key is continued (a different key is an error naming the
  // directory); without it, any existing checkpoint is discarded.
  ResumeStore(std::string dir, std::string key, std::string created_utc, bool resume);

  // Creation time of the run: from key.json when continuing, else the one given.
  const std::string& created_utc() const { return created_utc_; }
  // Finished probes 0..n-1 found on disk (stops at the first gap).
  std::vector<FinishedProbe> load(int64_t n_layers, int64_t n_query_heads) const;
  void save(int64_t index, const FinishedProbe& probe) const;
  void remove() const;
  const std::string& dir() const { return dir_; }

 private:
  std::string probe_path(int64_t index) const;

  std::string dir_;
  std::string key_;
  std::string created_utc_;
};

}  // namespace slkv::tools
