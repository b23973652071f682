#include "profile/h5_io.hpp"

#include <cstdlib>

#include "core/error.hpp"

namespace slkv::profile::h5 {
namespace {

Handle no_times_plist(hid_t cls) {
  Handle plist(H5Pcreate(cls), H5Pclose);
  if (plist.get() < 0 || H5Pset_obj_track_times(plist.get(), false) < 0) {
    throw Error("HDF5: cannot create a property list");
  }
  return plist;
}

Handle vlen_string_type() {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  if (t.get() < 0 || H5Tset_size(t.get(), H5T_VARIABLE) < 0 ||
      H5Tset_cset(t.get(), H5T_CSET_UTF8) < 0) {
    throw Error("HDF5: cannot create a string type");
  }
  return t;
}

}  // namespace

QuietErrors::QuietErrors() {
  H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

QuietErrors::~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

void Io::fail(const std::string& what) const { throw_file_error(path, what); }

hid_t Io::check(hid_t id, const std::string& what) const {
  if (id < 0) fail(what);
  return id;
}

void Io::check(herr_t status, const std::string& what) const {
  if (status < 0) fail(what);
}

Handle Io::create_file() const {
  Handle fcpl = no_times_plist(H5P_FILE_CREATE);
  return Handle(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT),
                      "cannot create HDF5 file"),
                H5Fclose);
}

Handle Io::open_file() const {
  if (H5Fis_hdf5(path.c_str()) <= 0) fail("not an HDF5 file (or unreadable)");
  return Handle(check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "cannot open HDF5 file"),
                H5Fclose);
}

Handle Io::create_group(hid_t loc, const std::string& name) const {
  Handle gcpl = no_times_plist(H5P_GROUP_CREATE);
  return Handle(check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                      "cannot create group /" + name),
                H5Gclose);
}

Handle Io::open_group(hid_t loc, const std::string& name) const {
  if (H5Lexists(loc, name.c_str(), H5P_DEFAULT) <= 0) fail("missing group /" + name);
  return Handle(check(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), "cannot open group /" + name),
                H5Gclose);
}

void Io::attr_string(hid_t obj, const std::string& name, const std::string& value) const {
  Handle type = vlen_string_type();
  Handle space(check(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
  Handle a(check(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                 "cannot create attribute " + name),
           H5Aclose);
  const char* ptr = value.c_str();
  check(H5Awrite(a.get(), type.get(), &ptr), "cannot write attribute " + name);
}

template <typename T>
void Io::attr(hid_t obj, const std::string& name, T value) const {
  Handle space(check(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
  Handle a(
      check(H5Acreate2(obj, name.c_str(), Type<T>::file(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
            "cannot create attribute " + name),
      H5Aclose);
  check(H5Awrite(a.get(), Type<T>::mem(), &value), "cannot write attribute " + name);
}

std::string Io::read_attr_string(hid_t obj, const std::string& name) const {
  if (H5Aexists(obj, name.c_str()) <= 0) fail("missing attribute " + name);
  Handle a(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "cannot open attribute " + name),
           H5Aclose);
  Handle ftype(check(H5Aget_type(a.get()), "attribute type"), H5Tclose);
  if (H5Tget_class(ftype.get()) != H5T_STRING) fail("attribute " + name + " is not a string");
  if (H5Tis_variable_str(ftype.get()) > 0) {
    Handle type = vlen_string_type();
    char* ptr = nullptr;
    check(H5Aread(a.get(), type.get(), &ptr), "cannot read attribute " + name);
    std::string out = ptr ? ptr : "";
    H5free_memory(ptr);
    return out;
  }
  const size_t n = H5Tget_size(ftype.get());
  std::string out(n, '\0');
  check(H5Aread(a.get(), ftype.get(), out.data()), "cannot read attribute " + name);
  out.resize(out.find('\0') == std::string::npos ? n : out.find('\0'));
  return out;
}

template <typename T>
T Io::read_attr(hid_t obj, const std::string& name) const {
  if (H5Aexists(obj, name.c_str()) <= 0) fail("missing attribute " + name);
  Handle a(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "cannot open attribute " + name),
           H5Aclose);
  Handle space(check(H5Aget_space(a.get()), "attribute space"), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) fail("attribute " + name + " not scalar");
  T value{};
  check(H5Aread(a.get(), Type<T>::mem(), &value), "cannot read attribute " + name);
  return value;
}

template <typename T>
void Io::dataset(hid_t loc, const std::string& name, const std::vector<hsize_t>& dims,
                 const std::vector<T>& values) const {
  hsize_t n = 1;
  for (hsize_t d : dims) n *= d;
  if (n != values.size()) {
    fail("dataset " + name + ": " + std::to_string(values.size()) + " values for " +
         std::to_string(n) + " elements");
  }
  Handle space(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                     "dataspace of " + name),
               H5Sclose);
  Handle dcpl = no_times_plist(H5P_DATASET_CREATE);
  Handle d(check(H5Dcreate2(loc, name.c_str(), Type<T>::file(), space.get(), H5P_DEFAULT,
                            dcpl.get(), H5P_DEFAULT),
                 "cannot create dataset " + name),
           H5Dclose);
  if (n > 0) {
    check(H5Dwrite(d.get(), Type<T>::mem(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "cannot write dataset " + name);
  }
}

void Io::string_dataset(hid_t loc, const std::string& name,
                        const std::vector<std::string>& values) const {
  Handle type = vlen_string_type();
  const hsize_t n = values.size();
  Handle space(check(H5Screate_simple(1, &n, nullptr), "dataspace of " + name), H5Sclose);
  Handle dcpl = no_times_plist(H5P_DATASET_CREATE);
  Handle d(check(H5Dcreate2(loc, name.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(),
                            H5P_DEFAULT),
                 "cannot create dataset " + name),
           H5Dclose);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  if (n > 0) {
    check(H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
          "cannot write dataset " + name);
  }
}

std::vector<hsize_t> Io::dataset_dims(hid_t loc, const std::string& name) const {
  if (H5Lexists(loc, name.c_str(), H5P_DEFAULT) <= 0) fail("missing dataset " + name);
  Handle d(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "cannot open dataset " + name),
           H5Dclose);
  Handle space(check(H5Dget_space(d.get()), "dataspace of " + name), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail("bad dataspace of " + name);
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

template <typename T>
std::vector<T> Io::read_dataset(hid_t loc, const std::string& name,
                                const std::vector<hsize_t>& dims) const {
  const std::vector<hsize_t> got = dataset_dims(loc, name);
  if (got != dims) {
    auto show = [](const std::vector<hsize_t>& v) {
      std::string s = "[";
      for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
      return s + "]";
    };
    fail("dataset " + name + " has shape " + show(got) + ", expected " + show(dims));
  }
  hsize_t n = 1;
  for (hsize_t x : dims) n *= x;
  std::vector<T> out(n);
  if (n == 0) return out;
  Handle d(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "cannot open dataset " + name),
           H5Dclose);
  // The element type is part of the format: no silent conversion (e.g. float64 to float32).
  Handle ftype(check(H5Dget_type(d.get()), "type of " + name), H5Tclose);
  if (H5Tequal(ftype.get(), Type<T>::file()) <= 0) {
    fail("dataset " + name + " has the wrong element type (class " +
         std::to_string(static_cast<int>(H5Tget_class(ftype.get()))) + ", " +
         std::to_string(H5Tget_size(ftype.get())) + " bytes); the format says " +
         std::to_string(H5Tget_size(Type<T>::file())) + "-byte " +
         (H5Tget_class(Type<T>::file()) == H5T_FLOAT ? "float" : "integer") + " little-endian");
  }
  check(H5Dread(d.get(), Type<T>::mem(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
        "cannot read dataset " + name + " (wrong element type?)");
  return out;
}

std::vector<std::string> Io::read_string_dataset(hid_t loc, const std::string& name,
                                                 hsize_t n) const {
  if (dataset_dims(loc, name) != std::vector<hsize_t>{n}) {
    fail("dataset " + name + " does not have " + std::to_string(n) + " entries");
  }
  std::vector<std::string> out;
  if (n == 0) return out;
  Handle d(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "cannot open dataset " + name),
           H5Dclose);
  Handle ftype(check(H5Dget_type(d.get()), "type of " + name), H5Tclose);
  if (H5Tget_class(ftype.get()) != H5T_STRING || H5Tis_variable_str(ftype.get()) <= 0) {
    fail("dataset " + name + " is not a variable-length string column");
  }
  Handle type = vlen_string_type();
  std::vector<char*> ptrs(n, nullptr);
  check(H5Dread(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
        "cannot read dataset " + name);
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return out;
}

#define SLKV_H5_INSTANTIATE(T)                                                         \
  template void Io::attr<T>(hid_t, const std::string&, T) const;                       \
  template T Io::read_attr<T>(hid_t, const std::string&) const;                        \
  template void Io::dataset<T>(hid_t, const std::string&, const std::vector<hsize_t>&, \
                               const std::vector<T>&) const;                           \
  template std::vector<T> Io::read_dataset<T>(hid_t, const std::string&,               \
                                              const std::vector<hsize_t>&) const;
SLKV_H5_INSTANTIATE(float)
SLKV_H5_INSTANTIATE(double)
SLKV_H5_INSTANTIATE(int32_t)
SLKV_H5_INSTANTIATE(int64_t)
SLKV_H5_INSTANTIATE(uint8_t)
SLKV_H5_INSTANTIATE(uint64_t)
#undef SLKV_H5_INSTANTIATE

}  // namespace slkv::profile::h5
