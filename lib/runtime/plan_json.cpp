#include "runtime/plan_json.hpp"

#include <cmath>
#include <cstdio>
#include <set>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "runtime/run_time_methods.hpp"

namespace slkv::runtime {
namespace {

[[noreturn]] void fail(const std::string& source_name, const std::string& what,
                       PlanError::Kind kind = PlanError::Kind::kInvalid) {
  throw PlanError(source_name + ": " + what, kind);
}

// Shortest decimal that round-trips (nlohmann's Grisu2), e.g. 128.0, 0.1, 1e-05. Locale-free.
std::string format_double(double v) { return nlohmann::json(v).dump(); }

std::string json_string(const std::string& s) { return nlohmann::json(s).dump(); }

std::string format_cap(const Plan& plan, double v) {
  if (plan.budget_mode == BudgetMode::kTokens) return std::to_string(static_cast<int64_t>(v));
  return format_double(v);
}

// Everything but the checksum, in canonical order; ends with the caps/labels arrays and the
// optional confidence array.
std::string canonical_body(const Plan& p) {
  std::string out;
  out += "{\n";
  out += "  \"schema\": " + json_string(kPlanSchemaName) + ",\n";
  out += "  \"version\": " + std::to_string(kPlanSchemaVersion) + ",\n";
  out += "  \"model\": {\"arch\": " + json_string(p.model.arch) +
         ", \"n_layers\": " + std::to_string(p.model.n_layers) +
         ", \"n_heads\": " + std::to_string(p.model.n_heads) +
         ", \"n_kv_heads\": " + std::to_string(p.model.n_kv_heads) +
         ", \"head_dim\": " + std::to_string(p.model.head_dim) +
         ", \"fingerprint\": " + json_string(p.model.fingerprint) + "},\n";
  out += "  \"source\": {\"kind\": " + json_string(p.source.kind) +
         ", \"hash\": " + json_string(p.source.hash) +
         ", \"probe_set\": " + json_string(p.source.probe_set) +
         ", \"seed\": " + std::to_string(p.source.seed) +
         ", \"tool_version\": " + json_string(p.source.tool_version) + "},\n";
  out += "  \"granularity\": " + json_string(granularity_name(p.granularity)) + ",\n";
  out += "  \"gqa_aggregation\": " + json_string(p.gqa_aggregation) + ",\n";
  out += "  \"window\": " + std::to_string(p.window) + ",\n";
  out += "  \"pooling\": {\"kind\": " + json_string(p.pooling) +
         ", \"kernel\": " + std::to_string(p.pooling_kernel) + "},\n";
  out += "  \"budget\": {\"mode\": " + json_string(budget_mode_name(p.budget_mode)) +
         ", \"value\": " + format_double(p.budget_value) +
         ", \"min_cap\": " + std::to_string(p.min_cap) + "},\n";
  out += "  \"method\": {\"name\": " + json_string(p.method) +
         ", \"params\": " + p.method_params.dump() + "},\n";
  out += "  \"caps\": [";
  for (size_t l = 0; l < p.caps.size(); ++l) {
    out += l == 0 ? "\n    [" : ",\n    [";
    for (size_t h = 0; h < p.caps[l].size(); ++h) {
      if (h) out += ", ";
      out += format_cap(p, p.caps[l][h]);
    }
    out += "]";
  }
  out += "\n  ],\n";
  out += "  \"labels\": [";
  for (size_t l = 0; l < p.labels.size(); ++l) {
    out += l == 0 ? "\n    [" : ",\n    [";
    for (size_t h = 0; h < p.labels[l].size(); ++h) {
      if (h) out += ", ";
      out += json_string(p.labels[l][h]);
    }
    out += "]";
  }
  out += p.labels.empty() ? "]" : "\n  ]";
  // Optional member, written only when present, so plans without it keep their checksum.
  if (!p.confidence.empty()) {
    out += ",\n  \"confidence\": [";
    for (size_t l = 0; l < p.confidence.size(); ++l) {
      out += l == 0 ? "\n    [" : ",\n    [";
      for (size_t h = 0; h < p.confidence[l].size(); ++h) {
        if (h) out += ", ";
        out += format_double(p.confidence[l][h]);
      }
      out += "]";
    }
    out += "\n  ]";
  }
  return out;
}

std::string checksum_of(std::string_view body) {
  XXH128_hash_t h = XXH3_128bits(body.data(), body.size());
  char buf[48];
  std::snprintf(buf, sizeof buf, "xxh3-128:%016llx%016llx",
                static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

// Typed member access with messages that name the key path.
class Reader {
 public:
  explicit Reader(const std::string& source_name) : source_(source_name) {}

  const nlohmann::json& member(const nlohmann::json& obj, const std::string& path, const char* key,
                               nlohmann::json::value_t type) const {
    auto it = obj.find(key);
    std::string where = path.empty() ? std::string(key) : path + "." + key;
    if (it == obj.end()) fail(source_, "missing member '" + where + "'");
    bool ok = it->type() == type ||
              (type == nlohmann::json::value_t::number_float && it->is_number()) ||
              (type == nlohmann::json::value_t::number_integer && it->is_number_integer());
    if (!ok) fail(source_, "member '" + where + "' has type " + it->type_name());
    return *it;
  }
  std::string str(const nlohmann::json& obj, const std::string& path, const char* key) const {
    return member(obj, path, key, nlohmann::json::value_t::string).get<std::string>();
  }
  int64_t integer(const nlohmann::json& obj, const std::string& path, const char* key) const {
    const auto& v = member(obj, path, key, nlohmann::json::value_t::number_integer);
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      fail(source_, "member '" + path + "." + key + "' is out of range");
    return v.get<int64_t>();
  }
  double number(const nlohmann::json& obj, const std::string& path, const char* key) const {
    return member(obj, path, key, nlohmann::json::value_t::number_float).get<double>();
  }
  const nlohmann::json& object(const nlohmann::json& obj, const std::string& path, const char* key,
                               std::initializer_list<const char*> allowed) const {
    const auto& v = member(obj, path, key, nlohmann::json::value_t::object);
    only_keys(v, path.empty() ? key : path + "." + key, allowed);
    return v;
  }
  void only_keys(const nlohmann::json& obj, const std::string& path,
                 std::initializer_list<const char*> allowed) const {
    std::set<std::string> names(allowed.begin(), allowed.end());
    for (const auto& [k, v] : obj.items()) {
      if (!names.count(k))
        fail(source_, "unknown member '" + (path.empty() ? k : path + "." + k) + "'");
    }
  }

 private:
  const std::string& source_;
};

}  // namespace

const char* granularity_name(Granularity g) {
  return g == Granularity::kKvHead ? "kv_head" : "query_head";
}

const char* budget_mode_name(BudgetMode m) { return m == BudgetMode::kTokens ? "tokens" : "ratio"; }

namespace {
void validate_confidence(const Plan& p, const std::string& src) {
  if (p.confidence.empty()) return;
  if (p.labels.empty()) fail(src, "confidence needs labels (it is the share keeping each label)");
  if (p.confidence.size() != p.labels.size())
    fail(src, "confidence has " + std::to_string(p.confidence.size()) + " layers, expected " +
                  std::to_string(p.labels.size()));
  for (size_t l = 0; l < p.confidence.size(); ++l) {
    if (p.confidence[l].size() != p.labels[l].size())
      fail(src, "confidence[" + std::to_string(l) + "] has " +
                    std::to_string(p.confidence[l].size()) + " heads, expected " +
                    std::to_string(p.labels[l].size()));
    for (size_t h = 0; h < p.confidence[l].size(); ++h) {
      const double c = p.confidence[l][h];
      if (!(c >= 0.0 && c <= 1.0))
        fail(src, "confidence[" + std::to_string(l) + "][" + std::to_string(h) +
                      "] = " + format_double(c) + " is not a share in [0, 1]");
    }
  }
}
}  // namespace

void validate_plan(const Plan& p, const std::string& src) {
  const auto& m = p.model;
  if (m.n_layers <= 0 || m.n_heads <= 0 || m.n_kv_heads <= 0 || m.head_dim <= 0)
    fail(src, "model shape must be positive (n_layers " + std::to_string(m.n_layers) +
                  ", n_heads " + std::to_string(m.n_heads) + ", n_kv_heads " +
                  std::to_string(m.n_kv_heads) + ", head_dim " + std::to_string(m.head_dim) + ")");
  if (m.n_heads > kPlanMaxHeads || m.n_kv_heads > kPlanMaxHeads || m.head_dim > kPlanMaxHeads ||
      m.n_layers > kPlanMaxHeads || m.n_layers * m.n_heads > kPlanMaxHeads)
    fail(src,
         "model shape is too large (at most " + std::to_string(kPlanMaxHeads) + " heads in all)");
  if (m.n_heads % m.n_kv_heads != 0)
    fail(src, "n_heads " + std::to_string(m.n_heads) + " is not a multiple of n_kv_heads " +
                  std::to_string(m.n_kv_heads));
  if (p.granularity == Granularity::kKvHead) {
    if (p.gqa_aggregation != "sum" && p.gqa_aggregation != "max")
      fail(src, "gqa_aggregation must be \"sum\" or \"max\" for kv_head granularity, got \"" +
                    p.gqa_aggregation + "\"");
  } else if (p.gqa_aggregation != "none") {
    fail(src, "gqa_aggregation must be \"none\" for query_head granularity, got \"" +
                  p.gqa_aggregation + "\"");
  }
  if (p.window < 0 || p.window > kPlanMaxTokens)
    fail(src, "window must be in [0, " + std::to_string(kPlanMaxTokens) + "], got " +
                  std::to_string(p.window));
  if (p.pooling != "max" && p.pooling != "avg" && p.pooling != "none")
    fail(src, "pooling.kind must be \"max\", \"avg\" or \"none\", got \"" + p.pooling + "\"");
  if (p.pooling_kernel < 1 || p.pooling_kernel % 2 == 0 || p.pooling_kernel > kPlanMaxPoolingKernel)
    fail(src, "pooling.kernel must be odd and in [1, " + std::to_string(kPlanMaxPoolingKernel) +
                  "], got " + std::to_string(p.pooling_kernel));
  if (p.pooling == "none" && p.pooling_kernel != 1)
    fail(src, "pooling.kernel must be 1 when pooling.kind is \"none\"");
  if (!std::isfinite(p.budget_value) || p.budget_value < 0)
    fail(src, "budget.value must be finite and >= 0, got " + format_double(p.budget_value));
  if (p.budget_mode == BudgetMode::kRatio && p.budget_value > 1)
    fail(src, "budget.value is a ratio of the prompt length and must be <= 1, got " +
                  format_double(p.budget_value));
  if (p.budget_mode == BudgetMode::kTokens && p.budget_value > static_cast<double>(kPlanMaxTokens))
    fail(src, "budget.value must be at most " + std::to_string(kPlanMaxTokens) + " tokens, got " +
                  format_double(p.budget_value));
  if (p.min_cap < 0 || p.min_cap > kPlanMaxTokens)
    fail(src, "budget.min_cap must be in [0, " + std::to_string(kPlanMaxTokens) + "], got " +
                  std::to_string(p.min_cap));
  if (p.method.empty()) fail(src, "method.name is empty");
  if (!p.method_params.is_object()) fail(src, "method.params must be an object");
  check_run_time_method(p, src);
  const int64_t n_heads = p.n_plan_heads();
  if (static_cast<int64_t>(p.caps.size()) != m.n_layers)
    fail(src, "caps has " + std::to_string(p.caps.size()) + " layers, the model has " +
                  std::to_string(m.n_layers));
  double total_share = 0;
  for (size_t l = 0; l < p.caps.size(); ++l) {
    if (static_cast<int64_t>(p.caps[l].size()) != n_heads)
      fail(src, "caps[" + std::to_string(l) + "] has " + std::to_string(p.caps[l].size()) +
                    " heads, expected " + std::to_string(n_heads) + " (" +
                    granularity_name(p.granularity) + ")");
    for (size_t h = 0; h < p.caps[l].size(); ++h) {
      double c = p.caps[l][h];
      std::string at = "caps[" + std::to_string(l) + "][" + std::to_string(h) + "]";
      if (!std::isfinite(c) || c < 0) fail(src, at + " must be finite and >= 0");
      if (p.budget_mode == BudgetMode::kTokens) {
        if (c != std::floor(c) || c > static_cast<double>(kPlanMaxTokens))
          fail(src, at + " must be an integer in [0, " + std::to_string(kPlanMaxTokens) +
                        "] in tokens mode");
        if (c < static_cast<double>(p.min_cap))
          fail(src, at + " = " + format_cap(p, c) + " is below budget.min_cap " +
                        std::to_string(p.min_cap));
      } else if (c > kPlanMaxShare) {
        fail(src, at + " = " + format_double(c) + " is above the largest share " +
                      format_double(kPlanMaxShare));
      }
      total_share += c;
    }
  }
  if (p.budget_mode == BudgetMode::kRatio && !(total_share > 0))
    fail(src, "ratio mode needs at least one positive share in caps");
  if (!p.labels.empty()) {
    if (static_cast<int64_t>(p.labels.size()) != m.n_layers)
      fail(src, "labels has " + std::to_string(p.labels.size()) + " layers, expected " +
                    std::to_string(m.n_layers) + " (or none)");
    for (size_t l = 0; l < p.labels.size(); ++l) {
      if (static_cast<int64_t>(p.labels[l].size()) != n_heads)
        fail(src, "labels[" + std::to_string(l) + "] has " + std::to_string(p.labels[l].size()) +
                      " heads, expected " + std::to_string(n_heads));
      for (size_t h = 0; h < p.labels[l].size(); ++h) {
        const std::string& s = p.labels[l][h];
        if (s != "surface" && s != "logic" && s != "ignoring" && s != "distracted")
          fail(src, "labels[" + std::to_string(l) + "][" + std::to_string(h) + "] is " +
                        json_string(s) +
                        ", expected \"surface\", \"logic\", \"ignoring\" or \"distracted\"");
      }
    }
  }
  validate_confidence(p, src);
}

std::string plan_checksum(const Plan& plan) { return checksum_of(canonical_body(plan)); }

std::string plan_to_json(const Plan& plan) {
  validate_plan(plan, "plan_to_json");
  std::string body = canonical_body(plan);
  std::string sum = checksum_of(body);
  return body + ",\n  \"checksum\": " + json_string(sum) + "\n}\n";
}

Plan plan_from_json(std::string_view text, const std::string& src) {
  nlohmann::json doc;
  // A member given twice would silently take the last value: refused, naming the member.
  std::vector<std::set<std::string>> seen;  // member names per open object
  std::string duplicate;
  auto no_duplicates = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) {
      seen.emplace_back();
    } else if (event == E::object_end) {
      if (!seen.empty()) seen.pop_back();
    } else if (event == E::key && !seen.empty() && duplicate.empty()) {
      const auto& name = parsed.get_ref<const std::string&>();
      if (!seen.back().insert(name).second) duplicate = name;
    }
    return true;
  };
  try {
    doc = nlohmann::json::parse(text.begin(), text.end(), no_duplicates);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range: 1e99999
    fail(src, std::string("not valid JSON: ") + e.what(), PlanError::Kind::kParse);
  }
  if (!duplicate.empty())
    fail(src, "member \"" + duplicate + "\" appears twice in one object", PlanError::Kind::kParse);
  if (!doc.is_object()) fail(src, "top level must be a JSON object", PlanError::Kind::kParse);
  Reader r(src);
  using VT = nlohmann::json::value_t;
  std::string schema = r.str(doc, "", "schema");
  if (schema != kPlanSchemaName)
    fail(src, "schema is \"" + schema + "\", expected \"" + kPlanSchemaName + "\"",
         PlanError::Kind::kSchema);
  int64_t version = r.integer(doc, "", "version");
  if (version != kPlanSchemaVersion)
    fail(src,
         "schema version " + std::to_string(version) + " is not supported (this library " +
             "reads version " + std::to_string(kPlanSchemaVersion) + ")",
         PlanError::Kind::kSchema);
  r.only_keys(doc, "",
              {"schema", "version", "model", "source", "granularity", "gqa_aggregation", "window",
               "pooling", "budget", "method", "caps", "labels", "confidence", "checksum"});
  Plan p;
  const auto& model = r.object(
      doc, "", "model", {"arch", "n_layers", "n_heads", "n_kv_heads", "head_dim", "fingerprint"});
  p.model.arch = r.str(model, "model", "arch");
  p.model.n_layers = r.integer(model, "model", "n_layers");
  p.model.n_heads = r.integer(model, "model", "n_heads");
  p.model.n_kv_heads = r.integer(model, "model", "n_kv_heads");
  p.model.head_dim = r.integer(model, "model", "head_dim");
  p.model.fingerprint = r.str(model, "model", "fingerprint");
  const auto& source =
      r.object(doc, "", "source", {"kind", "hash", "probe_set", "seed", "tool_version"});
  p.source.kind = r.str(source, "source", "kind");
  p.source.hash = r.str(source, "source", "hash");
  p.source.probe_set = r.str(source, "source", "probe_set");
  const auto& seed = r.member(source, "source", "seed", VT::number_integer);
  if (seed.is_number_integer() && !seed.is_number_unsigned() && seed.get<int64_t>() < 0)
    fail(src, "source.seed must be >= 0");
  p.source.seed = seed.get<uint64_t>();
  p.source.tool_version = r.str(source, "source", "tool_version");
  std::string gran = r.str(doc, "", "granularity");
  if (gran == "kv_head") {
    p.granularity = Granularity::kKvHead;
  } else if (gran == "query_head") {
    p.granularity = Granularity::kQueryHead;
  } else {
    fail(src, "granularity must be \"kv_head\" or \"query_head\", got \"" + gran + "\"");
  }
  p.gqa_aggregation = r.str(doc, "", "gqa_aggregation");
  p.window = r.integer(doc, "", "window");
  const auto& pooling = r.object(doc, "", "pooling", {"kind", "kernel"});
  p.pooling = r.str(pooling, "pooling", "kind");
  p.pooling_kernel = r.integer(pooling, "pooling", "kernel");
  const auto& budget = r.object(doc, "", "budget", {"mode", "value", "min_cap"});
  std::string mode = r.str(budget, "budget", "mode");
  if (mode == "tokens") {
    p.budget_mode = BudgetMode::kTokens;
  } else if (mode == "ratio") {
    p.budget_mode = BudgetMode::kRatio;
  } else {
    fail(src, "budget.mode must be \"tokens\" or \"ratio\", got \"" + mode + "\"");
  }
  p.budget_value = r.number(budget, "budget", "value");
  p.min_cap = r.integer(budget, "budget", "min_cap");
  const auto& method = r.object(doc, "", "method", {"name", "params"});
  p.method = r.str(method, "method", "name");
  p.method_params = r.member(method, "method", "params", VT::object);
  const auto& caps = r.member(doc, "", "caps", VT::array);
  for (size_t l = 0; l < caps.size(); ++l) {
    if (!caps[l].is_array()) fail(src, "caps[" + std::to_string(l) + "] is not an array");
    std::vector<double> row;
    row.reserve(caps[l].size());
    for (size_t h = 0; h < caps[l].size(); ++h) {
      if (!caps[l][h].is_number())
        fail(src, "caps[" + std::to_string(l) + "][" + std::to_string(h) + "] is not a number");
      row.push_back(caps[l][h].get<double>());
    }
    p.caps.push_back(std::move(row));
  }
  const auto& labels = r.member(doc, "", "labels", VT::array);
  for (size_t l = 0; l < labels.size(); ++l) {
    if (!labels[l].is_array()) fail(src, "labels[" + std::to_string(l) + "] is not an array");
    std::vector<std::string> row;
    for (size_t h = 0; h < labels[l].size(); ++h) {
      if (!labels[l][h].is_string())
        fail(src, "labels[" + std::to_string(l) + "][" + std::to_string(h) + "] is not a string");
      row.push_back(labels[l][h].get<std::string>());
    }
    p.labels.push_back(std::move(row));
  }
  if (doc.contains("confidence")) {
    const auto& conf = r.member(doc, "", "confidence", VT::array);
    for (size_t l = 0; l < conf.size(); ++l) {
      if (!conf[l].is_array()) fail(src, "confidence[" + std::to_string(l) + "] is not an array");
      std::vector<double> row;
      for (size_t h = 0; h < conf[l].size(); ++h) {
        if (!conf[l][h].is_number())
          fail(src,
               "confidence[" + std::to_string(l) + "][" + std::to_string(h) + "] is not a number");
        row.push_back(conf[l][h].get<double>());
      }
      p.confidence.push_back(std::move(row));
    }
    if (p.confidence.empty()) fail(src, "confidence is empty (omit the member instead)");
  }
  validate_plan(p, src);
  std::string stored = r.str(doc, "", "checksum");
  std::string actual = plan_checksum(p);
  if (stored != actual)
    fail(src,
         "checksum mismatch: file says " + stored + ", content hashes to " + actual +
             " (the plan was edited or corrupted)",
         PlanError::Kind::kChecksum);
  return p;
}

}  // namespace slkv::runtime
