/*
 * Dispatch overhead of edgenn's thread pool (src/base/threadpool.c).
 *
 *   hot:  back-to-back enn_threadpool_parallel_for calls with a trivial task
 *         (workers are spinning): time per call, median of 200 batches of
 *         1000 calls;
 *   cold: one call after an idle gap longer than the spin window (workers
 *         are blocked on the condition variable): time of that call, median
 *         of 200 gaps;
 *   inline: the same call on a NULL pool (no threads), for reference.
 *
 *   pool_bench [--threads 2,4] [--json]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/threadpool.h"

static volatile int32_t sink;

static void touch(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  (void)ctx;
  sink = begin + end + thread;
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return v[n / 2];
}

static double hot_ns(enn_threadpool *p, int32_t tasks) {
  static double v[200];
  for (int i = 0; i < 50; i++) enn_threadpool_parallel_for(p, tasks, touch, NULL);
  for (int b = 0; b < 200; b++) {
    double t0 = now_ns();
    for (int i = 0; i < 1000; i++) enn_threadpool_parallel_for(p, tasks, touch, NULL);
    v[b] = (now_ns() - t0) / 1000.0;
  }
  return median(v, 200);
}

static double cold_ns(enn_threadpool *p, int32_t tasks) {
  static double v[200];
  for (int b = 0; b < 200; b++) {
    struct timespec gap = {0, 1000000}; /* 1 ms: well past the 0.1 ms spin window */
    nanosleep(&gap, NULL);
    double t0 = now_ns();
    enn_threadpool_parallel_for(p, tasks, touch, NULL);
    v[b] = now_ns() - t0;
  }
  return median(v, 200);
}

int main(int argc, char **argv) {
  int threads[8] = {2}, nt = 1, json = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) json = 1;
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
      nt = 0;
      for (char *s = argv[++i]; *s && nt < 8;) {
        long v = strtol(s, &s, 10);
        if (v < 2 || v > 64) {
          fprintf(stderr, "pool_bench: --threads values must be 2..64\n");
          return 2;
        }
        threads[nt++] = (int)v;
        while (*s == ',' || *s == ' ') s++;
      }
    } else {
      fprintf(stderr, "usage: pool_bench [--threads 2,4] [--json]\n");
      return 2;
    }
  }
  const double inline_ns = hot_ns(NULL, 2);
  if (json) printf("{\"inline_ns\": %.1f, \"pools\": [", inline_ns);
  else printf("thread pool dispatch (trivial task, medians)\n  inline (no pool): %8.1f ns per call\n", inline_ns);
  for (int k = 0; k < nt; k++) {
    enn_threadpool *p = NULL;
    if (enn_threadpool_create(threads[k], NULL, &p) != ENN_OK) {
      fprintf(stderr, "pool_bench: %s\n", enn_last_error());
      return 1;
    }
    const double hot = hot_ns(p, threads[k]), cold = cold_ns(p, threads[k]);
    if (json) printf("%s{\"threads\": %d, \"hot_ns\": %.1f, \"cold_ns\": %.1f}", k ? ", " : "", threads[k], hot, cold);
    else printf("  %d threads: hot %8.1f ns per call, after idle (workers asleep) %8.1f ns\n", threads[k], hot, cold);
    enn_threadpool_destroy(p);
  }
  if (json) printf("]}\n");
  return 0;
}
