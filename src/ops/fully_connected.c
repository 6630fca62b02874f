/*
 * FullyConnected: x[..., K] (f32, rank >= 1; leading dims are batch),
 * w[N, K], optional b[N] -> y[..., N], with a fused activation.
 * y = act(x . w^T + b) row by row (kernels/ref/fc_ref.h).
 */
#include <string.h>

#include "kernels/ref/fc_ref.h"
#include "ops/op_util.h"

static enn_status fc_params(const enn_node *n, const enn_tensor_desc *const *in, enn_fc_params *p,
                            enn_tensor_desc *out) {
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, -1)) || (st = enn_expect_f32(n, in, 1, 2))) return st;
  if (n->n_inputs > 2 && (st = enn_expect_f32(n, in, 2, 1))) return st;
  if ((st = enn_check_act(n))) return st;
  const enn_tensor_desc *x = in[0], *w = in[1];
  char b1[96], b2[96];
  if (x->rank < 1)
    return enn_node_err(n, ENN_ERR_SHAPE, "input 0 is a scalar; expected [..., K] with rank >= 1");
  const int64_t k = x->dims[x->rank - 1], nout = w->dims[0];
  if (w->dims[1] != k || k < 1 || nout < 1)
    return enn_node_err(n, ENN_ERR_SHAPE, "input %s has %lld features but weight %s is [N, K] with K = %lld",
                        enn_desc_str(x, b1, sizeof b1), (long long)k, enn_desc_str(w, b2, sizeof b2),
                        (long long)w->dims[1]);
  if (n->n_inputs > 2 && in[2]->dims[0] != nout)
    return enn_node_err(n, ENN_ERR_SHAPE, "bias has %lld values for %lld outputs", (long long)in[2]->dims[0],
                        (long long)nout);
  int64_t rows = 1;
  for (int32_t i = 0; i < x->rank - 1; i++) rows *= x->dims[i]; /* bounded by the element count check */
  if (p) {
    memset(p, 0, sizeof *p);
    p->rows = rows;
    p->k = k;
    p->n = nout;
    p->act = enn_act_params_from(&n->attrs);
  }
  if (out) {
    enn_tensor_desc_init(out, ENN_DTYPE_F32, x->rank, x->dims);
    out->dims[x->rank - 1] = nout;
  }
  return ENN_OK;
}

static enn_status fc_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                           enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  return fc_params(n, in, NULL, out);
}

static enn_status fc_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  enn_fc_params *p = enn_prepare_alloc(ctx, sizeof *p);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_status st = fc_params(e->node, e->in_desc, p, NULL);
  if (st) return st;
  e->state = p;
  e->kernel = "enn_f32_fully_connected__ref";
  return ENN_OK;
}

static void fc_run(const enn_exec *e) {
  enn_f32_fully_connected__ref(e->state, e->in[0], e->in[1], e->n_in > 2 ? e->in[2] : NULL, e->out[0]);
}

static int64_t fc_macs(const enn_node *n, const enn_tensor_desc *const *in, const enn_tensor_desc *out) {
  ENN_UNUSED(n);
  /* per output element: K multiply-adds */
  return enn_tensor_desc_numel(out) * in[1]->dims[1];
}

const enn_op_vtable enn_op_vt_fully_connected = {fc_infer, fc_prepare, fc_run, fc_macs};
