// Shared by sncore's native kernels.
#pragma once

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace sncore {

// XLA:CPU runs its kernels with denormals flushed to zero (FTZ and DAZ); custom calls run
// with the thread's own setting. The kernels set the same mode for their duration: the same
// results as XLA for tiny values (decaying conductances), and no slow denormal arithmetic.
class FlushDenormals {
 public:
#if defined(__SSE__) || defined(__x86_64__)
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040); }  // FTZ | DAZ
  ~FlushDenormals() { _mm_setcsr(saved_); }

 private:
  unsigned saved_;
#endif
};

}  // namespace sncore
