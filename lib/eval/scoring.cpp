#include "eval/scoring.hpp"

#include <algorithm>
#include <map>

#include "core/error.hpp"

namespace slkv::eval {
namespace {

// UTF-8 to code points; a malformed byte stands for itself (U+0080..U+00FF would be wrong, so
// it maps to U+FFFD) and never throws: predictions are whatever the model wrote.
std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + static_cast<size_t>(len) > s.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t cp = len == 1 ? c : c & (0x7F >> len);
    bool ok = true;
    for (int k = 1; k < len; ++k) {
      const auto d = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((d & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += static_cast<size_t>(len);
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

char32_t lower_cp(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;     // Latin-1 capitals
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;  // Greek capitals
  if (c >= 0x410 && c <= 0x42F) return c + 32;                // Cyrillic А..Я
  if (c >= 0x400 && c <= 0x40F) return c + 80;                // Cyrillic Ѐ..Џ
  return c;
}

bool is_ascii_punct(char32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

bool is_space(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0xA0 ||
         c == 0x3000 || (c >= 0x2000 && c <= 0x200A);
}

// Longest common subsequence length, O(|a| |b|) time, O(|b|) memory.
template <typename T>
size_t lcs_length(const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<size_t> row(b.size() + 1, 0);
  for (const T& x : a) {
    size_t diag = 0;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = x == b[j - 1] ? diag + 1 : std::max(row[j], row[j - 1]);
      diag = up;
    }
  }
  return row[b.size()];
}

// Maximal runs of ASCII digits.
std::vector<std::string> numbers_in(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] >= '0' && s[i] <= '9') {
      size_t j = i;
      while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
      out.emplace_back(s.substr(i, j - i));
      i = j;
    } else {
      ++i;
    }
  }
  return out;
}

std::string_view trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

double share_equal(const std::vector<std::string>& numbers, std::string_view gold) {
  if (numbers.empty()) return 0.0;
  const auto right = std::count(numbers.begin(), numbers.end(), gold);
  return static_cast<double>(right) / static_cast<double>(numbers.size());
}

std::string_view first_line(std::string_view s) {
  const size_t b = s.find_first_not_of('\n');
  if (b == std::string_view::npos) return {};
  s.remove_prefix(b);
  return s.substr(0, s.find('\n'));
}

bool first_line_only(const std::string& task) {
  std::string_view t = task;
  if (t.size() > 2 && t.substr(t.size() - 2) == "_e") t.remove_suffix(2);
  return t == "trec" || t == "triviaqa" || t == "samsum" || t == "lsht";
}

}  // namespace

std::string lowercase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : decode_utf8(text)) append_utf8(out, lower_cp(c));
  return out;
}

std::vector<std::string> normalized_tokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty() && cur != "a" && cur != "an" && cur != "the") tokens.push_back(cur);
    cur.clear();
  };
  for (char32_t c : decode_utf8(text)) {
    c = lower_cp(c);
    if (is_ascii_punct(c)) continue;  // "don't" -> "dont", as LongBench
    if (is_space(c)) {
      flush();
    } else {
      append_utf8(cur, c);
    }
  }
  flush();
  return tokens;
}

double ruler_match(std::string_view prediction, const std::vector<std::string>& golds) {
  if (golds.empty()) return 0.0;
  const std::string pred = lowercase(prediction);
  size_t found = 0;
  for (const std::string& g : golds) {
    if (pred.find(lowercase(g)) != std::string::npos) ++found;
  }
  return static_cast<double>(found) / static_cast<double>(golds.size());
}

double qa_f1(std::string_view prediction, std::string_view gold) {
  const std::vector<std::string> p = normalized_tokens(prediction);
  const std::vector<std::string> g = normalized_tokens(gold);
  std::map<std::string, int64_t> left;
  for (const std::string& t : g) ++left[t];
  int64_t same = 0;
  for (const std::string& t : p) {
    auto it = left.find(t);
    if (it != left.end() && it->second > 0) {
      --it->second;
      ++same;
    }
  }
  if (same == 0) return 0.0;
  const double precision = static_cast<double>(same) / static_cast<double>(p.size());
  const double recall = static_cast<double>(same) / static_cast<double>(g.size());
  return 2 * precision * recall / (precision + recall);
}

double rouge_l(std::string_view prediction, std::string_view gold) {
  const std::vector<std::string> p = normalized_tokens(prediction);
  const std::vector<std::string> g = normalized_tokens(gold);
  if (p.empty() || g.empty()) return 0.0;
  const auto lcs = static_cast<double>(lcs_length(p, g));
  if (lcs == 0) return 0.0;
  const double precision = lcs / static_cast<double>(p.size());
  const double recall = lcs / static_cast<double>(g.size());
  return 2 * precision * recall / (precision + recall);
}

double classification(std::string_view prediction, std::string_view gold,
                      const std::vector<std::string>& all_classes) {
  std::vector<std::string_view> named;
  for (const std::string& c : all_classes) {
    if (c.empty() || prediction.find(c) == std::string_view::npos) continue;
    // A class that is only part of the gold's name ("location" inside "other location") does
    // not count against the gold.
    if (c != gold && gold.find(c) != std::string_view::npos) continue;
    if (std::find(named.begin(), named.end(), c) == named.end()) named.push_back(c);
  }
  if (std::find(named.begin(), named.end(), gold) == named.end()) return 0.0;
  return 1.0 / static_cast<double>(named.size());
}

double retrieval(std::string_view prediction, std::string_view gold) {
  const std::vector<std::string> gold_numbers = numbers_in(gold);
  if (gold_numbers.empty()) return 0.0;
  return share_equal(numbers_in(prediction), gold_numbers.front());
}

double count_match(std::string_view prediction, std::string_view gold) {
  return share_equal(numbers_in(prediction), trim(gold));
}

double code_sim(std::string_view prediction, std::string_view gold) {
  std::string_view line;
  std::string_view rest =
      prediction.substr(std::min(prediction.size(), prediction.find_first_not_of('\n')));
  for (;;) {
    const size_t end = rest.find('\n');
    const std::string_view cand = rest.substr(0, end);
    if (cand.find('`') == std::string_view::npos && cand.find('#') == std::string_view::npos &&
        cand.find("//") == std::string_view::npos) {
      line = cand;
      break;
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  const std::u32string a = decode_utf8(line);
  const std::u32string b = decode_utf8(gold);
  if (a.empty() && b.empty()) return 1.0;
  const std::vector<char32_t> va(a.begin(), a.end());
  const std::vector<char32_t> vb(b.begin(), b.end());
  return 2.0 * static_cast<double>(lcs_length(va, vb)) / static_cast<double>(va.size() + vb.size());
}

double score(const EvalItem& item, std::string_view prediction) {
  if (item.metric == Metric::kRulerMatch) return ruler_match(prediction, item.answers);
  if (first_line_only(item.task)) prediction = first_line(prediction);
  double best = 0.0;
  for (const std::string& gold : item.answers) {
    double s = 0.0;
    switch (item.metric) {
      case Metric::kQaF1:
        s = qa_f1(prediction, gold);
        break;
      case Metric::kRougeL:
        s = rouge_l(prediction, gold);
        break;
      case Metric::kClassification:
        s = classification(prediction, gold, item.all_classes);
        break;
      case Metric::kRetrieval:
        s = retrieval(prediction, gold);
        break;
      case Metric::kCount:
        s = count_match(prediction, gold);
        break;
      case Metric::kCodeSim:
        s = code_sim(prediction, gold);
        break;
      case Metric::kRulerMatch:
        break;
    }
    best = std::max(best, s);
  }
  return best;
}

}  // namespace slkv::eval
