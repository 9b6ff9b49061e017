// Raw system calls for code that runs in a CLONE_VM child before exec.
//
// Such a child shares memory and the thread pointer (TLS) with the parent
// thread that cloned it, and that thread keeps running. glibc wrappers write
// errno (a TLS variable) and some touch cancellation state, so the child must
// not call them. These helpers return -errno instead and touch nothing else.
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

namespace weft {

#if defined(__x86_64__)

static inline long RawSyscall6(long n, long a1, long a2, long a3, long a4,
                               long a5, long a6) {
  long ret;
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  register long r9 __asm__("r9") = a6;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8),
                     "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

#elif defined(__aarch64__)

static inline long RawSyscall6(long n, long a1, long a2, long a3, long a4,
                               long a5, long a6) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a1;
  register long x1 __asm__("x1") = a2;
  register long x2 __asm__("x2") = a3;
  register long x3 __asm__("x3") = a4;
  register long x4 __asm__("x4") = a5;
  register long x5 __asm__("x5") = a6;
  __asm__ volatile("svc 0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory", "cc");
  return x0;
}

#else
#error "weft: raw system calls are implemented for x86_64 and aarch64 only"
#endif

static inline long Sys(long n) { return RawSyscall6(n, 0, 0, 0, 0, 0, 0); }
static inline long Sys(long n, long a1) {
  return RawSyscall6(n, a1, 0, 0, 0, 0, 0);
}
static inline long Sys(long n, long a1, long a2) {
  return RawSyscall6(n, a1, a2, 0, 0, 0, 0);
}
static inline long Sys(long n, long a1, long a2, long a3) {
  return RawSyscall6(n, a1, a2, a3, 0, 0, 0);
}
static inline long Sys(long n, long a1, long a2, long a3, long a4) {
  return RawSyscall6(n, a1, a2, a3, a4, 0, 0);
}
static inline long Sys(long n, long a1, long a2, long a3, long a4, long a5) {
  return RawSyscall6(n, a1, a2, a3, a4, a5, 0);
}

}  // namespace weft
