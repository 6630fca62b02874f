/* Reference int8 mean: for every output element an odometer over the
 * reduced axes sums the raw values; see q8_mean_ref.h for the rescale. */
#include "kernels/ref/q8_mean_ref.h"

#include "kernels/ref/nd_iter.h"

void enn_qs8_reduce_mean__ref(const enn_qs8_mean_params *p, const int8_t *x, int8_t *y) {
  const enn_reduce_params *r = &p->r;
  if (r->out_numel <= 0 || r->count <= 0) return;
  const int32_t lr = r->nr - 1;
  const int64_t rn = r->rdims[lr], rs = r->rstride[lr];
  int64_t kidx[ENN_MAX_RANK] = {0};
  int64_t koff = 0;
  for (int64_t o = 0; o < r->out_numel; o++) {
    int64_t sum = 0;
    const int64_t rrows = r->count / rn;
    int64_t ridx[ENN_MAX_RANK] = {0};
    int64_t roff = 0;
    for (int64_t rr = 0; rr < rrows; rr++) {
      const int8_t *xr = x + koff + roff;
      for (int64_t i = 0; i < rn; i++) sum += xr[i * rs];
      enn_nd_step(lr, r->rdims, r->rstride, ridx, &roff);
    }
    const int32_t acc = (int32_t)(sum - (int64_t)p->x_zp * r->count);
    y[o] = (int8_t)enn_requantize(acc, p->mult, p->shift, p->y_zp, p->lo, p->hi);
    enn_nd_step(r->nk, r->kdims, r->kstride, kidx, &koff);
  }
}
