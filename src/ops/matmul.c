/*
 * MatMul with numpy semantics (f32): a 1-D first operand is promoted to
 * [1, K] and a 1-D second operand to [K, 1] (the added axis is removed
 * from the result); the leading "batch" dims of both operands broadcast
 * against each other. Prepare turns the shapes into per-batch-dim element
 * strides (0 where an operand is broadcast) for kernels/ref/matmul_ref.h.
 */
#include "kernels/ref/matmul_ref.h"
#include "ops/f16_weights.h"
#include "ops/op_util.h"

static enn_status matmul_params(const enn_node *n, const enn_tensor_desc *const *in, void *state,
                                enn_tensor_desc *out) {
  enn_matmul_params *p = state;
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, -1)) || (st = enn_expect_f32(n, in, 1, -1))) return st;
  if ((st = enn_check_act(n))) return st;
  const enn_tensor_desc *a = in[0], *b = in[1];
  char s1[96], s2[96];
  if (a->rank < 1 || b->rank < 1)
    return enn_node_err(n, ENN_ERR_SHAPE, "operands %s and %s must have rank >= 1", enn_desc_str(a, s1, sizeof s1),
                        enn_desc_str(b, s2, sizeof s2));
  const int32_t abr = a->rank >= 2 ? a->rank - 2 : 0, bbr = b->rank >= 2 ? b->rank - 2 : 0;
  const int64_t m = a->rank >= 2 ? a->dims[a->rank - 2] : 1, ka = a->dims[a->rank - 1];
  const int64_t kb = b->rank >= 2 ? b->dims[b->rank - 2] : b->dims[0], nn = b->rank >= 2 ? b->dims[b->rank - 1] : 1;
  if (ka != kb)
    return enn_node_err(n, ENN_ERR_SHAPE, "inner dimensions differ: %s @ %s (K %lld vs %lld)",
                        enn_desc_str(a, s1, sizeof s1), enn_desc_str(b, s2, sizeof s2), (long long)ka, (long long)kb);
  const int32_t br = abr > bbr ? abr : bbr;
  int64_t bd[ENN_MAX_RANK], as[ENN_MAX_RANK], bs[ENN_MAX_RANK];
  int64_t sa = m * ka, sb = kb * nn, batch = 1;
  for (int32_t i = br - 1; i >= 0; i--) {
    const int32_t ia = i - (br - abr), ib = i - (br - bbr);
    const int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    if (da != db && da != 1 && db != 1)
      return enn_node_err(n, ENN_ERR_SHAPE, "batch dimensions of %s and %s do not broadcast",
                          enn_desc_str(a, s1, sizeof s1), enn_desc_str(b, s2, sizeof s2));
    bd[i] = da == 1 ? db : da;
    as[i] = da == 1 ? 0 : sa;
    bs[i] = db == 1 ? 0 : sb;
    sa *= da; /* all products are bounded by the operands' element counts */
    sb *= db;
    batch *= bd[i];
  }
  if (p) {
    p->batch_rank = br;
    for (int32_t i = 0; i < br; i++) {
      p->batch_dims[i] = bd[i];
      p->a_stride[i] = as[i];
      p->b_stride[i] = bs[i];
    }
    p->batch = batch;
    p->m = m;
    p->n = nn;
    p->k = ka;
  }
  if (out) {
    int64_t od[ENN_MAX_RANK];
    int32_t r = 0;
    for (int32_t i = 0; i < br; i++) od[r++] = bd[i];
    if (a->rank >= 2) od[r++] = m;
    if (b->rank >= 2) od[r++] = nn;
    enn_tensor_desc_init(out, ENN_DTYPE_F32, r, od);
  }
  return ENN_OK;
}

static enn_status matmul_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                               enn_tensor_desc *out) {
  enn_f16w_descs v; /* a constant F16 B is accepted (f16_weights.h) */
  return matmul_params(n, enn_f16w_infer_descs(n, in, in_data, ENN_F16W_IN(1), &v), NULL, out);
}

static enn_status matmul_prepare_f32(enn_exec *e, enn_prepare_ctx *ctx) {
  return enn_prepare_params(e, ctx, sizeof(enn_matmul_params), matmul_params, "enn_f32_matmul__ref");
}

static enn_status matmul_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  return enn_f16w_prepare(e, ctx, ENN_F16W_IN(1), matmul_prepare_f32, NULL); /* f16 B -> f32 once */
}

static void matmul_run(const enn_exec *e) { enn_f32_matmul__ref(e->state, e->in[0], e->in[1], e->out[0]); }

static int64_t matmul_macs(const enn_node *n, const enn_tensor_desc *const *in, const enn_tensor_desc *out) {
  ENN_UNUSED(n);
  /* out holds batch * M * N elements, each a K-long dot product */
  return enn_tensor_desc_numel(out) * in[0]->dims[in[0]->rank - 1];
}

const enn_op_vtable enn_op_vt_matmul = {matmul_infer, matmul_prepare, matmul_run, matmul_macs};
