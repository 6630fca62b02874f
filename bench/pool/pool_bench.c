/*
 * Dispatch overhead of edgenn's thread pool (src/base/threadpool.c).
 *
 * Each of the T tasks of a job busy-waits W ns (W = 0, 2 us, 20 us). With
 * perfect parallelism a job takes W; the overhead is the median wall time
 * of enn_threadpool_parallel_for minus W. Also reported: the share of the
 * T - 1 non-caller tasks that workers ran (tasks are claimed dynamically:
 * the caller steals whatever no worker has started, so with W = 0 it does
 * nearly all of them itself).
 *   hot:  back-to-back jobs (workers spinning), median of 2000 jobs;
 *   cold: one job after 1 ms idle (past the spin window: workers blocked on
 *         the condition variable), median of 200 jobs.
 *
 *   pool_bench [--threads 2,4] [--json]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/threadpool.h"

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

typedef struct job {
  double work_ns;
  atomic_int by_worker; /* tasks run by a worker thread */
  pthread_t caller;
} job;

static void busy(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  (void)begin;
  (void)end;
  job *j = ctx;
  if (thread > 0 && !pthread_equal(pthread_self(), j->caller)) atomic_fetch_add(&j->by_worker, 1);
  if (j->work_ns <= 0) return;
  const double t0 = now_ns();
  while (now_ns() - t0 < j->work_ns) {
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median wall ns per job; *worker_share = tasks run by workers / (T - 1) per job. */
static double measure(enn_threadpool *p, int T, double work_ns, int jobs, long gap_ns, double *worker_share) {
  double *v = malloc(sizeof(double) * (size_t)jobs);
  job j;
  j.work_ns = work_ns;
  j.caller = pthread_self();
  atomic_init(&j.by_worker, 0);
  for (int i = 0; i < 20; i++) enn_threadpool_parallel_for(p, T, busy, &j);
  atomic_store(&j.by_worker, 0);
  for (int i = 0; i < jobs; i++) {
    if (gap_ns) {
      struct timespec gap = {0, gap_ns};
      nanosleep(&gap, NULL);
    }
    const double t0 = now_ns();
    enn_threadpool_parallel_for(p, T, busy, &j);
    v[i] = now_ns() - t0;
  }
  *worker_share = T > 1 ? (double)atomic_load(&j.by_worker) / ((double)jobs * (T - 1)) : 0;
  qsort(v, (size_t)jobs, sizeof *v, cmp);
  const double m = v[jobs / 2];
  free(v);
  return m;
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
  static const double works[3] = {0, 2000, 20000};
  if (json) printf("{\"pools\": [");
  else printf("thread pool dispatch: overhead = median wall time per job - per-task work W\n");
  for (int k = 0; k < nt; k++) {
    enn_threadpool *p = NULL;
    if (enn_threadpool_create(threads[k], NULL, &p) != ENN_OK) {
      fprintf(stderr, "pool_bench: %s\n", enn_last_error());
      return 1;
    }
    if (json) printf("%s{\"threads\": %d, \"runs\": [", k ? ", " : "", threads[k]);
    for (int w = 0; w < 3; w++) {
      double hs, cs;
      const double hot = measure(p, threads[k], works[w], 2000, 0, &hs) - works[w];
      const double cold = measure(p, threads[k], works[w], 200, 1000000, &cs) - works[w];
      if (json)
        printf("%s{\"work_ns\": %.0f, \"hot_overhead_ns\": %.1f, \"hot_worker_share\": %.3f, "
               "\"cold_overhead_ns\": %.1f, \"cold_worker_share\": %.3f}",
               w ? ", " : "", works[w], hot, hs, cold, cs);
      else
        printf("  %d threads, W %5.0f ns: hot %8.0f ns (workers ran %3.0f%% of T-1 tasks), "
               "after 1 ms idle %8.0f ns (%3.0f%%)\n",
               threads[k], works[w], hot, 100 * hs, cold, 100 * cs);
    }
    if (json) printf("]}");
    enn_threadpool_destroy(p);
  }
  if (json) printf("]}\n");
  return 0;
}
