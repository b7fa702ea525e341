// sncore native CPU kernel: one step of iaf_cond_exp for a whole population, in place.
//
// The scheme of sncore.neurons._cond.iaf_cond_step with ALPHA = False (RK4 for V over n_sub
// substeps, the conductances decaying exactly within the step), its expressions rearranged:
// the membrane equation is affine in V for given conductances,
//
//   C_m dV/dt = -g_L (Vc - E_L) - g_ex (Vc - E_ex) - g_in (Vc - E_in) + I_e + I
//             = A(t) - G(t) Vc,    Vc = min(V, V_th),
//   G = g_L + g_ex(t) + g_in(t),   A = g_L E_L + g_ex(t) E_ex + g_in(t) E_in + I_e + I,
//
// so each RK4 stage is one fused multiply-add once A / C_m and G / C_m are known at the
// three stage times (about half the operations of the term-by-term form, which bound this
// loop). The kernel computes, fma(a, b, c) = a b + c rounded once, every other operation
// rounded on its own (-ffp-contract=off), which tests/test_native_neurons.py repeats in
// NumPy (float32: bit for bit) and compares with the XLA path (a few ulp per step):
//
//   inv_C = 1 / C_m,  cl = g_L inv_C,  al = fma(I, inv_C, (g_L E_L + I_e) inv_C),
//   xe = g_ex inv_C,  xi = g_in inv_C,
//   G[k] = fma(xi, tab_in[k], fma(xe, tab_ex[k], cl)),
//   A[k] = fma(xi, E_in tab_in[k], fma(xe, E_ex tab_ex[k], al)),
//   f(k, V) = fma(-G[k], min(V, V_th), A[k])
//   per substep i (s = h / n_sub):  k1 = f(2i, V), k2 = f(2i+1, fma(s/2, k1, V)),
//       k3 = f(2i+1, fma(s/2, k2, V)), k4 = f(2i+2, fma(s, k3, V)),
//       V = fma(s/6, fma(2, k2 + k3, k1 + k4), V)
//   refractory (r > 0): V = V_reset, r = r - 1
//   g_ex = g_ex tab_ex[K-1] + syn_ex,  g_in = g_in tab_in[K-1] + (-syn_in)
//   spike = (V - V_th >= 0); on a spike V = V_reset, r = ref_steps;  I = current
//   (current: [n], or [1] shared: the engine passes one zero when no source drives the block)
//
// tab_*[k] = exp(-k (s/2) / tau_syn_*), k = 0..K-1, K = 2 n_sub + 1 (computed by XLA).
// Parameters come packed as the rows of P: V_th, V_reset, g_L, C_m, E_ex, E_in, E_L, I_e,
// tab_ex[0..K-1], tab_in[0..K-1]; every row has length 1 (shared) or n (per neuron).
// Populations of >= 2 kGrain neurons are split over XLA's intra-op thread pool.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <type_traits>

#include "common.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

constexpr int kFixed = 8;
constexpr int64_t kGrain = 32768;  // neurons per thread at least (waking a thread costs more below)
constexpr int64_t kBlock = 512;    // neurons per block: the substep loop runs inside a block

template <typename T>
struct Ptrs {
  const T* P;
  int64_t stride;       // row length of P: 1 (shared) or n
  const int32_t* ref;   // [1] or [n]
  int64_t ref_stride;   // 0 or 1
  T *V, *ge, *gi, *I, *spk;
  int32_t* r;
  const T *syn_ex, *syn_in, *cur;
  int64_t cur_stride;   // 0 (one shared current) or 1
};

// The end of a step for neurons j0 .. j0 + m - 1 (V after the substeps in Vb): refractory
// clamp, conductance decay and jumps, threshold, reset. Branch-free over local restrict
// pointers, with the strides of the parameters (PS) and of ref_steps (RS) fixed at compile
// time, so that it vectorises like the substep loop (as a per-neuron branch it cost more
// than the substeps did).
template <typename T, int PS, int RS>
inline void finish(const Ptrs<T>& p, const T* __restrict Vb, const T* __restrict V_reset, const T* __restrict V_th,
                   const T* __restrict te, const T* __restrict ti, const int32_t* __restrict ref, int64_t j0,
                   int64_t m) {
  T* __restrict V = p.V + j0;
  T* __restrict ge = p.ge + j0;
  T* __restrict gi = p.gi + j0;
  T* __restrict I = p.I + j0;
  T* __restrict spk = p.spk + j0;
  int32_t* __restrict r = p.r + j0;
  const T* __restrict sx = p.syn_ex + j0;
  const T* __restrict si = p.syn_in + j0;
  const T* __restrict cur = p.cur + j0 * p.cur_stride;
  const T cur0 = cur[0];
  const bool cs = p.cur_stride != 0;
  const T vreset0 = V_reset[0], vth0 = V_th[0], te0 = te[0], ti0 = ti[0];
  const int32_t ref0 = ref[0];
#pragma GCC ivdep
  for (int64_t j = 0; j < m; ++j) {
    const int32_t rj = r[j];
    const T vb = Vb[j], vreset = PS ? V_reset[j] : vreset0;
    const T v = rj > 0 ? vreset : vb;
    ge[j] = ge[j] * (PS ? te[j] : te0) + sx[j];
    gi[j] = gi[j] * (PS ? ti[j] : ti0) + (-si[j]);
    const bool fired = (v - (PS ? V_th[j] : vth0)) >= T(0);
    V[j] = fired ? vreset : v;
    r[j] = fired ? (RS ? ref[j] : ref0) : (rj > 0 ? rj - 1 : rj);
    spk[j] = fired ? T(1) : T(0);
    I[j] = cs ? cur[j] : cur0;
  }
}

template <typename T, bool SHARED>
void step_range(const Ptrs<T>& p, int64_t n_sub, T a_half, T a_full, T s6, int64_t b, int64_t e) {
  const int64_t K = 2 * n_sub + 1;
  const int64_t ps = SHARED ? 1 : p.stride;
  const bool per = !SHARED && p.stride != 1;
  T Vb[kBlock];
  for (int64_t j0 = b; j0 < e; j0 += kBlock) {
    const int64_t m = std::min(kBlock, e - j0);
    const int64_t o = per ? j0 : 0;
    auto row = [&](int64_t r) { return p.P + r * ps + o; };
    const T *V_th = row(0), *V_reset = row(1), *g_L = row(2), *C_m = row(3);
    const T *E_ex = row(4), *E_in = row(5), *E_L = row(6), *I_e = row(7);
    const T *ge = p.ge + j0, *gi = p.gi + j0, *I = p.I + j0;
    for (int64_t j = 0; j < m; ++j) Vb[j] = p.V[j0 + j];
    for (int64_t i = 0; i < n_sub; ++i) {
      const T *e0 = row(kFixed + 2 * i), *e1 = row(kFixed + 2 * i + 1), *e2 = row(kFixed + 2 * i + 2);
      const T *h0 = row(kFixed + K + 2 * i), *h1 = row(kFixed + K + 2 * i + 1), *h2 = row(kFixed + K + 2 * i + 2);
#pragma GCC ivdep
      for (int64_t j = 0; j < m; ++j) {
        const int64_t q = per ? j : 0;
        const T inv_c = T(1) / C_m[q], vth = V_th[q], eex = E_ex[q], ein = E_in[q];
        const T cl = g_L[q] * inv_c;                                          // g_L / C_m
        const T al = std::fma(I[j], inv_c, (g_L[q] * E_L[q] + I_e[q]) * inv_c);  // (g_L E_L + I_e + I) / C_m
        const T xe = ge[j] * inv_c, xi = gi[j] * inv_c;
        // G = g_tot(t) / C_m and A = (g_L E_L + g_ex(t) E_ex + g_in(t) E_in + I_e + I) / C_m
        auto G = [=](T te, T ti) { return std::fma(xi, ti, std::fma(xe, te, cl)); };
        auto A = [=](T te, T ti) { return std::fma(xi, ein * ti, std::fma(xe, eex * te, al)); };
        auto f = [=](T v, T a, T g) { return std::fma(-g, v < vth ? v : vth, a); };  // A - G min(V, V_th)
        const T g0 = G(e0[q], h0[q]), a0 = A(e0[q], h0[q]);
        const T g1 = G(e1[q], h1[q]), a1 = A(e1[q], h1[q]);
        const T g2 = G(e2[q], h2[q]), a2 = A(e2[q], h2[q]);
        const T v = Vb[j];
        const T k1 = f(v, a0, g0);
        const T k2 = f(std::fma(a_half, k1, v), a1, g1);
        const T k3 = f(std::fma(a_half, k2, v), a1, g1);
        const T k4 = f(std::fma(a_full, k3, v), a2, g2);
        Vb[j] = std::fma(s6, std::fma(T(2), k2 + k3, k1 + k4), v);
      }
    }
    const T *te = row(kFixed + K - 1), *ti = row(kFixed + 2 * K - 1);
    const int32_t* ref = p.ref + j0 * p.ref_stride;
    if (per) {
      if (p.ref_stride) finish<T, 1, 1>(p, Vb, V_reset, V_th, te, ti, ref, j0, m);
      else finish<T, 1, 0>(p, Vb, V_reset, V_th, te, ti, ref, j0, m);
    } else if (p.ref_stride) {
      finish<T, 0, 1>(p, Vb, V_reset, V_th, te, ti, ref, j0, m);
    } else {
      finish<T, 0, 0>(p, Vb, V_reset, V_th, te, ti, ref, j0, m);
    }
  }
}

// body(b, e) over [0, n) on this thread and XLA's intra-op pool. Chunks are claimed from a
// shared counter: a helper that starts late finds nothing to do, and the caller waits only
// for chunks that were claimed (never for a task that has not started).
template <typename F>
void parallel_for(ffi::ThreadPool& pool, int64_t n, F body) {
  const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(pool.num_threads(), n / kGrain));
  if (parts == 1) {
    body(0, n);
    return;
  }
  const int64_t chunk = (n + parts - 1) / parts;
  struct Shared {
    std::atomic<int64_t> next{0}, done{0};
  };
  auto sh = std::make_shared<Shared>();
  auto work = [sh, n, chunk, parts, body]() {
    sncore::FlushDenormals ftz;
    for (int64_t c; (c = sh->next.fetch_add(1)) < parts;) {
      body(c * chunk, std::min(n, (c + 1) * chunk));
      sh->done.fetch_add(1, std::memory_order_release);
    }
  };
  for (int64_t h = 1; h < parts; ++h) pool.Schedule(decltype(work)(work));
  work();
  while (sh->done.load(std::memory_order_acquire) < parts) std::this_thread::yield();
}

template <typename T>
ffi::Error run(ffi::ThreadPool pool, int64_t n_sub, double a_half, double a_full, double s6, ffi::AnyBuffer P,
               ffi::Buffer<ffi::S32> ref, ffi::AnyBuffer syn_ex, ffi::AnyBuffer syn_in, ffi::AnyBuffer cur,
               ffi::AnyBuffer V, ffi::AnyBuffer ge, ffi::AnyBuffer gi, ffi::Buffer<ffi::S32> r, ffi::AnyBuffer I,
               ffi::AnyBuffer spk) {
  const int64_t n = static_cast<int64_t>(V.element_count());
  auto pd = P.dimensions();
  if (pd.size() != 2 || pd[0] != kFixed + 2 * (2 * n_sub + 1) || (pd[1] != 1 && pd[1] != n))
    return ffi::Error::InvalidArgument("sncore_iaf_cond_exp: P must be [8 + 2 (2 n_sub + 1), 1 or n]");
  const int64_t ref_n = static_cast<int64_t>(ref.element_count());
  if (ref_n != 1 && ref_n != n) return ffi::Error::InvalidArgument("sncore_iaf_cond_exp: ref_steps must be [1] or [n]");
  const int64_t cur_n = static_cast<int64_t>(cur.element_count());
  if (cur_n != 1 && cur_n != n) return ffi::Error::InvalidArgument("sncore_iaf_cond_exp: current must be [1] or [n]");
  auto t = [](ffi::AnyBuffer x) { return reinterpret_cast<T*>(x.untyped_data()); };
  const Ptrs<T> p{t(P), pd[1], ref.typed_data(), ref_n == 1 ? 0 : 1, t(V), t(ge), t(gi), t(I), t(spk),
                  r.typed_data(), t(syn_ex), t(syn_in), t(cur), cur_n == 1 ? 0 : 1};
  const bool shared = pd[1] == 1 && ref_n == 1;
  parallel_for(pool, n, [&p, n_sub, a_half, a_full, s6, shared](int64_t b, int64_t e) {
    if (shared) step_range<T, true>(p, n_sub, T(a_half), T(a_full), T(s6), b, e);
    else step_range<T, false>(p, n_sub, T(a_half), T(a_full), T(s6), b, e);
  });
  return ffi::Error::Success();
}

ffi::Error IafCondExp(ffi::ThreadPool pool, int64_t n_sub, double a_half, double a_full, double s6, ffi::AnyBuffer P,
                      ffi::Buffer<ffi::S32> ref, ffi::AnyBuffer syn_ex, ffi::AnyBuffer syn_in, ffi::AnyBuffer cur,
                      ffi::AnyBuffer V0, ffi::AnyBuffer ge0, ffi::AnyBuffer gi0, ffi::Buffer<ffi::S32> r0,
                      ffi::AnyBuffer I0, ffi::Result<ffi::AnyBuffer> V, ffi::Result<ffi::AnyBuffer> ge,
                      ffi::Result<ffi::AnyBuffer> gi, ffi::Result<ffi::Buffer<ffi::S32>> r,
                      ffi::Result<ffi::AnyBuffer> I, ffi::Result<ffi::AnyBuffer> spk) {
  sncore::FlushDenormals ftz;
  // the state outputs alias the state inputs (input_output_aliases): updated in place; were
  // they not aliased, the inputs are copied first
  auto same = [](ffi::AnyBuffer in, void* out) {
    if (out != in.untyped_data()) std::memcpy(out, in.untyped_data(), in.size_bytes());
  };
  same(V0, V->untyped_data());
  same(ge0, ge->untyped_data());
  same(gi0, gi->untyped_data());
  same(I0, I->untyped_data());
  if (r->typed_data() != r0.typed_data())
    std::memcpy(r->typed_data(), r0.typed_data(), r0.element_count() * sizeof(int32_t));
  switch (V0.element_type()) {
    case ffi::F32:
      return run<float>(pool, n_sub, a_half, a_full, s6, P, ref, syn_ex, syn_in, cur, *V, *ge, *gi, *r, *I, *spk);
    case ffi::F64:
      return run<double>(pool, n_sub, a_half, a_full, s6, P, ref, syn_ex, syn_in, cur, *V, *ge, *gi, *r, *I, *spk);
    default:
      return ffi::Error::InvalidArgument("sncore_iaf_cond_exp: the state must be float32 or float64");
  }
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(SncoreIafCondExp, IafCondExp,
                              ffi::Ffi::Bind()
                                  .Ctx<ffi::ThreadPool>()
                                  .Attr<int64_t>("n_sub")
                                  .Attr<double>("a_half")
                                  .Attr<double>("a_full")
                                  .Attr<double>("s6")
                                  .Arg<ffi::AnyBuffer>()          // P
                                  .Arg<ffi::Buffer<ffi::S32>>()   // ref_steps
                                  .Arg<ffi::AnyBuffer>()          // syn_ex
                                  .Arg<ffi::AnyBuffer>()          // syn_in
                                  .Arg<ffi::AnyBuffer>()          // current
                                  .Arg<ffi::AnyBuffer>()          // V_m
                                  .Arg<ffi::AnyBuffer>()          // g_ex
                                  .Arg<ffi::AnyBuffer>()          // g_in
                                  .Arg<ffi::Buffer<ffi::S32>>()   // r
                                  .Arg<ffi::AnyBuffer>()          // I
                                  .Ret<ffi::AnyBuffer>()          // V_m (aliased)
                                  .Ret<ffi::AnyBuffer>()          // g_ex (aliased)
                                  .Ret<ffi::AnyBuffer>()          // g_in (aliased)
                                  .Ret<ffi::Buffer<ffi::S32>>()   // r (aliased)
                                  .Ret<ffi::AnyBuffer>()          // I (aliased)
                                  .Ret<ffi::AnyBuffer>());        // spike
