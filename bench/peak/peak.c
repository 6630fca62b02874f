/*
 * The machine's fp32 peak: FMA throughput per ISA at 1..N threads.
 *
 * Each ISA's kernel lives in its own translation unit compiled with that
 * ISA's flags (peak_avx2.c: -mavx2 -mfma, peak_avx512.c: -mavx512f -mfma,
 * peak_neon.c on AArch64); this file is plain C and only calls a kernel the
 * CPU supports (edgenn's own detection, enn_cpu_info_get). T threads run the
 * kernel at once; GFLOP/s = T * iterations * FLOP per iteration / wall time,
 * best of 3 repetitions of about --seconds each.
 *
 *   peak [--threads 1,2] [--seconds 0.25] [--json]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgenn/edgenn.h"

typedef double (*fma_fn)(int64_t iters, float seed);
#if defined(__x86_64__)
double peak_fma_avx2(int64_t iters, float seed);
double peak_fma_avx512(int64_t iters, float seed);
#elif defined(__aarch64__)
double peak_fma_neon(int64_t iters, float seed);
#endif

typedef struct isa_kernel {
  const char *name;
  const char *feature; /* required word in enn_cpu_info.features */
  fma_fn fn;
  double flop_per_iter;
} isa_kernel;

static const isa_kernel kernels[] = {
#if defined(__x86_64__)
    {"avx2", "avx2", peak_fma_avx2, 12 * 8 * 2},
    {"avx512", "avx512f", peak_fma_avx512, 16 * 16 * 2},
#elif defined(__aarch64__)
    {"neon", "asimd", peak_fma_neon, 16 * 4 * 2},
#endif
    {NULL, NULL, NULL, 0}};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int has_feature(const char *features, const char *want) {
  size_t n = strlen(want);
  for (const char *p = features; (p = strstr(p, want)) != NULL; p += n)
    if ((p == features || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
  return 0;
}

typedef struct job {
  fma_fn fn;
  int64_t iters;
  float seed;
  double sink;
  pthread_barrier_t *start;
} job;

static void *thread_main(void *arg) {
  job *j = arg;
  pthread_barrier_wait(j->start);
  j->sink = j->fn(j->iters, j->seed);
  return NULL;
}

/* Wall seconds for T threads each running iters iterations. */
static double run_threads(fma_fn fn, int T, int64_t iters, double *sink) {
  pthread_t tid[64];
  job jobs[64];
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, (unsigned)T + 1);
  for (int t = 0; t < T; t++) {
    jobs[t] = (job){fn, iters, 1.0f + (float)t, 0, &start};
    pthread_create(&tid[t], NULL, thread_main, &jobs[t]);
  }
  pthread_barrier_wait(&start);
  double t0 = now_s();
  for (int t = 0; t < T; t++) pthread_join(tid[t], NULL);
  double dt = now_s() - t0;
  pthread_barrier_destroy(&start);
  for (int t = 0; t < T; t++) *sink += jobs[t].sink;
  return dt;
}

int main(int argc, char **argv) {
  int threads[8] = {1, 2}, nt = 2, json = 0;
  double seconds = 0.25;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) json = 1;
    else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atof(argv[++i]);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
      nt = 0;
      for (char *s = argv[++i]; *s && nt < 8;) {
        int v = (int)strtol(s, &s, 10);
        if (v < 1 || v > 64) {
          fprintf(stderr, "peak: --threads values must be 1..64\n");
          return 2;
        }
        threads[nt++] = v;
        while (*s == ',' || *s == ' ') s++;
      }
    } else {
      fprintf(stderr, "usage: peak [--threads 1,2] [--seconds S] [--json]\n");
      return 2;
    }
  }
  enn_cpu_info cpu;
  enn_cpu_info_get(&cpu);
  double best[8] = {0};
  double res[8][8] = {{0}};
  double sink = 0;
  int nk = 0;
  for (int k = 0; kernels[k].name; k++, nk++) {
    if (!has_feature(cpu.features, kernels[k].feature)) continue;
    /* calibrate: iterations for ~seconds on one thread */
    int64_t iters = 1 << 16;
    for (;;) {
      double dt = run_threads(kernels[k].fn, 1, iters, &sink);
      if (dt > 0.02) {
        iters = (int64_t)((double)iters * seconds / dt) + 1;
        break;
      }
      iters *= 4;
    }
    for (int t = 0; t < nt; t++) {
      double g = 0;
      for (int rep = 0; rep < 3; rep++) {
        double dt = run_threads(kernels[k].fn, threads[t], iters, &sink);
        double gf = (double)threads[t] * (double)iters * kernels[k].flop_per_iter / dt * 1e-9;
        if (gf > g) g = gf;
      }
      res[k][t] = g;
      if (g > best[t]) best[t] = g;
    }
  }
  if (json) {
    printf("{\"cpu\": {\"model\": \"%s\", \"arch\": \"%s\", \"features\": \"%s\"},\n \"gflops\": {", cpu.model, cpu.arch,
           cpu.features);
    int first = 1;
    for (int k = 0; k < nk; k++) {
      if (res[k][0] <= 0) continue;
      printf("%s\"%s\": {", first ? "" : ", ", kernels[k].name);
      for (int t = 0; t < nt; t++) printf("%s\"%d\": %.2f", t ? ", " : "", threads[t], res[k][t]);
      printf("}");
      first = 0;
    }
    printf("},\n \"peak_gflops\": {");
    for (int t = 0; t < nt; t++) printf("%s\"%d\": %.2f", t ? ", " : "", threads[t], best[t]);
    printf("},\n \"sink\": %g}\n", sink > 0 ? 1.0 : 0.0);
  } else {
    printf("fp32 FMA peak on %s (%s)\n", *cpu.model ? cpu.model : "unknown CPU", cpu.arch);
    for (int k = 0; k < nk; k++) {
      if (res[k][0] <= 0) continue;
      printf("  %-7s", kernels[k].name);
      for (int t = 0; t < nt; t++) printf("  %d thread%s %8.1f GFLOP/s", threads[t], threads[t] == 1 ? " " : "s", res[k][t]);
      printf("\n");
    }
    if (sink == 12345.0) printf("\n"); /* keeps the results observable */
  }
  return 0;
}
