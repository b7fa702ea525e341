// sncore native CPU kernel: event-driven spike delivery into a delay ring buffer.
//
// Computes exactly what sncore.conn.propagate._contribution + deliver_event compute on the
// XLA path, in the same floating-point order, so the two paths are bit-identical:
//
//   contrib[x] = ((0 + w_1) + w_2) + ...   over the events of this step that reach x, in
//                                          (source ascending, row order) order,
//   ring[x]    = ring[x] + contrib[x]      for every x that received an event,
//
// where an event of source i (spike value s_i != 0) through synapse (t, w, d) reaches
// x = ((k + d) mod D) * n + t with weight w * s_i (per-source weights: w_i * s_i).
// The work is proportional to (spiking sources) x (their row lengths) plus a scan of the
// spike vector; no capacity, nothing is ever dropped. With `clear`, slot k mod D (the one
// the target read this step) is zeroed first, as the engine's ring.at[k % D].set(0): done
// here, the ring is updated in place with no copy between loop iterations.
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "common.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

template <typename T>
struct Scratch {  // per-thread accumulator: zero outside the entries touched in a call
  std::vector<T> acc;
  std::vector<int32_t> touched;  // the entry of every event of a call, repeats included
  std::vector<int32_t> sources;  // the spiking sources of a call
  void ensure(int64_t size) {
    if (static_cast<int64_t>(acc.size()) < size) acc.assign(size, T(0));
  }
};

template <typename T>
Scratch<T>& scratch() {
  thread_local Scratch<T> s;
  return s;
}

// Whether any of v[0..m) differs from zero (x != 0 in C++: -0.0 counts as zero, NaN as
// nonzero), as an OR over the bit patterns without the float sign bit: vectorises.
template <typename S>
bool any_nonzero(const S* v, int64_t m) {
  if constexpr (std::is_same_v<S, float> || std::is_same_v<S, double>) {
    using U = std::conditional_t<std::is_same_v<S, float>, uint32_t, uint64_t>;
    constexpr U mask = ~(U(1) << (8 * sizeof(U) - 1));
    U acc = 0;
    for (int64_t i = 0; i < m; ++i) {
      U b;
      std::memcpy(&b, v + i, sizeof(U));
      acc |= b & mask;
    }
    return acc != 0;
  } else {
    S acc = 0;
    for (int64_t i = 0; i < m; ++i) acc |= v[i];
    return acc != 0;
  }
}

// Bit i set when v[i] != 0 (i < m <= 64), as a branch-free loop that vectorises.
template <typename S>
uint64_t nonzero_mask(const S* v, int64_t m) {
  uint64_t bits = 0;
  for (int64_t i = 0; i < m; ++i) bits |= static_cast<uint64_t>(v[i] != S(0)) << i;
  return bits;
}

template <typename S, typename T>
void deliver(T* __restrict ring, const S* __restrict spikes, int64_t n_src, const int32_t* __restrict targets,
             const int32_t* __restrict row_ptr, const T* __restrict weights, const int32_t* __restrict delays,
             int32_t k, int64_t D, int64_t n, bool ell,
             bool per_source, int64_t hom_delay, int64_t max_out, bool clear, int32_t* count) {
  Scratch<T>& s = scratch<T>();
  const int64_t span = delays ? D * n : n;  // contributions of one step: one ring row or all
  s.ensure(span);
  T* __restrict acc = s.acc.data();
  const int64_t limit = D * n;  // padded entries hold targets >= D * n: dropped
  const int64_t kD = ((static_cast<int64_t>(k) % D) + D) % D;
  if (clear) std::memset(ring + kD * n, 0, n * sizeof(T));  // the slot read this step (XLA path: ring.at[k % D].set(0))
  // 1. the spiking sources, in increasing order. Spikes are sparse: a block of 64 is tested
  //    as a whole (vectorised), and a block with spikes yields them from a bit mask.
  std::vector<int32_t>& src = s.sources;
  src.clear();
  constexpr int64_t B = 64;
  for (int64_t i0 = 0; i0 < n_src; i0 += B) {
    const int64_t m = i0 + B < n_src ? B : n_src - i0;
    if (!any_nonzero(spikes + i0, m)) continue;
    for (uint64_t bits = nonzero_mask(spikes + i0, m); bits; bits &= bits - 1)
      src.push_back(static_cast<int32_t>(i0 + __builtin_ctzll(bits)));
  }
  auto row_of = [&](int64_t i, int64_t& begin, int64_t& end) {
    if (ell) {
      begin = i * max_out;
      end = begin + max_out;
    } else {
      begin = row_ptr[i];
      end = row_ptr[i + 1];
    }
  };
  const int64_t n_spk = static_cast<int64_t>(src.size());
  // The ring row this step's events go to; when it is the slot zeroed above (a homogeneous
  // delay that is a multiple of D), ring[x] + contrib[x] = +0 + contrib[x] = contrib[x], so
  // the events are summed into the row itself, in contrib's order: the same values.
  T* const row = delays ? ring : ring + ((kD + hom_delay) % D) * n;
  const bool direct = clear && !delays && hom_delay % D == 0;
  T* __restrict const sum = direct ? row : acc;
  if (!direct) {  // room for every event of the step in `touched`
    int64_t n_events = 0;
    for (int64_t a = 0; a < n_spk; ++a) {
      int64_t b, e;
      row_of(src[a], b, e);
      n_events += e - b;
    }
    if (static_cast<int64_t>(s.touched.size()) < n_events) s.touched.resize(n_events);
  }
  int32_t* __restrict touched = s.touched.data();
  int64_t n_touched = 0;
  // 2. their rows, in that order; the rows of the source kAhead places ahead are prefetched
  //    (a row is a random jump in a table larger than the cache: its latency dominates). Each
  //    event appends its entry to `touched` (a plain sequential store: no dependence between
  //    events, as a first-touch test through a mark array would make).
  constexpr size_t kAhead = 2;
  for (int64_t a = 0; a < n_spk; ++a) {
    if (a + static_cast<int64_t>(kAhead) < n_spk) {
      int64_t pb, pe;
      row_of(src[a + kAhead], pb, pe);
      if (per_source) __builtin_prefetch(weights + src[a + kAhead]);
      for (int64_t p = pb; p < pe; p += 16) {
        __builtin_prefetch(targets + p);
        if (!per_source) __builtin_prefetch(weights + p);
        if (delays) __builtin_prefetch(delays + p);
      }
    }
    const int64_t i = src[a];
    const T mult = static_cast<T>(spikes[i]);
    int64_t begin, end;
    row_of(i, begin, end);
    const T w_src = per_source ? weights[i] * mult : T(0);
    for (int64_t p = begin; p < end; ++p) {
      const int64_t t = targets[p];
      if (t >= limit || t < 0) continue;
      int64_t x = t;
      if (delays) {
        int64_t slot = kD + delays[p];  // (k + d) mod D, without a division when 0 <= d < D
        if (slot >= D) slot -= D;
        if (slot >= D || slot < 0) slot = ((slot % D) + D) % D;
        x = slot * n + t;
      } else if (t >= n) {
        continue;  // the XLA path drops indices outside the ring row
      }
      const T w = per_source ? w_src : weights[p] * mult;
      if (!direct) touched[n_touched++] = static_cast<int32_t>(x);
      sum[x] = sum[x] + w;
    }
  }
  // 3. ring[x] + contrib[x] for every touched x, as the XLA path. An entry that repeats in
  //    `touched` finds acc[x] == +0 on its later visits, and ring[x] + (+0) == ring[x]: the
  //    sum is never -0 (contrib starts from +0, so contrib != -0, and r + c == -0 needs both
  //    to be -0), so the repeats change nothing.
  const int32_t active = static_cast<int32_t>(n_spk);
  for (int64_t e = 0; e < n_touched; ++e) {
    const int64_t x = touched[e];
    row[x] = row[x] + acc[x];
    acc[x] = T(0);
  }
  *count = active;
}

template <typename T>
ffi::Error dispatch_spikes(ffi::AnyBuffer spikes, T* ring, const int32_t* targets, const int32_t* row_ptr,
                           const T* weights, const int32_t* delays, int32_t k, int64_t D, int64_t n,
                           bool ell, bool per_source, int64_t hom_delay, int64_t max_out, bool clear,
                           int32_t* count) {
  const int64_t n_src = static_cast<int64_t>(spikes.element_count());
  switch (spikes.element_type()) {
    case ffi::F32:
      deliver(ring, spikes.typed_data<float>(), n_src, targets, row_ptr, weights, delays, k, D, n, ell,
              per_source, hom_delay, max_out, clear, count);
      break;
    case ffi::F64:
      deliver(ring, spikes.typed_data<double>(), n_src, targets, row_ptr, weights, delays, k, D, n, ell,
              per_source, hom_delay, max_out, clear, count);
      break;
    case ffi::S32:
      deliver(ring, spikes.typed_data<int32_t>(), n_src, targets, row_ptr, weights, delays, k, D, n, ell,
              per_source, hom_delay, max_out, clear, count);
      break;
    case ffi::PRED:
      deliver(ring, reinterpret_cast<const uint8_t*>(spikes.untyped_data()), n_src, targets, row_ptr, weights,
              delays, k, D, n, ell, per_source, hom_delay, max_out, clear, count);
      break;
    default:
      return ffi::Error::InvalidArgument("sncore_deliver: spikes must be float32, float64, int32 or bool");
  }
  return ffi::Error::Success();
}

template <typename T>
ffi::Error run(ffi::AnyBuffer ring_in, ffi::AnyBuffer spikes, ffi::Buffer<ffi::S32> targets,
               ffi::Buffer<ffi::S32> row_ptr, ffi::AnyBuffer weights, ffi::Buffer<ffi::S32> delays,
               ffi::Buffer<ffi::S32> k, bool ell, bool per_source, bool has_delays, int64_t hom_delay,
               int64_t max_out, bool clear, ffi::Result<ffi::AnyBuffer> ring_out,
               ffi::Result<ffi::Buffer<ffi::S32>> count) {
  auto dims = ring_in.dimensions();
  if (dims.size() != 2) return ffi::Error::InvalidArgument("sncore_deliver: ring must be [D, n]");
  const int64_t D = dims[0], n = dims[1];
  T* out = reinterpret_cast<T*>(ring_out->untyped_data());
  if (out != ring_in.untyped_data()) std::memcpy(out, ring_in.untyped_data(), ring_in.size_bytes());
  return dispatch_spikes<T>(spikes, out, targets.typed_data(), ell ? nullptr : row_ptr.typed_data(),
                            reinterpret_cast<const T*>(weights.untyped_data()),
                            has_delays ? delays.typed_data() : nullptr, k.typed_data()[0], D, n, ell, per_source,
                            hom_delay, max_out, clear, count->typed_data());
}

ffi::Error Deliver(ffi::AnyBuffer ring_in, ffi::AnyBuffer spikes, ffi::Buffer<ffi::S32> targets,
                   ffi::Buffer<ffi::S32> row_ptr, ffi::AnyBuffer weights, ffi::Buffer<ffi::S32> delays,
                   ffi::Buffer<ffi::S32> k, ffi::RemainingArgs /*after: unused, for XLA's ordering*/, bool ell,
                   bool per_source, bool has_delays, int64_t hom_delay, int64_t max_out, bool clear,
                   ffi::Result<ffi::AnyBuffer> ring_out,
                   ffi::Result<ffi::Buffer<ffi::S32>> count) {
  sncore::FlushDenormals ftz;
  if (weights.element_type() != ring_in.element_type())
    return ffi::Error::InvalidArgument("sncore_deliver: weights and ring must have the same dtype");
  switch (ring_in.element_type()) {
    case ffi::F32:
      return run<float>(ring_in, spikes, targets, row_ptr, weights, delays, k, ell, per_source, has_delays,
                        hom_delay, max_out, clear, ring_out, count);
    case ffi::F64:
      return run<double>(ring_in, spikes, targets, row_ptr, weights, delays, k, ell, per_source, has_delays,
                         hom_delay, max_out, clear, ring_out, count);
    default:
      return ffi::Error::InvalidArgument("sncore_deliver: ring must be float32 or float64");
  }
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(SncoreDeliver, Deliver,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::AnyBuffer>()           // ring [D, n]
                                  .Arg<ffi::AnyBuffer>()           // spikes [n_src]
                                  .Arg<ffi::Buffer<ffi::S32>>()    // targets
                                  .Arg<ffi::Buffer<ffi::S32>>()    // row_ptr (csr) or [1]
                                  .Arg<ffi::AnyBuffer>()           // weights
                                  .Arg<ffi::Buffer<ffi::S32>>()    // delays or [1]
                                  .Arg<ffi::Buffer<ffi::S32>>()    // k (scalar)
                                  .RemainingArgs()                 // after: unused (ordering)
                                  .Attr<bool>("ell")
                                  .Attr<bool>("per_source")
                                  .Attr<bool>("has_delays")
                                  .Attr<int64_t>("hom_delay")
                                  .Attr<int64_t>("max_out")
                                  .Attr<bool>("clear")             // zero slot k mod D first
                                  .Ret<ffi::AnyBuffer>()           // ring (aliased)
                                  .Ret<ffi::Buffer<ffi::S32>>());  // number of spiking sources
