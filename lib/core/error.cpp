#include "core/error.hpp"

namespace slkv {

void throw_file_error(std::string_view path, std::string_view what) {
  throw Error(std::string(path) + ": " + std::string(what));
}

void throw_file_error(std::string_view path, uint64_t offset, std::string_view what) {
  throw Error(std::string(path) + ": at byte " + std::to_string(offset) + ": " + std::string(what));
}

}  // namespace slkv
