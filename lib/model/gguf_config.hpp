#pragma once
// ModelConfig from GGUF metadata (FORMATS.md sections 3.1 and 4.2) for the architectures slkv
// supports: llama (Mistral files are written as llama), qwen2 and gemma3.

#include "model/gguf.hpp"
#include "model/model_config.hpp"

namespace slkv {

// Reads `{arch}.*`, `general.*` and `tokenizer.ggml.*` keys, applies the per-architecture
// defaults and checks the result with validate_model_config. Throws slkv::Error naming the file
// and the key for missing or inconsistent values.
ModelConfig config_from_gguf(const GgufFile& gguf);

}  // namespace slkv
