#pragma once
// The irrelevant text a needle hides in. Two sources: a built-in generator of varied English
// prose (topic paragraphs from our own templates and vocabulary, deterministic by seed) and
// text files the user brings (--haystack FILE...), split into sentences. Either way the probe
// builder pulls whole sentences, so a needle can always be inserted at a sentence end.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace slkv::probes {

struct HaystackSentence {
  std::string text;              // one sentence, no leading or trailing whitespace
  bool paragraph_start = false;  // a blank line precedes it
};

class SentenceStream {
 public:
  virtual ~SentenceStream() = default;
  virtual HaystackSentence next() = 0;  // endless: generators never run dry, files wrap around
};

class Haystack {
 public:
  static Haystack builtin();
  // Reads and splits the files now; throws slkv::Error naming a file that is missing,
  // unreadable, binary or without a single sentence.
  static Haystack from_files(const std::vector<std::string>& paths);

  // A stream that depends only on `seed` (and the files).
  std::unique_ptr<SentenceStream> stream(uint64_t seed) const;

  bool is_builtin() const { return files_.empty(); }
  const std::vector<std::string>& files() const { return files_; }
  const std::string& content_hash() const { return content_hash_; }  // empty for builtin
  size_t n_file_sentences() const { return corpus_.size(); }

 private:
  std::vector<std::string> files_;
  std::string content_hash_;
  std::vector<HaystackSentence> corpus_;  // file sentences in reading order
};

// Splits text into sentences at '.', '!' or '?' (closing quotes and brackets stay with the
// sentence) followed by whitespace; a blank line starts a paragraph. Whitespace inside a
// sentence collapses to single spaces.
std::vector<HaystackSentence> split_sentences(const std::string& text);

}  // namespace slkv::probes
