#pragma once
// Thin RAII and typed helpers over the HDF5 C API for the profile writer and reader: owned
// handles, scalar and string attributes, n-dimensional numeric datasets and string columns.
// Objects are created without modification times so the same content gives the same bytes.
// Every failure throws slkv::Error naming the file and the object.

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace slkv::profile::h5 {

class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() { reset(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      close_ = o.close_;
      o.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  hid_t get() const { return id_; }
  hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }
  void reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

// Silences HDF5's own error printing for its lifetime (errors become slkv::Error instead).
class QuietErrors {
 public:
  QuietErrors();
  ~QuietErrors();

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// Element types of the datasets the profile uses.
template <typename T>
struct Type;
template <>
struct Type<float> {
  static hid_t file() { return H5T_IEEE_F32LE; }
  static hid_t mem() { return H5T_NATIVE_FLOAT; }
};
template <>
struct Type<double> {
  static hid_t file() { return H5T_IEEE_F64LE; }
  static hid_t mem() { return H5T_NATIVE_DOUBLE; }
};
template <>
struct Type<int32_t> {
  static hid_t file() { return H5T_STD_I32LE; }
  static hid_t mem() { return H5T_NATIVE_INT32; }
};
template <>
struct Type<int64_t> {
  static hid_t file() { return H5T_STD_I64LE; }
  static hid_t mem() { return H5T_NATIVE_INT64; }
};
template <>
struct Type<uint8_t> {
  static hid_t file() { return H5T_STD_U8LE; }
  static hid_t mem() { return H5T_NATIVE_UINT8; }
};
template <>
struct Type<uint64_t> {
  static hid_t file() { return H5T_STD_U64LE; }
  static hid_t mem() { return H5T_NATIVE_UINT64; }
};

// Context for error messages: the file path.
struct Io {
  std::string path;

  [[noreturn]] void fail(const std::string& what) const;
  hid_t check(hid_t id, const std::string& what) const;
  void check(herr_t status, const std::string& what) const;

  Handle create_file() const;  // truncates; no timestamps on the root group
  Handle open_file() const;    // read-only
  Handle create_group(hid_t loc, const std::string& name) const;
  Handle open_group(hid_t loc, const std::string& name) const;

  void attr_string(hid_t obj, const std::string& name, const std::string& value) const;
  template <typename T>
  void attr(hid_t obj, const std::string& name, T value) const;

  std::string read_attr_string(hid_t obj, const std::string& name) const;
  template <typename T>
  T read_attr(hid_t obj, const std::string& name) const;

  template <typename T>
  void dataset(hid_t loc, const std::string& name, const std::vector<hsize_t>& dims,
               const std::vector<T>& values) const;
  void string_dataset(hid_t loc, const std::string& name,
                      const std::vector<std::string>& values) const;

  // Reads a dataset and checks its shape against `dims`.
  template <typename T>
  std::vector<T> read_dataset(hid_t loc, const std::string& name,
                              const std::vector<hsize_t>& dims) const;
  std::vector<std::string> read_string_dataset(hid_t loc, const std::string& name, hsize_t n) const;
  std::vector<hsize_t> dataset_dims(hid_t loc, const std::string& name) const;
};

}  // namespace slkv::profile::h5
