/*
 * Reference ReduceMean; see reduce_ref.h for the spec. For every output
 * element (odometer over the kept axes) a second odometer walks the reduced
 * axes, summing; the innermost reduced axis is a strided loop.
 */
#include "kernels/ref/reduce_ref.h"

static void push_axis(int32_t *n, int64_t *dims, int64_t *stride, int64_t d, int64_t st, bool merge) {
  const int32_t j = *n - 1;
  if (merge && j >= 0 && stride[j] == d * st) {
    dims[j] *= d;
    stride[j] = st;
    return;
  }
  dims[*n] = d;
  stride[*n] = st;
  (*n)++;
}

void enn_reduce_params_init(enn_reduce_params *p, const enn_tensor_desc *x, const bool *reduce) {
  const int32_t r = x->rank;
  int64_t in_stride[ENN_MAX_RANK];
  int64_t s = 1;
  for (int32_t k = r - 1; k >= 0; k--) {
    in_stride[k] = s;
    s *= x->dims[k];
  }
  p->nk = p->nr = 0;
  p->out_numel = 1;
  p->count = 1;
  int32_t prev = -1; /* kind of the last pushed axis: 0 kept, 1 reduced */
  for (int32_t k = 0; k < r; k++) {
    const int64_t d = x->dims[k];
    if (reduce[k]) p->count *= d;
    else p->out_numel *= d;
    if (d == 1) continue;
    /* Axes of one kind separated only by unit axes are contiguous; the
     * stride test in push_axis guards the merge anyway. */
    if (reduce[k]) push_axis(&p->nr, p->rdims, p->rstride, d, in_stride[k], prev == 1);
    else push_axis(&p->nk, p->kdims, p->kstride, d, in_stride[k], prev == 0);
    prev = reduce[k] ? 1 : 0;
  }
  if (p->nk == 0) {
    p->nk = 1;
    p->kdims[0] = 1;
    p->kstride[0] = 0;
  }
  if (p->nr == 0) {
    p->nr = 1;
    p->rdims[0] = 1;
    p->rstride[0] = 0;
  }
}

void enn_f32_reduce_mean__ref(const enn_reduce_params *p, const float *x, float *y) {
  if (p->out_numel <= 0) return;
  const float cnt = (float)p->count;
  const int32_t lk = p->nk - 1, lr = p->nr - 1;
  const int64_t rn = p->rdims[lr], rs = p->rstride[lr];
  int64_t kidx[ENN_MAX_RANK] = {0};
  int64_t koff = 0;
  for (int64_t o = 0; o < p->out_numel; o++) {
    float acc = 0.0f;
    if (p->count > 0) {
      const int64_t rrows = p->count / rn;
      int64_t ridx[ENN_MAX_RANK] = {0};
      int64_t roff = 0;
      for (int64_t rr = 0; rr < rrows; rr++) {
        const float *xr = x + koff + roff;
        for (int64_t i = 0; i < rn; i++) acc += xr[i * rs];
        for (int32_t k = lr - 1; k >= 0; k--) {
          roff += p->rstride[k];
          if (++ridx[k] < p->rdims[k]) break;
          roff -= p->rstride[k] * p->rdims[k];
          ridx[k] = 0;
        }
      }
    }
    y[o] = acc / cnt;
    for (int32_t k = lk; k >= 0; k--) {
      koff += p->kstride[k];
      if (++kidx[k] < p->kdims[k]) break;
      koff -= p->kstride[k] * p->kdims[k];
      kidx[k] = 0;
    }
  }
}
