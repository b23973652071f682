#pragma once
// Read-only memory map of a whole file. Checkpoints stay mapped for the life of the model so
// weights are never copied; the kernel pages them in on demand.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace slkv {

class MappedFile {
 public:
  MappedFile() = default;
  // Throws slkv::Error naming the path when the file cannot be opened or mapped.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  void release();
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace slkv
