/*
 * Weight prefetch streams: a hint that lets compute-bound kernels pull the
 * weights of an upcoming memory-bound node (a batch-1 classifier reads
 * 5 MB of fp32 weights once per inference, from DRAM when other work has
 * evicted them from the last-level cache) into the cache hierarchy while
 * they compute, at a rate spread over the nodes before it.
 *
 * The session builds the streams at create (rt/session.c: which node,
 * which region, over which earlier nodes) and, while running one of those
 * earlier nodes, points the running thread's enn_pf_current at the stream;
 * the thread pool hands the same pointer to the workers that run the
 * node's tasks. A kernel that supports it (the fp32 AVX-512 GEMM panels)
 * reads enn_pf_current once per panel: its thread's budget
 * (enn_pf_budget) grows by the stream's rate times the panel's
 * multiply-accumulates, and when it covers the panel's k-steps the panel
 * claims that many cache lines from the stream (one atomic add) and issues
 * one prefetch per k-step (the claimed range may run a little past the
 * region's end: prefetches never fault). A prefetch never faults and changes no result:
 * kernels stay stateless as far as their outputs go, with or without a
 * stream, whatever thread runs what.
 *
 * Opt-in: ENN_PREFETCH=r in the environment (read at session create), r in
 * (0, 1] the peak rate in lines per 7 x 32 k-step (rt/session.c); unset or
 * 0 plans no stream.
 */
#ifndef ENN_BASE_PREFETCH_H
#define ENN_BASE_PREFETCH_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct enn_pf_stream {
  const char *base;          /* first byte of the region (64-byte aligned) */
  int64_t lines;             /* 64-byte lines in the region */
  float rate;                /* lines to claim per multiply-accumulate */
  _Atomic int64_t next;      /* next unclaimed line (reset when the first node of its window starts) */
} enn_pf_stream;

/* The stream of the node this thread is running (NULL: none). */
extern _Thread_local enn_pf_stream *enn_pf_current;
/* This thread's claim budget, in lines (see above). */
extern _Thread_local float enn_pf_budget;
/* Nonzero once any session of the process has planned a stream. Kernels
 * test it before touching the thread-locals: under -fPIC each access to
 * those is a call to __tls_get_addr (relaxed to plain moves only when the
 * library is linked into an executable), around which GCC spills live
 * vector registers and emits vzeroupper, in the middle of a GEMM panel's
 * prologue; the initial-exec TLS model avoids the call but its GOT load
 * may be allocated to a vector register, which the linker cannot relax
 * (a link error seen with the AVX-512 GEMM). */
extern _Atomic int enn_pf_any;

/* Claims n lines for a kernel that is about to run n k-steps of `macs`
 * multiply-accumulates: the address of the first line, or NULL when there
 * is no stream, the budget does not cover n yet or the region is
 * exhausted. */
static inline const char *enn_pf_claim(int64_t n, int64_t macs) {
  if (__builtin_expect(!atomic_load_explicit(&enn_pf_any, memory_order_relaxed), 1)) return (const char *)0;
  enn_pf_stream *s = enn_pf_current;
  if (!s) return (const char *)0;
  enn_pf_budget += s->rate * (float)macs;
  if (enn_pf_budget < (float)n) return (const char *)0;
  enn_pf_budget -= (float)n;
  const int64_t off = atomic_fetch_add_explicit(&s->next, n, memory_order_relaxed);
  if (off >= s->lines) {
    enn_pf_budget = 0;
    return (const char *)0;
  }
  return s->base + off * 64;
}

#endif
