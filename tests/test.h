/*
 * Minimal test harness. A test file defines test functions and a main that
 * calls ENN_RUN(fn) for each, then returns enn_test_finish().
 * Exit status 0 = all passed, 1 = failures, 77 = skipped (ctest SKIP).
 *
 * Data: enn_test_data_dir() returns $EDGENN_DATA or ../shared/data beside the
 * source tree; enn_test_require_data(path) skips (or fails when
 * EDGENN_REQUIRE_DATA=1) when a file is absent.
 */
#ifndef ENN_TEST_H
#define ENN_TEST_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "edgenn/edgenn.h"

__attribute__((unused)) static int enn_t_failed, enn_t_checks, enn_t_tests, enn_t_tests_failed;
__attribute__((unused)) static const char *enn_t_current = "";

#define CHECK(cond)                                                                              \
  do {                                                                                           \
    enn_t_checks++;                                                                              \
    if (!(cond)) {                                                                               \
      enn_t_failed++;                                                                            \
      fprintf(stderr, "%s:%d: [%s] CHECK failed: %s\n", __FILE__, __LINE__, enn_t_current, #cond); \
    }                                                                                            \
  } while (0)

#define CHECK_MSG(cond, ...)                                                                  \
  do {                                                                                        \
    enn_t_checks++;                                                                           \
    if (!(cond)) {                                                                            \
      enn_t_failed++;                                                                         \
      fprintf(stderr, "%s:%d: [%s] CHECK failed: %s: ", __FILE__, __LINE__, enn_t_current, #cond); \
      fprintf(stderr, __VA_ARGS__);                                                           \
      fprintf(stderr, "\n");                                                                  \
    }                                                                                         \
  } while (0)

/* Checks an enn_status is ENN_OK, printing the library message if not. */
#define CHECK_OK(expr)                                                                                      \
  do {                                                                                                      \
    enn_status s_ = (expr);                                                                                 \
    enn_t_checks++;                                                                                         \
    if (s_ != ENN_OK) {                                                                                     \
      enn_t_failed++;                                                                                       \
      fprintf(stderr, "%s:%d: [%s] %s -> %s: %s\n", __FILE__, __LINE__, enn_t_current, #expr, enn_status_name(s_), \
              enn_last_error());                                                                            \
    }                                                                                                       \
  } while (0)

#define CHECK_STATUS(expr, want)                                                                          \
  do {                                                                                                    \
    enn_status s_ = (expr);                                                                               \
    enn_t_checks++;                                                                                       \
    if (s_ != (want)) {                                                                                   \
      enn_t_failed++;                                                                                     \
      fprintf(stderr, "%s:%d: [%s] %s -> %s, expected %s (%s)\n", __FILE__, __LINE__, enn_t_current, #expr, \
              enn_status_name(s_), enn_status_name(want), enn_last_error());                              \
    }                                                                                                     \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                                                 \
  do {                                                                                                        \
    double a_ = (double)(a), b_ = (double)(b);                                                                \
    enn_t_checks++;                                                                                           \
    if (!(fabs(a_ - b_) <= (tol))) {                                                                          \
      enn_t_failed++;                                                                                         \
      fprintf(stderr, "%s:%d: [%s] %s = %.9g vs %s = %.9g (tol %g)\n", __FILE__, __LINE__, enn_t_current, #a, a_, \
              #b, b_, (double)(tol));                                                                         \
    }                                                                                                         \
  } while (0)

/* Max |a-b| over n floats, relative check against max |b|. */
static inline int enn_t_allclose(const float *a, const float *b, long n, double atol, double rtol) {
  int ok = 1;
  for (long i = 0; i < n; i++) {
    double d = fabs((double)a[i] - (double)b[i]);
    if (!(d <= atol + rtol * fabs((double)b[i]))) {
      if (ok) fprintf(stderr, "  mismatch at %ld: %.9g vs %.9g\n", i, (double)a[i], (double)b[i]);
      ok = 0;
    }
  }
  return ok;
}
#define CHECK_ALLCLOSE(a, b, n, atol, rtol) CHECK_MSG(enn_t_allclose((a), (b), (long)(n), (atol), (rtol)), "arrays differ")

#define ENN_RUN(fn)                                                                      \
  do {                                                                                   \
    int before_ = enn_t_failed;                                                          \
    enn_t_current = #fn;                                                                 \
    enn_t_tests++;                                                                       \
    fn();                                                                                \
    if (enn_t_failed != before_) enn_t_tests_failed++;                                   \
    fprintf(stderr, "%s %s\n", enn_t_failed != before_ ? "FAIL" : "ok  ", #fn);          \
  } while (0)

static inline int enn_test_finish(void) {
  fprintf(stderr, "%d tests, %d checks, %d failed checks\n", enn_t_tests, enn_t_checks, enn_t_failed);
  return enn_t_failed ? 1 : 0;
}

/* Deterministic pseudo-random floats in [lo, hi). */
static inline float enn_t_randf(unsigned long long *state, float lo, float hi) {
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  double u = (double)(*state >> 11) / 9007199254740992.0;
  return (float)(lo + (hi - lo) * u);
}
static inline void enn_t_fill(float *x, long n, unsigned long long seed, float lo, float hi) {
  unsigned long long s = seed * 2654435761ULL + 1;
  for (long i = 0; i < n; i++) x[i] = enn_t_randf(&s, lo, hi);
}

/* An enn_allocator over the default one that counts its calls:
 * enn_allocator a = {enn_t_count_alloc, enn_t_count_free, &counter}. */
typedef struct enn_t_counter {
  long allocs, frees;
} enn_t_counter;
static inline void *enn_t_count_alloc(void *ctx, size_t size, size_t align) {
  ((enn_t_counter *)ctx)->allocs++;
  return enn_default_allocator()->alloc(NULL, size, align);
}
static inline void enn_t_count_free(void *ctx, void *p) {
  ((enn_t_counter *)ctx)->frees++;
  enn_default_allocator()->free(NULL, p);
}

/* Adds an f32 constant of the given shape filled by enn_t_fill(seed, -0.5,
 * 0.5) to g; returns its id (-1 after a failed check). */
static inline int32_t enn_t_add_const(enn_graph *g, const char *name, int rank, const int64_t *dims,
                                      unsigned long long seed) {
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, rank, dims);
  const long n = (long)enn_tensor_desc_numel(&d);
  float *v = malloc(sizeof(float) * (size_t)n);
  int32_t id = -1;
  if (v) enn_t_fill(v, n, seed, -0.5f, 0.5f);
  CHECK_OK(v ? enn_graph_add_constant(g, name, &d, v, ENN_CONST_COPY, &id) : ENN_ERR_NO_MEMORY);
  free(v);
  return id;
}

static inline const char *enn_test_data_dir(void) {
  const char *d = getenv("EDGENN_DATA");
  if (d && *d) return d;
  static char buf[4096];
  const char *src = getenv("ENN_SOURCE_DIR");
  snprintf(buf, sizeof buf, "%s/../shared/data", src && *src ? src : ".");
  return buf;
}

/* Returns 1 if path (relative to the data dir) exists. Otherwise prints a
 * skip message and exits 77, or fails (exit 1) under EDGENN_REQUIRE_DATA=1. */
static inline int enn_test_require_data(const char *rel, char *out, size_t cap) {
  const char *dir = enn_test_data_dir();
  size_t ld = strlen(dir), lr = strlen(rel);
  if (ld + 1 + lr + 1 > cap) {
    fprintf(stderr, "FAIL: data path %s/%s too long\n", dir, rel);
    exit(1);
  }
  memcpy(out, dir, ld);
  out[ld] = '/';
  memcpy(out + ld + 1, rel, lr + 1);
  struct stat sb;
  if (stat(out, &sb) == 0) return 1;
  const char *req = getenv("EDGENN_REQUIRE_DATA");
  if (req && strcmp(req, "1") == 0) {
    fprintf(stderr, "FAIL: required data %s is missing (EDGENN_DATA=%s)\n", out, enn_test_data_dir());
    exit(1);
  }
  fprintf(stderr, "SKIP: data %s not found (set EDGENN_DATA)\n", out);
  exit(77);
}

/* A scratch directory for files tests write. */
static inline const char *enn_test_tmp(void) {
  const char *t = getenv("ENN_TEST_TMP");
  return t && *t ? t : "/tmp";
}

#endif
