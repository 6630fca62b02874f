/*
 * Reference MatMul and Gemm: the plain triple loop; see matmul_ref.h.
 * MatMul walks the output's batch index with an odometer over batch_dims
 * (nd_iter.h) and advances each operand by its own (possibly zero) stride.
 */
#include "kernels/ref/matmul_ref.h"

#include "kernels/ref/nd_iter.h"

void enn_f32_matmul__ref(const enn_matmul_params *p, const float *a, const float *bm, float *y) {
  int64_t idx[ENN_MAX_RANK] = {0};
  for (int64_t t = 0; t < p->batch; t++) {
    int64_t ao = 0, bo = 0;
    for (int32_t d = 0; d < p->batch_rank; d++) {
      ao += idx[d] * p->a_stride[d];
      bo += idx[d] * p->b_stride[d];
    }
    const float *am = a + ao, *bb = bm + bo;
    float *ym = y + t * p->m * p->n;
    for (int64_t i = 0; i < p->m; i++)
      for (int64_t j = 0; j < p->n; j++) {
        float acc = 0.0f;
        for (int64_t k = 0; k < p->k; k++) acc += am[i * p->k + k] * bb[k * p->n + j];
        ym[i * p->n + j] = acc;
      }
    enn_nd_next(p->batch_rank, p->batch_dims, idx);
  }
}

void enn_f32_gemm__ref(const enn_gemm_params *p, const float *a, const float *b, const float *c, float *y) {
  for (int64_t i = 0; i < p->m; i++)
    for (int64_t j = 0; j < p->n; j++) {
      float acc = 0.0f;
      for (int64_t k = 0; k < p->k; k++) {
        const float av = p->trans_a ? a[k * p->m + i] : a[i * p->k + k];
        const float bv = p->trans_b ? b[j * p->k + k] : b[k * p->n + j];
        acc += av * bv;
      }
      float v = p->alpha * acc;
      if (c) v += p->beta * c[i * p->c_rs + j * p->c_cs];
      y[i * p->n + j] = v;
    }
}
