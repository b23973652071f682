#pragma once
// Minimal HDF5 reading for the engine's golden files (tests/reference/engine_reference.py).

#include <hdf5.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace slkv::test {

class H5Golden {
 public:
  explicit H5Golden(const std::string& path) : path_(path) {
    file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file_ < 0) throw std::runtime_error(path + ": cannot open HDF5 file");
  }
  ~H5Golden() {
    if (file_ >= 0) H5Fclose(file_);
  }
  H5Golden(const H5Golden&) = delete;
  H5Golden& operator=(const H5Golden&) = delete;

  template <typename T>
  std::vector<T> read(const std::string& name, std::vector<int64_t>* dims = nullptr) const {
    hid_t ds = H5Dopen2(file_, name.c_str(), H5P_DEFAULT);
    if (ds < 0) throw std::runtime_error(path_ + ": no dataset " + name);
    hid_t space = H5Dget_space(ds);
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> d(static_cast<size_t>(rank));
    H5Sget_simple_extent_dims(space, d.data(), nullptr);
    size_t n = 1;
    if (dims) dims->clear();
    for (hsize_t x : d) {
      n *= x;
      if (dims) dims->push_back(static_cast<int64_t>(x));
    }
    std::vector<T> out(n);
    const herr_t rc = H5Dread(ds, mem_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data());
    H5Sclose(space);
    H5Dclose(ds);
    if (rc < 0) throw std::runtime_error(path_ + ": cannot read " + name);
    return out;
  }

  std::string attr(const std::string& name) const {
    hid_t a = H5Aopen(file_, name.c_str(), H5P_DEFAULT);
    if (a < 0) return {};
    hid_t type = H5Aget_type(a);
    std::string value;
    if (H5Tis_variable_str(type) > 0) {
      char* s = nullptr;
      hid_t mt = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, H5T_VARIABLE);
      H5Tset_cset(mt, H5Tget_cset(type));
      if (H5Aread(a, mt, &s) >= 0 && s) {
        value = s;
        H5free_memory(s);
      }
      H5Tclose(mt);
    }
    H5Tclose(type);
    H5Aclose(a);
    return value;
  }

 private:
  template <typename T>
  static hid_t mem_type() {
    if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
    if constexpr (std::is_same_v<T, int32_t>) return H5T_NATIVE_INT32;
    if constexpr (std::is_same_v<T, uint16_t>) return H5T_NATIVE_UINT16;
  }
  std::string path_;
  hid_t file_ = -1;
};

}  // namespace slkv::test
