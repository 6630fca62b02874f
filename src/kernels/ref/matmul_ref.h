/*
 * Reference matrix products (the spec for every fast MatMul / Gemm kernel).
 *
 * MatMul (numpy semantics, after the operator has promoted 1-D operands):
 *
 *   y[b..., i, j] = sum_{k=0..K-1} a[b'..., i, k] * bm[b''..., k, j]
 *
 * where b... runs over the broadcast batch shape and b', b'' are the
 * matching indices into a's and bm's own batch dims (a size-1 batch dim of
 * an operand is read at index 0: its stride is 0). Each operand is a dense
 * row-major stack of matrices: a [batch_a..., M, K], bm [batch_b..., K, N],
 * y [batch..., M, N]. Accumulation in float, k ascending, starting from 0.
 *
 * Gemm (ONNX):
 *
 *   y[i, j] = alpha * (sum_{k} A(i, k) * B(k, j)) + beta * c[i*c_rs + j*c_cs]
 *
 * with A(i, k) = trans_a ? a[k, i] : a[i, k] (a is [K, M] or [M, K]) and
 * B(k, j) = trans_b ? b[j, k] : b[k, j]. The sum is accumulated in float
 * (k ascending from 0), then multiplied by alpha; the beta term is added
 * last and skipped entirely when c is NULL. c_rs / c_cs are c's element
 * strides along rows / columns (0 along a broadcast axis).
 */
#ifndef ENN_KERNELS_REF_MATMUL_REF_H
#define ENN_KERNELS_REF_MATMUL_REF_H

#include <stdint.h>

#include "edgenn/edgenn.h"

typedef struct enn_matmul_params {
  int32_t batch_rank;                 /* number of broadcast batch dims (0..ENN_MAX_RANK-2) */
  int64_t batch_dims[ENN_MAX_RANK];   /* the output's batch dims */
  int64_t a_stride[ENN_MAX_RANK];     /* a's element stride per output batch dim (0 = broadcast) */
  int64_t b_stride[ENN_MAX_RANK];     /* bm's element stride per output batch dim */
  int64_t batch;                      /* product of batch_dims (1 when batch_rank = 0) */
  int64_t m, n, k;
} enn_matmul_params;

/* y must not overlap a or bm. */
void enn_f32_matmul__ref(const enn_matmul_params *p, const float *a, const float *bm, float *y);

typedef struct enn_gemm_params {
  int64_t m, n, k;
  int32_t trans_a, trans_b;
  float alpha, beta;
  int64_t c_rs, c_cs; /* element strides of c (0 along a broadcast axis) */
} enn_gemm_params;

/* c may be NULL (no beta term). y must not overlap a, b or c. */
void enn_f32_gemm__ref(const enn_gemm_params *p, const float *a, const float *b, const float *c, float *y);

#endif
