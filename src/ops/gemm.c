/*
 * Gemm (ONNX): Y[M, N] = alpha * op(A) @ op(B) + beta * C, op = optional
 * transpose (attrs.trans_a / trans_b), A and B 2-D f32, C optional and
 * unidirectionally broadcastable to [M, N] (scalar, [N], [1], [M|1, N|1]).
 * alpha / beta come from attrs.alpha / attrs.beta (enn_attrs_init_op sets
 * both to 1). Prepare reduces C's shape to two element strides.
 */
#include "kernels/ref/matmul_ref.h"
#include "ops/f16_weights.h"
#include "ops/op_util.h"

static enn_status gemm_params(const enn_node *n, const enn_tensor_desc *const *in, void *state, enn_tensor_desc *out) {
  enn_gemm_params *p = state;
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, 2)) || (st = enn_expect_f32(n, in, 1, 2))) return st;
  if ((st = enn_check_act(n))) return st;
  const enn_attrs *at = &n->attrs;
  if ((at->trans_a != 0 && at->trans_a != 1) || (at->trans_b != 0 && at->trans_b != 1))
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "trans_a %d / trans_b %d must be 0 or 1", at->trans_a, at->trans_b);
  const enn_tensor_desc *a = in[0], *b = in[1];
  const int64_t m = at->trans_a ? a->dims[1] : a->dims[0], ka = at->trans_a ? a->dims[0] : a->dims[1];
  const int64_t kb = at->trans_b ? b->dims[1] : b->dims[0], nn = at->trans_b ? b->dims[0] : b->dims[1];
  char s1[96], s2[96];
  if (ka != kb)
    return enn_node_err(n, ENN_ERR_SHAPE, "A %s (trans_a %d) and B %s (trans_b %d) disagree on K: %lld vs %lld",
                        enn_desc_str(a, s1, sizeof s1), at->trans_a, enn_desc_str(b, s2, sizeof s2), at->trans_b,
                        (long long)ka, (long long)kb);
  int64_t crs = 0, ccs = 0;
  if (n->n_inputs > 2) {
    const enn_tensor_desc *c = in[2];
    if ((st = enn_expect_f32(n, in, 2, -1))) return st;
    const int64_t cm = c->rank == 2 ? c->dims[0] : 1, cn = c->rank >= 1 ? c->dims[c->rank - 1] : 1;
    if (c->rank > 2 || (cm != 1 && cm != m) || (cn != 1 && cn != nn))
      return enn_node_err(n, ENN_ERR_SHAPE, "C %s does not broadcast to the result [%lld,%lld]",
                          enn_desc_str(c, s1, sizeof s1), (long long)m, (long long)nn);
    crs = cm == 1 ? 0 : cn;
    ccs = cn == 1 ? 0 : 1;
  }
  if (p) {
    p->m = m;
    p->n = nn;
    p->k = ka;
    p->trans_a = at->trans_a;
    p->trans_b = at->trans_b;
    p->alpha = at->alpha;
    p->beta = at->beta;
    p->c_rs = crs;
    p->c_cs = ccs;
  }
  if (out) {
    int64_t od[2] = {m, nn};
    enn_tensor_desc_init(out, ENN_DTYPE_F32, 2, od);
  }
  return ENN_OK;
}

static enn_status gemm_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                             enn_tensor_desc *out) {
  enn_f16w_descs v; /* constant F16 B / C are accepted (f16_weights.h) */
  return gemm_params(n, enn_f16w_infer_descs(n, in, in_data, ENN_F16W_IN(1) | ENN_F16W_IN(2), &v), NULL, out);
}

static enn_status gemm_prepare_f32(enn_exec *e, enn_prepare_ctx *ctx) {
  return enn_prepare_params(e, ctx, sizeof(enn_gemm_params), gemm_params, "enn_f32_gemm__ref");
}

static enn_status gemm_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  return enn_f16w_prepare(e, ctx, ENN_F16W_IN(1) | ENN_F16W_IN(2), gemm_prepare_f32, NULL); /* f16 B, C */
}

static void gemm_run(const enn_exec *e) {
  enn_f32_gemm__ref(e->state, e->in[0], e->in[1], e->n_in > 2 ? e->in[2] : NULL, e->out[0]);
}

static int64_t gemm_macs(const enn_node *n, const enn_tensor_desc *const *in, const enn_tensor_desc *out) {
  /* M * N outputs, each a K-long dot product */
  return enn_tensor_desc_numel(out) * (n->attrs.trans_a ? in[0]->dims[0] : in[0]->dims[1]);
}

const enn_op_vtable enn_op_vt_gemm = {gemm_infer, gemm_prepare, gemm_run, gemm_macs};
