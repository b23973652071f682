// Tokenizer from a Hugging Face tokenizer.json (FORMATS.md §7.3), plus the special-token
// names in a tokenizer_config.json beside it when there is one. Supported: model "BPE" with a
// ByteLevel pre-tokenizer/decoder (optionally after Digits and Split(Regex) steps), or without
// ByteLevel as character BPE with "▁" spaces and byte fallback (Gemma, Llama 2).

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "model/pretokenizer.hpp"
#include "model/tokenizer.hpp"
#include "model/tokenizer_internal.hpp"

namespace slkv {

namespace {

using nlohmann::json;

struct Loader {
  std::string path;
  TokenizerSpec spec;
  bool byte_level = false;
  bool metaspace_prefix = false;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw_file_error(path, "key " + key + ": " + what);
  }

  const json& member(const json& object, const char* name, const std::string& key) const {
    if (!object.is_object() || !object.contains(name)) fail(key + "." + name, "missing");
    return object.at(name);
  }

  std::string string_of(const json& value, const std::string& key) const {
    if (!value.is_string()) fail(key, "expected a string, found " + std::string(value.type_name()));
    return value.get<std::string>();
  }

  // One pre-tokenizer step (recursing into Sequence).
  void pre_tokenizer(const json& pre, const std::string& key) {
    if (pre.is_null()) return;
    const std::string type = string_of(member(pre, "type", key), key + ".type");
    if (type == "Sequence") {
      const json& steps = member(pre, "pretokenizers", key);
      if (!steps.is_array()) fail(key + ".pretokenizers", "expected an array");
      for (size_t i = 0; i < steps.size(); ++i) {
        pre_tokenizer(steps[i], key + ".pretokenizers[" + std::to_string(i) + "]");
      }
    } else if (type == "ByteLevel") {
      byte_level = true;
      if (pre.value("add_prefix_space", false)) {
        fail(key + ".add_prefix_space", "true is not supported");
      }
      if (pre.value("use_regex", true)) spec.pre_patterns.push_back(kGpt2Pattern);
    } else if (type == "Digits") {
      spec.pre_patterns.push_back(pre.value("individual_digits", false) ? kDigitPattern
                                                                        : R"(\p{N}+)");
    } else if (type == "Split") {
      const json& pattern = member(pre, "pattern", key);
      const std::string behavior = string_of(member(pre, "behavior", key), key + ".behavior");
      if (pre.value("invert", false)) fail(key + ".invert", "true is not supported");
      std::string regex;
      if (pattern.contains("Regex")) {
        regex = string_of(pattern["Regex"], key + ".pattern.Regex");
      } else if (pattern.contains("String")) {
        regex = "\\Q" + string_of(pattern["String"], key + ".pattern.String") + "\\E";
        // Splitting on " " after spaces became "▁" is a no-op (Gemma's tokenizer.json).
        if (!byte_level && pattern["String"] == " ") return;
      } else {
        fail(key + ".pattern", "expected Regex or String");
      }
      if (behavior != "Isolated") fail(key + ".behavior", "'" + behavior + "' is not supported");
      spec.pre_patterns.push_back(regex);
    } else if (type == "Metaspace") {
      if (pre.value("split", false)) fail(key + ".split", "true is not supported");
      if (pre.value("replacement", std::string("\xE2\x96\x81")) != "\xE2\x96\x81") {
        fail(key + ".replacement", "only U+2581 is supported");
      }
      const std::string scheme = pre.value("prepend_scheme", std::string("always"));
      if (scheme == "always" || scheme == "first") {
        metaspace_prefix = true;
      } else if (scheme != "never") {
        fail(key + ".prepend_scheme", "unknown value '" + scheme + "'");
      }
    } else {
      fail(key + ".type", "unsupported pre-tokenizer '" + type + "'");
    }
  }

  // Char-BPE normalizers: Replace(" " -> "▁") is what the algorithm does anyway; Prepend("▁")
  // is the legacy Llama 2 space prefix.
  void normalizer(const json& norm, const std::string& key) {
    if (norm.is_null()) return;
    const std::string type = string_of(member(norm, "type", key), key + ".type");
    if (type == "Sequence") {
      const json& steps = member(norm, "normalizers", key);
      for (size_t i = 0; i < steps.size(); ++i) {
        normalizer(steps[i], key + ".normalizers[" + std::to_string(i) + "]");
      }
    } else if (type == "Replace" && !byte_level) {
      const json& pattern = member(norm, "pattern", key);
      if (pattern.value("String", std::string()) != " " ||
          norm.value("content", std::string()) != "\xE2\x96\x81") {
        fail(key, "only Replace(\" \" -> \"\u2581\") is supported");
      }
    } else if (type == "Prepend" && !byte_level) {
      if (norm.value("prepend", std::string()) != "\xE2\x96\x81") {
        fail(key + ".prepend", "only \"\u2581\" is supported");
      }
      metaspace_prefix = true;
    } else {
      fail(key + ".type", "unsupported normalizer '" + type + "'");
    }
  }

  std::optional<int32_t> id_of(const std::string& text) const {
    for (size_t i = 0; i < spec.tokens.size(); ++i) {
      if (spec.tokens[i] == text) return static_cast<int32_t>(i);
    }
    return std::nullopt;
  }
};

// tokenizer_config.json writes special tokens as a string or as {"content": ...}.
std::optional<std::string> config_token(const json& config, const char* name) {
  if (!config.contains(name)) return std::nullopt;
  const json& v = config[name];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) {
    return v["content"].get<std::string>();
  }
  return std::nullopt;
}

}  // namespace

Tokenizer tokenizer_from_json(const std::string& tokenizer_json_path) {
  Loader ld;
  ld.path = tokenizer_json_path;
  TokenizerSpec& spec = ld.spec;
  spec.source = tokenizer_json_path;
  json root;
  try {
    root = json::parse(read_file(tokenizer_json_path));
  } catch (const json::exception& e) {
    throw_file_error(tokenizer_json_path, std::string("malformed JSON: ") + e.what());
  }
  if (!root.is_object()) throw_file_error(tokenizer_json_path, "top level is not an object");

  try {
    const json& model = ld.member(root, "model", "");
    const std::string type =
        model.contains("type") ? ld.string_of(model["type"], "model.type") : "BPE";
    if (type != "BPE") ld.fail("model.type", "unsupported tokenizer model '" + type + "'");

    // Vocabulary: model.vocab plus added_tokens, dense ids 0..n-1.
    const json& vocab = ld.member(model, "vocab", "model");
    if (!vocab.is_object()) ld.fail("model.vocab", "expected an object");
    const json added = root.value("added_tokens", json::array());
    if (!added.is_array()) ld.fail("added_tokens", "expected an array");
    auto check_id = [&](const json& v, const std::string& key) {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= INT32_MAX) {
        ld.fail(key, "id " + v.dump() + " is not a valid token id");
      }
      return static_cast<size_t>(v.get<int64_t>());
    };
    size_t n_vocab = 0;
    for (const auto& [text, id] : vocab.items()) {
      n_vocab = std::max(n_vocab, check_id(id, "model.vocab[\"" + text + "\"]") + 1);
    }
    for (size_t i = 0; i < added.size(); ++i) {
      const std::string key = "added_tokens[" + std::to_string(i) + "]";
      n_vocab = std::max(n_vocab, check_id(ld.member(added[i], "id", key), key + ".id") + 1);
    }
    if (n_vocab > vocab.size() + added.size()) {
      ld.fail("model.vocab", "ids are not dense: largest id " + std::to_string(n_vocab - 1) +
                                 " for " + std::to_string(vocab.size() + added.size()) +
                                 " entries");
    }
    spec.tokens.assign(n_vocab, std::string());
    std::vector<bool> seen(n_vocab, false);
    spec.types.assign(n_vocab, TokenType::kNormal);
    for (const auto& [text, id] : vocab.items()) {
      const size_t i = id.get<size_t>();
      spec.tokens[i] = text;
      seen[i] = true;
    }
    for (size_t i = 0; i < added.size(); ++i) {
      const std::string key = "added_tokens[" + std::to_string(i) + "]";
      const size_t id = added[i]["id"].get<size_t>();
      const std::string content =
          ld.string_of(ld.member(added[i], "content", key), key + ".content");
      if (seen[id] && spec.tokens[id] != content) {
        ld.fail(key, "id " + std::to_string(id) + " is '" + spec.tokens[id] +
                         "' in model.vocab but '" + content + "' here");
      }
      spec.tokens[id] = content;
      seen[id] = true;
      spec.types[id] =
          added[i].value("special", false) ? TokenType::kControl : TokenType::kUserDefined;
    }
    for (size_t i = 0; i < n_vocab; ++i) {
      if (!seen[i]) ld.fail("model.vocab", "no token has id " + std::to_string(i));
    }

    // Merges: "left right" strings, or ["left", "right"] pairs (tokenizers >= 0.20).
    const json merges = model.value("merges", json::array());
    if (!merges.is_array()) ld.fail("model.merges", "expected an array");
    spec.merges.reserve(merges.size());
    for (size_t i = 0; i < merges.size(); ++i) {
      const json& m = merges[i];
      const std::string key = "model.merges[" + std::to_string(i) + "]";
      if (m.is_string()) {
        const std::string s = m.get<std::string>();
        const size_t space = s.find(' ');
        if (space == std::string::npos || space == 0 || space + 1 >= s.size() ||
            s.find(' ', space + 1) != std::string::npos) {
          ld.fail(key, "'" + s + "' is not 'left right'");
        }
        spec.merges.emplace_back(s.substr(0, space), s.substr(space + 1));
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        spec.merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
      } else {
        ld.fail(key, "expected \"left right\" or [\"left\", \"right\"], found " + m.dump());
      }
    }
    spec.ignore_merges = model.value("ignore_merges", false);
    spec.byte_fallback = model.value("byte_fallback", false);
    if (model.contains("unk_token") && model["unk_token"].is_string()) {
      if (auto id = ld.id_of(model["unk_token"].get<std::string>())) spec.unk_id = *id;
    }

    ld.pre_tokenizer(root.value("pre_tokenizer", json()), "pre_tokenizer");
    if (root.contains("decoder") && root["decoder"].is_object() &&
        root["decoder"].value("type", std::string()) == "ByteLevel") {
      ld.byte_level = true;
    }
    if (ld.byte_level) {
      spec.kind = TokenizerKind::kByteLevelBpe;
      spec.pre_name = "tokenizer.json";
      if (spec.pre_patterns.empty()) {
        ld.fail("pre_tokenizer", "byte-level BPE without any splitting step is not supported");
      }
    } else {
      spec.kind = TokenizerKind::kCharBpe;
      for (size_t i = 0; i < spec.tokens.size(); ++i) {
        if (spec.types[i] == TokenType::kNormal && parse_byte_token(spec.tokens[i]) >= 0) {
          spec.types[i] = TokenType::kByte;
        }
      }
      spec.pre_name = "metaspace";
      ld.normalizer(root.value("normalizer", json()), "normalizer");
      spec.add_space_prefix = ld.metaspace_prefix;
    }

    // BOS from the post-processor: TemplateProcessing whose single template starts with a
    // special token.
    const json post = root.value("post_processor", json());
    if (post.is_object() && post.value("type", std::string()) == "TemplateProcessing" &&
        post.contains("single") && post["single"].is_array() && !post["single"].empty() &&
        post["single"][0].contains("SpecialToken")) {
      const json& first = post["single"][0]["SpecialToken"];
      if (auto id = ld.id_of(first.value("id", std::string()))) {
        spec.bos_id = *id;
        spec.add_bos = true;
      }
    }
  } catch (const json::exception& e) {
    throw_file_error(tokenizer_json_path, std::string("unexpected JSON structure: ") + e.what());
  }

  // Special-token names from tokenizer_config.json, when it is there.
  const std::filesystem::path config_path =
      std::filesystem::path(tokenizer_json_path).parent_path() / "tokenizer_config.json";
  if (std::filesystem::exists(config_path)) {
    json config;
    try {
      config = json::parse(read_file(config_path.string()));
    } catch (const json::exception& e) {
      throw_file_error(config_path.string(), std::string("malformed JSON: ") + e.what());
    }
    if (config.is_object()) {
      auto lookup = [&](const char* name, int32_t& id) {
        if (auto text = config_token(config, name)) {
          if (auto found = ld.id_of(*text)) id = *found;
        }
      };
      lookup("bos_token", spec.bos_id);
      lookup("eos_token", spec.eos_id);
      lookup("pad_token", spec.pad_id);
      lookup("unk_token", spec.unk_id);
      if (config.contains("add_bos_token") && config["add_bos_token"].is_boolean()) {
        spec.add_bos = config["add_bos_token"].get<bool>();
      }
    }
  }
  for (const char* text : {"<|eot_id|>", "<|im_end|>", "<end_of_turn>", "<|end|>"}) {
    if (spec.eot_id < 0) {
      if (auto id = ld.id_of(text)) spec.eot_id = *id;
    }
  }
  return Tokenizer(std::move(spec));
}

}  // namespace slkv
