/*
 * Reference ReduceMean; see reduce_ref.h for the spec. The input axes are
 * sorted into two merged walks (nd_iter.h): kept axes and reduced axes. For
 * every output element (odometer over the kept walk) a second odometer
 * walks the reduced axes, summing; the innermost reduced axis is a strided
 * loop.
 */
#include "kernels/ref/reduce_ref.h"

#include "kernels/ref/nd_iter.h"

void enn_reduce_params_init(enn_reduce_params *p, const enn_tensor_desc *x, const bool *reduce) {
  int64_t in_stride[ENN_MAX_RANK];
  enn_nd_dense_strides(x->rank, x->dims, in_stride);
  p->nk = p->nr = 0;
  p->out_numel = 1;
  p->count = 1;
  int32_t prev = -1; /* kind of the last pushed axis: 0 kept, 1 reduced */
  for (int32_t k = 0; k < x->rank; k++) {
    const int64_t d = x->dims[k];
    if (reduce[k]) p->count *= d;
    else p->out_numel *= d;
    if (d == 1) continue;
    /* Axes of one kind separated only by unit axes are contiguous; the
     * stride test in enn_nd_push_axis guards the merge anyway. */
    if (reduce[k]) enn_nd_push_axis(&p->nr, p->rdims, p->rstride, d, in_stride[k], prev == 1);
    else enn_nd_push_axis(&p->nk, p->kdims, p->kstride, d, in_stride[k], prev == 0);
    prev = reduce[k] ? 1 : 0;
  }
  enn_nd_at_least_1d(&p->nk, p->kdims, p->kstride);
  enn_nd_at_least_1d(&p->nr, p->rdims, p->rstride);
}

void enn_f32_reduce_mean__ref(const enn_reduce_params *p, const float *x, float *y) {
  if (p->out_numel <= 0) return;
  const float cnt = (float)p->count;
  const int32_t lr = p->nr - 1;
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
        enn_nd_step(lr, p->rdims, p->rstride, ridx, &roff);
      }
    }
    y[o] = acc / cnt;
    enn_nd_step(p->nk, p->kdims, p->kstride, kidx, &koff);
  }
}
