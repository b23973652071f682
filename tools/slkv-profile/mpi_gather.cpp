#include "mpi_gather.hpp"

#include <cstring>
#include <type_traits>

#include "core/error.hpp"
#include "dist/shard.hpp"

namespace slkv::tools {

namespace {

constexpr uint64_t kMagic = 0x736c6b7673686172ULL;  // "slkvshar"

class Writer {
 public:
  template <typename T>
  void put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const size_t at = out_.size();
    out_.resize(at + sizeof(T));
    std::memcpy(out_.data() + at, &v, sizeof(T));
  }
  void put(const std::string& s) {
    put<uint64_t>(s.size());
    out_ += s;
  }
  template <typename T>
  void put(const std::vector<T>& v) {
    put<uint64_t>(v.size());
    const size_t at = out_.size();
    out_.resize(at + v.size() * sizeof(T));
    if (!v.empty()) std::memcpy(out_.data() + at, v.data(), v.size() * sizeof(T));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(const std::string& in) : in_(in) {}
  template <typename T>
  T get() {
    T v;
    std::memcpy(&v, take(sizeof(T)), sizeof(T));
    return v;
  }
  std::string get_string() {
    const auto n = get<uint64_t>();
    return std::string(take(n), n);
  }
  template <typename T>
  std::vector<T> get_vector(size_t want) {
    const auto n = get<uint64_t>();
    if (n != want) fail("an array has the wrong length");
    std::vector<T> v(n);
    if (n > 0) std::memcpy(v.data(), take(n * sizeof(T)), n * sizeof(T));
    return v;
  }
  bool done() const { return pos_ == in_.size(); }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("MPI gather: malformed share message (" + what + ")");
  }

 private:
  const char* take(size_t n) {
    if (n > in_.size() - pos_) fail("truncated");
    const char* p = in_.data() + pos_;
    pos_ += n;
    return p;
  }
  const std::string& in_;
  size_t pos_ = 0;
};

}  // namespace

std::string encode_share(const std::vector<int64_t>& indices,
                         const std::vector<FinishedProbe>& done) {
  if (indices.size() != done.size()) {
    throw Error("MPI gather: " + std::to_string(done.size()) + " probes for " +
                std::to_string(indices.size()) + " indices");
  }
  Writer w;
  w.put<uint64_t>(kMagic);
  w.put<uint64_t>(done.size());
  for (size_t i = 0; i < done.size(); ++i) {
    const profile::ProbeRecord& r = done[i].record;
    const profile::ProbeHeadValues& v = done[i].values;
    w.put<int64_t>(indices[i]);
    w.put<uint8_t>(static_cast<uint8_t>(r.family));
    w.put<int64_t>(r.length_tokens);
    w.put<double>(r.depth);
    w.put(r.answer);
    w.put(r.output);
    w.put<int64_t>(v.n_steps);
    w.put<int64_t>(v.n_needle_tokens);
    w.put<uint8_t>(v.has_distractors ? 1 : 0);
    w.put<uint8_t>(v.success ? 1 : 0);
    for (const auto* a : {&v.copy_count, &v.surface, &v.logic, &v.retrieval_reasoning, &v.dist,
                          &v.ignore, &v.wtp, &v.wfp, &v.wfn, &v.wtn}) {
      w.put(*a);
    }
    for (const auto* a : {&v.tp, &v.fp, &v.fn, &v.tn}) w.put(*a);
    // The logic templates' extras (v2 templates, token-level variant).
    w.put(r.template_name);
    w.put<double>(r.chance);
    w.put<int64_t>(v.n_token_ok);
    w.put<uint8_t>(v.logic_token.empty() ? 0 : 1);
    if (!v.logic_token.empty()) w.put(v.logic_token);
  }
  return w.take();
}

void decode_share(const std::string& bytes, int64_t n_heads, std::vector<int64_t>& indices,
                  std::vector<FinishedProbe>& done) {
  Reader r(bytes);
  if (r.get<uint64_t>() != kMagic) r.fail("bad magic");
  const auto n = r.get<uint64_t>();
  if (n > bytes.size()) r.fail("implausible probe count");
  const size_t h = static_cast<size_t>(n_heads);
  for (uint64_t i = 0; i < n; ++i) {
    indices.push_back(r.get<int64_t>());
    FinishedProbe f;
    profile::ProbeRecord& rec = f.record;
    profile::ProbeHeadValues& v = f.values;
    const auto family = r.get<uint8_t>();
    if (family > 1) r.fail("bad needle family");
    rec.family = static_cast<probes::NeedleFamily>(family);
    rec.length_tokens = r.get<int64_t>();
    rec.depth = r.get<double>();
    rec.answer = r.get_string();
    rec.output = r.get_string();
    v.n_steps = r.get<int64_t>();
    v.n_needle_tokens = r.get<int64_t>();
    v.has_distractors = r.get<uint8_t>() != 0;
    v.success = r.get<uint8_t>() != 0;
    for (auto* a : {&v.copy_count, &v.surface, &v.logic, &v.retrieval_reasoning, &v.dist, &v.ignore,
                    &v.wtp, &v.wfp, &v.wfn, &v.wtn}) {
      *a = r.get_vector<float>(h);
    }
    for (auto* a : {&v.tp, &v.fp, &v.fn, &v.tn}) *a = r.get_vector<int32_t>(h);
    rec.template_name = r.get_string();
    rec.chance = r.get<double>();
    v.n_token_ok = r.get<int64_t>();
    if (r.get<uint8_t>() != 0) v.logic_token = r.get_vector<float>(h);
    rec.success = v.success;
    rec.has_distractors = v.has_distractors;
    rec.n_steps = v.n_steps;
    rec.n_needle_tokens = v.n_needle_tokens;
    done.push_back(std::move(f));
  }
  if (!r.done()) r.fail("trailing bytes");
}

std::vector<FinishedProbe> gather_shares(const dist::MpiWorld& mpi, const ProbeShare& share,
                                         const std::vector<FinishedProbe>& done,
                                         int64_t n_probes_total, int64_t n_heads) {
  const std::vector<std::string> messages = mpi.gather(encode_share(share.indices, done));
  if (!mpi.root()) return {};
  std::vector<std::vector<int64_t>> indices(messages.size());
  std::vector<std::vector<FinishedProbe>> probes(messages.size());
  for (size_t r = 0; r < messages.size(); ++r) {
    decode_share(messages[r], n_heads, indices[r], probes[r]);
  }
  const dist::Coverage c = dist::check_coverage(n_probes_total, indices);
  if (!c.complete()) {
    throw Error("MPI gather: the ranks' probes do not cover the grid of " +
                std::to_string(n_probes_total) +
                " probes (missing: " + dist::format_index_ranges(c.missing) +
                "; repeated: " + dist::format_index_ranges(c.duplicated) +
                "; out of range: " + dist::format_index_ranges(c.out_of_range) + ")");
  }
  std::vector<FinishedProbe> all(static_cast<size_t>(n_probes_total));
  for (size_t r = 0; r < probes.size(); ++r) {
    for (size_t i = 0; i < probes[r].size(); ++i) {
      all[static_cast<size_t>(indices[r][i])] = std::move(probes[r][i]);
    }
  }
  return all;
}

}  // namespace slkv::tools
