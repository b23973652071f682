#include <cmath>

#include "compile/method.hpp"

namespace slkv::compile {

namespace {

const std::vector<std::unique_ptr<AllocationMethod>>& registry() {
  static const std::vector<std::unique_ptr<AllocationMethod>> methods = [] {
    std::vector<std::unique_ptr<AllocationMethod>> m;
    m.push_back(make_surfacelogic_method());
    m.push_back(make_real_method());
    m.push_back(make_headkv_method());
    m.push_back(make_uniform_method());
    m.push_back(make_pyramid_method());
    m.push_back(make_adakv_method());
    m.push_back(make_streaming_method());
    m.push_back(make_random_method());
    return m;
  }();
  return methods;
}

}  // namespace

const AllocationMethod* find_method(std::string_view name) {
  for (const auto& m : registry()) {
    if (m->name() == name) return m.get();
  }
  return nullptr;
}

std::vector<std::string> method_names() {
  std::vector<std::string> names;
  for (const auto& m : registry()) names.emplace_back(m->name());
  return names;
}

std::vector<double> tempered(const std::vector<double>& importance, double tau) {
  std::vector<double> sa(importance.size());
  for (size_t i = 0; i < importance.size(); ++i) {
    sa[i] = importance[i] > 0.0 ? std::pow(importance[i], tau) : 0.0;
  }
  return sa;
}

double floor_unless(double x, bool continuous) { return continuous ? x : std::floor(x); }

}  // namespace slkv::compile
