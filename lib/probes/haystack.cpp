#include "probes/haystack.hpp"

#include <cctype>
#include <string_view>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "probes/haystack_vocab.hpp"
#include "probes/rng.hpp"

namespace slkv::probes {
namespace {

std::string capitalised(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// 3rd-person singular present of a regular base form.
std::string present(std::string_view base) {
  std::string s(base);
  auto ends = [&](std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends("s") || ends("sh") || ends("ch") || ends("x") || ends("z") || ends("o")) return s + "es";
  if (ends("y") && s.size() > 1 &&
      std::string_view("aeiou").find(s[s.size() - 2]) == std::string_view::npos) {
    return s.substr(0, s.size() - 1) + "ies";
  }
  return s + "s";
}

// Endless topic paragraphs: 3 to 7 sentences per paragraph, one topic per paragraph, and no
// sentence shape twice in a row.
class BuiltinStream : public SentenceStream {
 public:
  explicit BuiltinStream(uint64_t seed) : rng_(seed) {}

  HaystackSentence next() override {
    HaystackSentence out;
    if (left_in_paragraph_ == 0) {
      size_t t;
      do {
        t = static_cast<size_t>(rng_.below(vocab::topics().size()));
      } while (t == topic_ && vocab::topics().size() > 1);
      topic_ = t;
      left_in_paragraph_ = static_cast<int>(rng_.between(3, 7));
      out.paragraph_start = !first_;
    }
    first_ = false;
    --left_in_paragraph_;
    int shape;
    do {
      shape = static_cast<int>(rng_.below(kShapes));
    } while (shape == last_shape_);
    last_shape_ = shape;
    out.text = sentence(shape);
    return out;
  }

 private:
  static constexpr int kShapes = 20;

  const vocab::Topic& topic() const { return vocab::topics()[topic_]; }
  std::string subject() { return rng_.pick(topic().subjects); }
  std::string object() { return rng_.pick(topic().objects); }
  std::string place() { return rng_.pick(topic().places); }
  std::string detail() { return rng_.pick(topic().details); }
  const vocab::Verb& verb() { return rng_.pick(topic().verbs); }
  std::string time() { return rng_.pick(vocab::times()); }
  std::string manner() { return rng_.pick(vocab::manners()); }

  std::string other_subject(const std::string& not_this) {
    std::string s;
    do {
      s = subject();
    } while (s == not_this);
    return s;
  }

  // Every slot is drawn up front, in a fixed order: the evaluation order of operands inside one
  // expression is unspecified, and probes must not depend on the compiler.
  std::string sentence(int shape) {
    const std::string s = subject();
    const vocab::Verb& v = verb();
    const std::string o = object();
    const std::string t = time();
    const std::string p = place();
    const std::string m = manner();
    const std::string d = detail();
    const std::string s2 = other_subject(s);
    const vocab::Verb& v2 = verb();
    const std::string o2 = object();
    const std::string opener = rng_.pick(vocab::openers());
    const std::string reason = rng_.pick(vocab::reasons());
    const std::string tail = rng_.pick(vocab::tails());
    const std::string count = rng_.pick(vocab::counts());
    const std::string pres = present(v.base);
    const auto aside = static_cast<size_t>(rng_.below(4));
    switch (shape) {
      case 0:
        return capitalised(t) + ", " + s + " " + v.past + " " + o + " " + p + ".";
      case 1:
        return capitalised(s) + " " + pres + " " + o + " " + m + ".";
      case 2:
        return capitalised(opener) + " " + s + " " + pres + " " + o + " " + p + ".";
      case 3: {
        constexpr const char* kAsides[] = {", or so ", ", as ", ", according to ",
                                           ", if one believes "};
        const char* ends[] = {" likes to say.", " will tell anyone who asks.", ".", "."};
        return capitalised(d) + kAsides[aside] + s + ends[aside];
      }
      case 4:
        return capitalised(t) + ", " + d + ".";
      case 5:
        return "Because " + reason + ", " + s + " " + v.past + " " + o + " " + m + ".";
      case 6:
        return capitalised(s) + " " + v.past + " " + o + ", and " + s2 + " " + v2.past + " " + o2 +
               " " + p + ".";
      case 7:
        return "It was " + s + " who first " + v.past + " " + o + " " + p + ".";
      case 8:
        return "Nobody could say why " + s + " " + v.past + " " + o + " " + t + ".";
      case 9:
        return capitalised(s) + " " + pres + " " + o + " " + p + ", " + tail + ".";
      case 10:
        return "There is a quiet logic to the way " + s + " " + pres + " " + o + ".";
      case 11:
        return capitalised(s) + " had " + v.past + " " + o + " " + p + " for " + count +
               " years before anyone noticed.";
      case 12:
        return "Whenever " + s + " " + pres + " " + o + ", " + d + ".";
      case 13:
        return capitalised(opener) + " " + d + ".";
      case 14:
        return capitalised(s) + " rarely " + pres + " " + o + " " + t + ", but " + s2 +
               " often does.";
      case 15:
        return "By all accounts, " + s + " " + v.past + " " + o + " " + m + ".";
      case 16:
        return "The story goes that " + s + " once " + v.past + " " + o + " " + p + ".";
      case 17:
        return "Some say " + s + " " + pres + " " + o + " " + m + "; others are less sure.";
      case 18:
        return capitalised(s) + " " + v.past + " " + o + " " + p + " and then, " + m + ", " +
               v2.past + " " + o2 + ".";
      default:
        return "Even now, " + s + " " + pres + " " + o + " " + p + ".";
    }
  }

  Rng rng_;
  size_t topic_ = SIZE_MAX;
  int left_in_paragraph_ = 0;
  int last_shape_ = -1;
  bool first_ = true;
};

class FileStream : public SentenceStream {
 public:
  FileStream(const std::vector<HaystackSentence>& corpus, uint64_t seed)
      : corpus_(corpus), pos_(static_cast<size_t>(Rng(seed).below(corpus.size()))) {}

  HaystackSentence next() override {
    HaystackSentence out = corpus_[pos_];
    out.paragraph_start = first_ ? false : (out.paragraph_start || pos_ == 0);
    first_ = false;
    pos_ = (pos_ + 1) % corpus_.size();
    return out;
  }

 private:
  const std::vector<HaystackSentence>& corpus_;
  size_t pos_;
  bool first_ = true;
};

}  // namespace

std::vector<HaystackSentence> split_sentences(const std::string& text) {
  std::vector<HaystackSentence> out;
  std::string current;
  bool pending_paragraph = false;
  int newlines = 0;
  auto flush = [&] {
    while (!current.empty() && current.back() == ' ') current.pop_back();
    if (!current.empty()) {
      out.push_back({current, pending_paragraph && !out.empty()});
      pending_paragraph = false;
    }
    current.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (c == '\n') ++newlines;
      if (newlines >= 2) {
        flush();
        pending_paragraph = true;
      }
      if (!current.empty() && current.back() != ' ') current.push_back(' ');
      continue;
    }
    newlines = 0;
    current.push_back(c);
    const bool terminal = c == '.' || c == '!' || c == '?';
    if (!terminal) continue;
    // Keep closing quotes and brackets with the sentence.
    while (i + 1 < text.size() &&
           std::string_view("\"')]").find(text[i + 1]) != std::string_view::npos) {
      current.push_back(text[++i]);
    }
    if (i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1]))) flush();
  }
  flush();
  return out;
}

Haystack Haystack::builtin() { return Haystack(); }

Haystack Haystack::from_files(const std::vector<std::string>& paths) {
  if (paths.empty()) throw Error("haystack: no files given");
  Haystack h;
  Hasher hasher;
  for (const std::string& path : paths) {
    const std::string text = read_file(path);
    if (text.find('\0') != std::string::npos) {
      throw_file_error(path, "haystack file contains NUL bytes (binary, or not UTF-8 text?)");
    }
    auto sentences = split_sentences(text);
    if (sentences.empty()) throw_file_error(path, "haystack file contains no sentence");
    if (!h.corpus_.empty()) sentences.front().paragraph_start = true;
    h.corpus_.insert(h.corpus_.end(), sentences.begin(), sentences.end());
    h.files_.push_back(path);
    hasher.feed(text);
  }
  h.content_hash_ = hasher.hex();
  return h;
}

std::unique_ptr<SentenceStream> Haystack::stream(uint64_t seed) const {
  if (is_builtin()) return std::make_unique<BuiltinStream>(seed);
  return std::make_unique<FileStream>(corpus_, seed);
}

}  // namespace slkv::probes
