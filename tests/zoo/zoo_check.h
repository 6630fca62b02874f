/*
 * Helpers shared by the zoo tests: a session of a model at a chosen
 * optimisation level, and the checks made on a model's output vector
 * (every value finite; the largest magnitude, which sets the scale of the
 * optimize 0 vs 1 comparisons).
 */
#ifndef ENN_TESTS_ZOO_ZOO_CHECK_H
#define ENN_TESTS_ZOO_ZOO_CHECK_H

#include <stdbool.h>

#include "test.h"

/* Creates a session of g with optimisation level `optimize` and default
 * options otherwise; *s is NULL when it fails (the status says why). */
static inline enn_status zoo_session(const enn_graph *g, int32_t optimize, enn_session **s) {
  enn_session_options so;
  enn_session_options_init(&so);
  so.optimize = optimize;
  *s = NULL;
  return enn_session_create(g, &so, s);
}

/* True when all n values are finite. */
static inline bool zoo_all_finite(const float *x, long n) {
  for (long i = 0; i < n; i++)
    if (!isfinite(x[i])) return false;
  return true;
}

/* max |x[i]| over n values (0 when n is 0; NaNs are skipped). */
static inline double zoo_max_abs(const float *x, long n) {
  double m = 0;
  for (long i = 0; i < n; i++)
    if (fabs((double)x[i]) > m) m = fabs((double)x[i]);
  return m;
}

#endif
