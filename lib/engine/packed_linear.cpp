#include "engine/packed_linear.hpp"

#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/quant.hpp"

#ifdef SLKV_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace slkv {

#ifdef SLKV_HAVE_ONEDNN

namespace {

const dnnl::engine& cpu_engine() {
  static const dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

}  // namespace

// One primitive for every row count: the token dimension is a runtime dimension, so a prompt's
// last, shorter batch reuses the layout and the primitive of the full ones.
struct PackedLinear::Impl {
  dnnl::matmul matmul;
  dnnl::memory weights;  // [in, out] in the primitive's blocked layout
};

bool PackedLinear::available() { return true; }

PackedLinear::PackedLinear(const TensorInfo& weight) {
  SLKV_CHECK(weight.shape.size() == 2, "packed weight " + weight.name + " must be 2-D");
  out_ = weight.shape[0];
  in_ = weight.shape[1];
  using dnnl::memory;
  using tag = memory::format_tag;
  constexpr auto f32 = memory::data_type::f32;
  try {
    const memory::desc src({DNNL_RUNTIME_DIM_VAL, in_}, f32, tag::ab);
    const memory::desc dst({DNNL_RUNTIME_DIM_VAL, out_}, f32, tag::ab);
    const memory::desc any_weights({in_, out_}, f32, tag::any);
    // The stored [out, in] rows are the [in, out] matrix in column-major order: tag ba.
    const memory::desc plain_weights({in_, out_}, f32, tag::ba);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, any_weights, dst), cpu_engine());
    std::vector<float> plain(static_cast<size_t>(out_ * in_));
    dequantize_rows(weight, 0, out_, plain.data());
    impl_ = std::make_unique<Impl>();
    impl_->matmul = dnnl::matmul(pd);
    impl_->weights = memory(pd.weights_desc(), cpu_engine());
    memory plain_mem(plain_weights, cpu_engine(), plain.data());
    dnnl::stream stream(cpu_engine());
    dnnl::reorder(plain_mem, impl_->weights).execute(stream, plain_mem, impl_->weights);
    stream.wait();
  } catch (const dnnl::error& e) {
    throw Error("packing " + weight.name + " for oneDNN matmul failed: " + e.what());
  }
}

void PackedLinear::run(const float* x, int64_t n_rows, float* y) const {
  using dnnl::memory;
  using tag = memory::format_tag;
  constexpr auto f32 = memory::data_type::f32;
  try {
    memory src({{n_rows, in_}, f32, tag::ab}, cpu_engine(), const_cast<float*>(x));
    memory dst({{n_rows, out_}, f32, tag::ab}, cpu_engine(), y);
    dnnl::stream stream(cpu_engine());
    impl_->matmul.execute(
        stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, impl_->weights}, {DNNL_ARG_DST, dst}});
    stream.wait();
  } catch (const dnnl::error& e) {
    throw Error(std::string("oneDNN matmul failed: ") + e.what());
  }
}

int64_t PackedLinear::bytes() const {
  return static_cast<int64_t>(impl_->weights.get_desc().get_size());
}

#else  // no oneDNN: the type exists so callers compile; nothing can be constructed

struct PackedLinear::Impl {};

bool PackedLinear::available() { return false; }

PackedLinear::PackedLinear(const TensorInfo& weight) {
  throw Error("cannot pack " + weight.name +
              ": slkv was built without oneDNN (install libdnnl-dev and configure with "
              "-DSLKV_ONEDNN=ON)");
}

void PackedLinear::run(const float*, int64_t, float*) const {}

int64_t PackedLinear::bytes() const { return 0; }

#endif

PackedLinear::~PackedLinear() = default;

}  // namespace slkv
