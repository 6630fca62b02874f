/*
 * Reference broadcasting binary kernel; see binary_ref.h for the spec.
 *
 * The output is walked row by row (a row = the innermost merged axis); an
 * odometer over the outer axes (nd_iter.h) advances the operands' offsets
 * by their (possibly zero) strides. Each row is computed, then the
 * activation is applied to it in place.
 */
#include "kernels/ref/binary_ref.h"

#include "kernels/ref/nd_iter.h"

void enn_binary_params_init(enn_binary_params *p, enn_binop op, const enn_tensor_desc *a, const enn_tensor_desc *b,
                            const enn_act_params *act) {
  const int32_t r = a->rank > b->rank ? a->rank : b->rank;
  int64_t ad[ENN_MAX_RANK], bd[ENN_MAX_RANK], od[ENN_MAX_RANK], as[ENN_MAX_RANK], bs[ENN_MAX_RANK];
  /* Right-align both operands to rank r. */
  for (int32_t k = 0; k < r; k++) {
    const int32_t ka = k - (r - a->rank), kb = k - (r - b->rank);
    ad[k] = ka >= 0 ? a->dims[ka] : 1;
    bd[k] = kb >= 0 ? b->dims[kb] : 1;
    od[k] = ad[k] == 1 ? bd[k] : ad[k];
  }
  /* Dense strides; 0 where the operand broadcasts (dim 1). */
  int64_t sa = 1, sb = 1;
  for (int32_t k = r - 1; k >= 0; k--) {
    as[k] = ad[k] == 1 ? 0 : sa;
    bs[k] = bd[k] == 1 ? 0 : sb;
    sa *= ad[k];
    sb *= bd[k];
  }
  p->op = (int32_t)op;
  p->act = *act;
  p->numel = 1;
  p->rank = 0;
  for (int32_t k = 0; k < r; k++) {
    p->numel *= od[k];
    if (od[k] == 1) continue; /* contributes nothing to any offset */
    const int32_t j = p->rank - 1;
    /* Merge into the previous axis when both operands keep the same kind
     * (dense or broadcast): the merged axis then has the inner stride. */
    if (j >= 0 && (p->sa[j] == 0) == (as[k] == 0) && (p->sb[j] == 0) == (bs[k] == 0)) {
      p->dims[j] *= od[k];
      p->sa[j] = as[k];
      p->sb[j] = bs[k];
      continue;
    }
    p->dims[p->rank] = od[k];
    p->sa[p->rank] = as[k];
    p->sb[p->rank] = bs[k];
    p->rank++;
  }
  if (p->rank == 0) {
    p->rank = 1;
    p->dims[0] = 1;
    p->sa[0] = p->sb[0] = 0;
  }
}

void enn_f32_binary__ref(const enn_binary_params *p, const float *a, const float *b, float *y) {
  if (p->numel <= 0) return;
  const int32_t last = p->rank - 1;
  const int64_t n = p->dims[last], sa = p->sa[last], sb = p->sb[last], rows = p->numel / n;
  int64_t idx[ENN_MAX_RANK] = {0};
  int64_t oa = 0, ob = 0;
  for (int64_t row = 0; row < rows; row++) {
    const float *ar = a + oa, *br = b + ob;
    float *yr = y + row * n;
    switch (p->op) {
    case ENN_BINOP_ADD:
      for (int64_t i = 0; i < n; i++) yr[i] = ar[i * sa] + br[i * sb];
      break;
    case ENN_BINOP_SUB:
      for (int64_t i = 0; i < n; i++) yr[i] = ar[i * sa] - br[i * sb];
      break;
    case ENN_BINOP_MUL:
      for (int64_t i = 0; i < n; i++) yr[i] = ar[i * sa] * br[i * sb];
      break;
    case ENN_BINOP_DIV:
      for (int64_t i = 0; i < n; i++) yr[i] = ar[i * sa] / br[i * sb];
      break;
    default: /* ENN_BINOP_PRELU */
      for (int64_t i = 0; i < n; i++) {
        const float x = ar[i * sa];
        yr[i] = x < 0.0f ? br[i * sb] * x : x;
      }
      break;
    }
    enn_act_f32_array(yr, n, &p->act);
    enn_nd_step2(last, p->dims, p->sa, p->sb, idx, &oa, &ob); /* next row */
  }
}
