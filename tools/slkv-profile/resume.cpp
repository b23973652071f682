#include "resume.hpp"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "probes/family.hpp"

namespace slkv::tools {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kFormat = "slkv.profile.resume.v1";

template <typename T>
void read_array(const json& j, const char* name, size_t n, std::vector<T>& out,
                const std::string& path) {
  if (!j.contains(name) || !j[name].is_array() || j[name].size() != n) {
    throw Error(path + ": field '" + name + "' is missing or has the wrong length");
  }
  out = j[name].get<std::vector<T>>();
}

// Model outputs are raw bytes: a generation cut at its token limit can end inside a UTF-8
// sequence, which a JSON string cannot hold. Such strings are stored as {"hex": "..."} so the
// resumed profile keeps the exact bytes; valid UTF-8 stays a plain string.
json bytes_to_json(const std::string& s) {
  try {
    (void)json(s).dump();
    return s;
  } catch (const json::type_error&) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * s.size());
    for (const unsigned char c : s) {
      hex.push_back(kDigits[c >> 4]);
      hex.push_back(kDigits[c & 15]);
    }
    return json{{"hex", hex}};
  }
}

std::string bytes_from_json(const json& j, const std::string& path) {
  if (j.is_string()) return j.get<std::string>();
  const std::string hex = j.at("hex").get<std::string>();
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  const auto bad = [&] { return Error(path + ": malformed checkpoint entry: bad hex string"); };
  if (hex.size() % 2 != 0) throw bad();
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) throw bad();
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

json probe_to_json(const FinishedProbe& p) {
  const profile::ProbeHeadValues& v = p.values;
  json j;
  j["family"] = std::string(probes::family_name(p.record.family));
  j["length_tokens"] = p.record.length_tokens;
  j["depth"] = p.record.depth;
  j["answer"] = bytes_to_json(p.record.answer);
  j["output"] = bytes_to_json(p.record.output);
  j["n_steps"] = v.n_steps;
  j["n_needle_tokens"] = v.n_needle_tokens;
  j["has_distractors"] = v.has_distractors;
  j["success"] = v.success;
  j["copy_count"] = v.copy_count;
  j["surface"] = v.surface;
  j["logic"] = v.logic;
  j["retrieval_reasoning"] = v.retrieval_reasoning;
  j["dist"] = v.dist;
  j["ignore"] = v.ignore;
  j["wtp"] = v.wtp;
  j["wfp"] = v.wfp;
  j["wfn"] = v.wfn;
  j["wtn"] = v.wtn;
  j["tp"] = v.tp;
  j["fp"] = v.fp;
  j["fn"] = v.fn;
  j["tn"] = v.tn;
  j["template"] = p.record.template_name;  // logic half (issue 11)
  j["chance"] = p.record.chance;
  j["n_token_ok"] = v.n_token_ok;
  j["logic_token"] = v.logic_token;
  return j;
}

FinishedProbe probe_from_json(const json& j, size_t n_heads, const std::string& path) {
  FinishedProbe p;
  try {
    p.record.family = probes::parse_family(j.at("family").get<std::string>());
    p.record.length_tokens = j.at("length_tokens").get<int64_t>();
    p.record.depth = j.at("depth").get<double>();
    p.record.answer = bytes_from_json(j.at("answer"), path);
    p.record.output = bytes_from_json(j.at("output"), path);
    profile::ProbeHeadValues& v = p.values;
    v.n_steps = j.at("n_steps").get<int64_t>();
    v.n_needle_tokens = j.at("n_needle_tokens").get<int64_t>();
    v.has_distractors = j.at("has_distractors").get<bool>();
    v.success = j.at("success").get<bool>();
    read_array(j, "copy_count", n_heads, v.copy_count, path);
    read_array(j, "surface", n_heads, v.surface, path);
    read_array(j, "logic", n_heads, v.logic, path);
    read_array(j, "retrieval_reasoning", n_heads, v.retrieval_reasoning, path);
    read_array(j, "dist", n_heads, v.dist, path);
    read_array(j, "ignore", n_heads, v.ignore, path);
    read_array(j, "wtp", n_heads, v.wtp, path);
    read_array(j, "wfp", n_heads, v.wfp, path);
    read_array(j, "wfn", n_heads, v.wfn, path);
    read_array(j, "wtn", n_heads, v.wtn, path);
    read_array(j, "tp", n_heads, v.tp, path);
    read_array(j, "fp", n_heads, v.fp, path);
    read_array(j, "fn", n_heads, v.fn, path);
    read_array(j, "tn", n_heads, v.tn, path);
    p.record.template_name = j.value("template", std::string());
    p.record.chance = j.value("chance", 0.0);
    v.n_token_ok = j.value("n_token_ok", int64_t{0});
    // Empty when the probe had no teacher-forced token values (written as []).
    if (j.contains("logic_token") && !(j["logic_token"].is_array() && j["logic_token"].empty()))
      read_array(j, "logic_token", n_heads, v.logic_token, path);
  } catch (const json::exception& e) {
    throw Error(path + ": malformed checkpoint entry: " + e.what());
  }
  p.record.success = p.values.success;
  p.record.has_distractors = p.values.has_distractors;
  p.record.n_steps = p.values.n_steps;
  p.record.n_needle_tokens = p.values.n_needle_tokens;
  p.record.n_token_ok = p.values.n_token_ok;
  return p;
}

constexpr std::string_view kEntryHeader = "slkv-resume-entry xxh3-128:";

// The hash binds an entry to its bytes and to the run's key.
std::string entry_hash(const std::string& key, std::string_view body) {
  return hash_hex(key + "\n" + std::string(body));
}

}  // namespace

FinishedProbe parse_checkpoint_entry(std::string_view text, const std::string& key, size_t n_heads,
                                     const std::string& path) {
  const size_t eol = text.find('\n');
  if (text.substr(0, kEntryHeader.size()) != kEntryHeader || eol != kEntryHeader.size() + 32) {
    throw Error(path + ": not a checkpoint entry of this slkv-profile (no checksum line); delete " +
                "the checkpoint or run without --resume");
  }
  const std::string_view stored = text.substr(kEntryHeader.size(), 32);
  const std::string_view body = text.substr(eol + 1);
  if (stored != entry_hash(key, body)) {
    throw Error(path + ": checksum mismatch (the entry is corrupted or belongs to another run); " +
                "delete the checkpoint or run without --resume");
  }
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {
    throw Error(path + ": malformed checkpoint entry: " + e.what());
  }
  if (!j.is_object()) throw Error(path + ": malformed checkpoint entry: not a JSON object");
  return probe_from_json(j, n_heads, path);
}

std::string format_checkpoint_entry(const FinishedProbe& probe, const std::string& key) {
  const std::string body = probe_to_json(probe).dump() + "\n";
  return std::string(kEntryHeader) + entry_hash(key, body) + "\n" + body;
}

ResumeStore::ResumeStore(std::string dir, std::string key, std::string created_utc, bool resume)
    : dir_(std::move(dir)), key_(std::move(key)), created_utc_(std::move(created_utc)) {
  const std::string key_path = dir_ + "/key.json";
  std::error_code ec;
  if (resume && fs::exists(key_path, ec)) {
    json j;
    try {
      j = json::parse(read_file(key_path));
    } catch (const json::exception& e) {
      throw Error(key_path + ": not a resume key file: " + e.what());
    }
    if (!j.is_object() || j.value("format", "") != kFormat || !j.contains("key") ||
        !j.contains("created_utc")) {
      throw Error(key_path + ": not a slkv-profile resume key file");
    }
    if (j["key"].get<std::string>() != key_) {
      throw Error(dir_ +
                  ": checkpoint belongs to a different run (model, probes or options "
                  "differ); delete it or run without --resume");
    }
    created_utc_ = j["created_utc"].get<std::string>();
    return;
  }
  fs::remove_all(dir_, ec);
  fs::create_directories(dir_, ec);
  if (ec) throw Error(dir_ + ": cannot create the checkpoint directory: " + ec.message());
  json j{{"format", kFormat}, {"key", key_}, {"created_utc", created_utc_}};
  write_file_atomic(key_path, j.dump(2) + "\n");
}

std::string ResumeStore::probe_path(int64_t index) const {
  char name[32];
  std::snprintf(name, sizeof(name), "probe-%06lld.json", static_cast<long long>(index));
  return dir_ + "/" + name;
}

std::vector<FinishedProbe> ResumeStore::load(int64_t n_layers, int64_t n_query_heads) const {
  std::vector<FinishedProbe> out;
  const size_t n_heads = static_cast<size_t>(n_layers * n_query_heads);
  for (int64_t i = 0;; ++i) {
    const std::string path = probe_path(i);
    std::error_code ec;
    if (!fs::exists(path, ec)) break;
    out.push_back(parse_checkpoint_entry(read_file(path), key_, n_heads, path));
  }
  return out;
}

void ResumeStore::save(int64_t index, const FinishedProbe& probe) const {
  write_file_atomic(probe_path(index), format_checkpoint_entry(probe, key_));
}

void ResumeStore::remove() const {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace slkv::tools
