// C++ RAII wrappers over the C ABI in slkv.h: a move-only Plan that frees itself, and an
// exception carrying the slkv_status and message. Header-only; links only libslkv_runtime.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "slkv/slkv.h"

namespace slkv {

class RuntimeError : public std::runtime_error {
 public:
  RuntimeError(slkv_status status, const std::string& message)
      : std::runtime_error(std::string(slkv_status_name(status)) + ": " + message),
        status_(status) {}
  slkv_status status() const { return status_; }

 private:
  slkv_status status_;
};

// Throws RuntimeError unless status is SLKV_OK, with the thread's last error message (read
// after the call: never pass the message as an argument evaluated alongside the call).
inline void check(slkv_status status) {
  if (status != SLKV_OK) throw RuntimeError(status, slkv_last_error());
}

class Plan {
 public:
  static Plan load_file(const std::string& path, const slkv_model_desc& model) {
    slkv_plan* raw = nullptr;
    check(slkv_plan_load_file(path.c_str(), &model, &raw));
    return Plan(raw);
  }
  static Plan load_memory(const std::string& text, const std::string& source_name,
                          const slkv_model_desc& model) {
    slkv_plan* raw = nullptr;
    check(slkv_plan_load_memory(text.data(), text.size(), source_name.c_str(), &model, &raw));
    return Plan(raw);
  }

  slkv_plan* get() const { return plan_.get(); }

  slkv_plan_info info() const {
    slkv_plan_info out;
    slkv_plan_info_init(&out);
    check(slkv_plan_get_info(get(), &out));
    return out;
  }

  // [n_plan_heads] caps beyond the window for a prompt of n_tokens tokens.
  std::vector<int64_t> caps(int64_t layer, int64_t n_tokens) const {
    std::vector<int64_t> out(static_cast<size_t>(info().n_plan_heads));
    check(slkv_plan_caps(get(), layer, n_tokens, out.data(), out.size()));
    return out;
  }

  size_t select_workspace_size(const slkv_select_params& params) const {
    size_t n_bytes = 0;
    check(slkv_select_workspace_size(get(), &params, &n_bytes));
    return n_bytes;
  }

  void select(const slkv_select_params& params) const { check(slkv_select(get(), &params)); }

 private:
  struct Free {
    void operator()(slkv_plan* p) const { slkv_plan_free(p); }
  };
  explicit Plan(slkv_plan* raw) : plan_(raw) {}
  std::unique_ptr<slkv_plan, Free> plan_;
};

}  // namespace slkv
