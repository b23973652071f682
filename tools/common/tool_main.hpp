#pragma once
// What every slkv tool's main() does around its work (docs/cli.md): parse the command line, then
// turn what the work throws into one line on stderr and a documented exit code. One copy, so
// that the tools report failures alike.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <optional>

#include "core/error.hpp"

namespace slkv::tool_common {

inline constexpr int kExitBadInput = 1;  // slkv::Error: bad input or I/O failure
inline constexpr int kExitUsage = 2;     // bad command line
inline constexpr int kExitInternal = 3;  // anything else: a bug

// Parses argv into `app`. After --help or a parse error (CLI11 has printed it) returns the code
// to exit with: 0 for help, kExitUsage for an error; otherwise nothing, and the tool goes on.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  return std::nullopt;
}

// The exit code of `work()`, or of what it throws, reported as "TOOL: what" on stderr: a
// UsageError (adds "(see --help)") kExitUsage, another slkv::Error kExitBadInput, anything
// else kExitInternal. Tools map their own exception types to slkv::Error inside `work`.
template <typename Work>
int run_reporting_errors(const char* tool, Work&& work) {
  try {
    return work();
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: %s (see --help)\n", tool, e.what());
    return kExitUsage;
  } catch (const Error& e) {
    std::fprintf(stderr, "%s: %s\n", tool, e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: internal error: %s\n", tool, e.what());
    return kExitInternal;
  }
}

}  // namespace slkv::tool_common
