/*
 * Reference fully-connected layer (the spec for every fast FC kernel).
 *
 *   y[r, o] = act( b[o] + sum_{k=0..K-1} x[r, k] * w[o, k] )
 *
 * for every row r of the flattened leading ("batch") dimensions. Layouts:
 * x [rows, K] row-major, w [N, K] (output-major, "[out, in]"), b [N] or
 * NULL, y [rows, N]. Accumulation in float: bias first, then k ascending;
 * the activation (act.h) is applied to the finished sum.
 */
#ifndef ENN_KERNELS_REF_FC_REF_H
#define ENN_KERNELS_REF_FC_REF_H

#include <stdint.h>

#include "kernels/ref/act.h"

typedef struct enn_fc_params {
  int64_t rows; /* product of x's leading dims (1 for a 1-D x) */
  int64_t k;    /* input features */
  int64_t n;    /* output features */
  enn_act_params act;
} enn_fc_params;

/* b may be NULL. y must not overlap x or w. */
void enn_f32_fully_connected__ref(const enn_fc_params *p, const float *x, const float *w, const float *b, float *y);

#endif
