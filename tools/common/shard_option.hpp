#pragma once
// The --shard I/N option check that slkv-profile and slkv-eval share: a value parse_shard()
// refuses fails at parse time with parse_shard()'s message.

#include <CLI/CLI.hpp>
#include <string>

#include "core/error.hpp"
#include "dist/shard.hpp"

namespace slkv::tool_common {

inline CLI::Validator shard_validator() {
  return CLI::Validator(
      [](const std::string& text) {
        try {
          dist::parse_shard(text);
          return std::string();
        } catch (const Error& e) {
          return std::string(e.what());
        }
      },
      "I/N");
}

}  // namespace slkv::tool_common
