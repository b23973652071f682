#pragma once
// Where tests find the repository, the shared data beside it and the fetched models.

#include <cstdlib>
#include <filesystem>
#include <string>

namespace slkv::test {

inline std::filesystem::path source_dir() { return SLKV_SOURCE_DIR; }
inline std::filesystem::path binary_dir() { return SLKV_BINARY_DIR; }

// ../shared beside the checkout (docs and lineage data).
inline std::filesystem::path shared_dir() { return source_dir().parent_path() / "shared"; }

inline std::filesystem::path models_dir() {
  if (const char* env = std::getenv("SLKV_MODELS"); env && *env) return env;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : "/tmp") / ".cache" / "slkv" / "models";
}

// Path of a model fetched by scripts/get-model.sh ("smollm2-135m" or "gemma3-270m"), or an
// empty path when it is not there (tests labelled `model` then skip).
inline std::filesystem::path model_path(const std::string& name) {
  std::filesystem::path file;
  if (name == "smollm2-135m") file = models_dir() / "SmolLM2-135M-Instruct.Q4_1.gguf";
  if (name == "gemma3-270m") file = models_dir() / "gemma-3-270m-q4_k_m.gguf";
  return std::filesystem::exists(file) ? file : std::filesystem::path();
}

}  // namespace slkv::test

#define SLKV_REQUIRE_MODEL(var, name)                               \
  const std::filesystem::path var = ::slkv::test::model_path(name); \
  if (var.empty()) GTEST_SKIP() << "model " << name << " not fetched (scripts/get-model.sh)"
