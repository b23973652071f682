// slkv-inspect: what is in a checkpoint (architecture, hyperparameters, tensors), and a tensor
// dumped as f32. Exit codes: 0 success, 1 bad input or I/O failure (slkv::Error),
// 2 usage error, 3 unexpected internal error.

#include <CLI/CLI.hpp>
#include <bit>
#include <iostream>
#include <string_view>
#include <vector>

#include "common/tool_main.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "inspect_options.hpp"
#include "model/checkpoint.hpp"
#include "model/quant.hpp"
#include "report.hpp"
#include "tokenize.hpp"

namespace {

static_assert(std::endian::native == std::endian::little,
              "--dequant writes host floats as little-endian");

// Writes the tensor as row-major f32 in PyTorch dimension order.
void dump_tensor(const slkv::Checkpoint& ck, const slkv::inspect::InspectOptions& o) {
  const slkv::TensorInfo& t = ck.require(o.dequant_tensor);
  std::vector<float> values(static_cast<size_t>(t.n_elements()));  // [shape...]
  slkv::dequantize_tensor(t, values.data());
  slkv::write_file_atomic(o.out_path, std::string_view(reinterpret_cast<const char*>(values.data()),
                                                       values.size() * sizeof(float)));
}

int run(const slkv::inspect::InspectOptions& o) {
  if (!o.out_path.empty()) {  // before any work: writable, and not the model itself
    slkv::check_output_path(o.out_path);
    slkv::check_output_not_input(o.out_path, "--out", {o.model, o.tokenize_file});
  }
  auto ck = slkv::Checkpoint::open(o.model);
  if (!o.tokenize_text.empty() || !o.tokenize_file.empty()) {
    return slkv::inspect::run_tokenize(*ck, o, std::cout);
  }
  if (!o.dequant_tensor.empty()) {
    dump_tensor(*ck, o);
    return 0;
  }
  const nlohmann::json summary = slkv::inspect::checkpoint_summary(*ck, o);
  if (o.json) {
    std::cout << summary.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    slkv::inspect::print_summary_text(std::cout, summary);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"slkv-inspect"};
  slkv::inspect::InspectOptions options;
  slkv::inspect::setup_inspect_options(app, options);
  if (const auto rc = slkv::tool_common::parse_command_line(app, argc, argv)) return *rc;
  return slkv::tool_common::run_reporting_errors("slkv-inspect", [&] { return run(options); });
}
