#include "report.hpp"

#include <cstdio>
#include <map>
#include <string>

#include "model/gguf.hpp"

namespace slkv::inspect {
namespace {

using nlohmann::json;

std::string human_bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.2f %s" : "%.0f %s", v, units[u]);
  return buf;
}

std::string shape_text(const json& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(shape[i].get<int64_t>());
  }
  return s + "]";
}

// Layer pattern as a compact string: 'S' sliding, 'F' full attention.
std::string layer_pattern(const std::vector<bool>& sliding) {
  std::string s;
  for (bool b : sliding) s += b ? 'S' : 'F';
  return s;
}

}  // namespace

json checkpoint_summary(const Checkpoint& ck, const InspectOptions& options) {
  const ModelConfig& c = ck.config();
  json j;
  j["arch"] = c.arch;
  j["name"] = c.name;
  j["format"] = std::string(ck.format_name());
  j["path"] = ck.path();
  j["fingerprint"] = ck.fingerprint();
  j["n_layers"] = c.n_layers;
  j["n_heads"] = c.n_heads;
  j["n_kv_heads"] = c.n_kv_heads;
  j["head_dim"] = c.head_dim;
  j["hidden"] = c.hidden;
  j["ffn_hidden"] = c.ffn_hidden;
  j["vocab_size"] = c.vocab_size;
  j["context_length"] = c.context_length;
  j["norm_eps"] = c.norm_eps;
  j["norm_weight_offset"] = c.norm_weight_offset;
  j["activation"] = c.activation;
  j["qkv_bias"] = c.qkv_bias;
  j["qk_norm"] = c.qk_norm;
  j["post_norms"] = c.post_norms;
  j["tied_embeddings"] = c.tied_embeddings;
  j["embedding_scale"] = c.embedding_scale;
  j["attn_scale"] = c.attn_scale;
  j["rope"] = {{"style", c.rope_style == RopeStyle::kHalf ? "half" : "interleaved"},
               {"n_rot", c.n_rot},
               {"base", c.rope_base},
               {"base_local", c.rope_base_local},
               {"scaling",
                {{"type", c.rope_scaling.type},
                 {"factor", c.rope_scaling.factor},
                 {"low_freq_factor", c.rope_scaling.low_freq_factor},
                 {"high_freq_factor", c.rope_scaling.high_freq_factor},
                 {"original_context", c.rope_scaling.original_context}}}};
  j["sliding_window"] = c.sliding_window;
  j["layer_sliding"] = c.layer_sliding;
  j["special_tokens"] = {{"bos_id", c.bos_id},
                         {"eos_id", c.eos_id},
                         {"pad_id", c.pad_id},
                         {"stop_ids", c.stop_ids},
                         {"add_bos", c.add_bos}};
  json tokenizer = json::object();
  if (const GgufFile* g = ck.gguf()) {
    tokenizer["model"] = g->get_string("tokenizer.ggml.model").value_or("");
    tokenizer["pre"] = g->get_string("tokenizer.ggml.pre").value_or("");
    tokenizer["n_tokens"] = g->find_string_array("tokenizer.ggml.tokens")
                                ? g->find_string_array("tokenizer.ggml.tokens")->size()
                                : 0;
    tokenizer["source"] = "gguf";
  } else {
    tokenizer["source"] = ck.tokenizer_json_path();
  }
  j["tokenizer"] = tokenizer;

  uint64_t total_bytes = 0;
  std::map<std::string, std::pair<uint64_t, uint64_t>> by_type;  // type -> (count, bytes)
  json list = json::array();
  for (const TensorInfo& t : ck.tensors()) {
    total_bytes += t.n_bytes;
    auto& [count, bytes] = by_type[std::string(ggml_type_name(t.type))];
    ++count;
    bytes += t.n_bytes;
    if (options.list_tensors) {
      list.push_back({{"name", t.name},
                      {"type", std::string(ggml_type_name(t.type))},
                      {"shape", t.shape},
                      {"n_bytes", t.n_bytes},
                      {"file_offset", t.file_offset}});
    }
  }
  json types = json::object();
  for (const auto& [name, cb] : by_type)
    types[name] = {{"count", cb.first}, {"n_bytes", cb.second}};
  j["tensors"] = {{"count", ck.tensors().size()}, {"n_bytes", total_bytes}, {"by_type", types}};
  if (options.list_tensors) j["tensors"]["list"] = list;
  if (options.list_metadata && ck.gguf()) {
    json meta = json::object();
    for (const auto& [key, value] : ck.gguf()->metadata()) {
      meta[key] = {
          {"type", value.is_array() ? "array of " + std::string(gguf_type_name(value.array_type))
                                    : std::string(gguf_type_name(value.type))},
          {"value", gguf_value_to_string(value, 8)}};
    }
    j["metadata"] = meta;
  }
  return j;
}

void print_summary_text(std::ostream& out, const json& j) {
  auto line = [&](const char* label, const std::string& value) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "  %-20s", label);
    out << buf << value << "\n";
  };
  auto num = [](const json& v) { return v.dump(); };
  out << "model       " << j["path"].get<std::string>() << " (" << j["format"].get<std::string>()
      << ")\n";
  out << "name        " << j["name"].get<std::string>() << "\n";
  out << "arch        " << j["arch"].get<std::string>() << "\n";
  out << "fingerprint " << j["fingerprint"].get<std::string>() << "\n";
  out << "hyperparameters\n";
  for (const char* k :
       {"n_layers", "n_heads", "n_kv_heads", "head_dim", "hidden", "ffn_hidden", "vocab_size",
        "context_length", "norm_eps", "norm_weight_offset", "activation", "qkv_bias", "qk_norm",
        "post_norms", "tied_embeddings", "embedding_scale", "attn_scale", "sliding_window"}) {
    line(k, j[k].is_string() ? j[k].get<std::string>() : num(j[k]));
  }
  const json& r = j["rope"];
  line("rope", r["style"].get<std::string>() + ", n_rot " + num(r["n_rot"]) + ", base " +
                   num(r["base"]) + ", local base " + num(r["base_local"]) + ", scaling " +
                   r["scaling"]["type"].get<std::string>() + " x" + num(r["scaling"]["factor"]));
  line("layers",
       layer_pattern(j["layer_sliding"].get<std::vector<bool>>()) + "  (S sliding, F full)");
  const json& s = j["special_tokens"];
  line("special tokens", "bos " + num(s["bos_id"]) + ", eos " + num(s["eos_id"]) + ", pad " +
                             num(s["pad_id"]) + ", stop " + s["stop_ids"].dump() + ", add_bos " +
                             num(s["add_bos"]));
  const json& tok = j["tokenizer"];
  if (tok.contains("model")) {
    line("tokenizer", tok["model"].get<std::string>() + " (pre " + tok["pre"].get<std::string>() +
                          "), " + num(tok["n_tokens"]) + " tokens");
  } else {
    line("tokenizer", tok["source"].get<std::string>());
  }
  const json& t = j["tensors"];
  out << "tensors     " << num(t["count"]) << ", " << human_bytes(t["n_bytes"].get<uint64_t>())
      << " (" << num(t["n_bytes"]) << " bytes)\n";
  for (const auto& [type, cb] : t["by_type"].items()) {
    line(type.c_str(),
         num(cb["count"]) + " tensors, " + human_bytes(cb["n_bytes"].get<uint64_t>()));
  }
  if (t.contains("list")) {
    for (const json& e : t["list"]) {
      char buf[200];
      std::snprintf(buf, sizeof buf, "  %-36s %-6s %-16s %12llu\n",
                    e["name"].get<std::string>().c_str(), e["type"].get<std::string>().c_str(),
                    shape_text(e["shape"]).c_str(),
                    static_cast<unsigned long long>(e["n_bytes"].get<uint64_t>()));
      out << buf;
    }
  }
  if (j.contains("metadata")) {
    out << "metadata\n";
    for (const auto& [key, v] : j["metadata"].items()) {
      out << "  " << key << " (" << v["type"].get<std::string>()
          << ") = " << v["value"].get<std::string>() << "\n";
    }
  }
}

}  // namespace slkv::inspect
