/*
 * The int8 paths of the pooling and mean operators (qs8_ops.h):
 *   MaxPool / AvgPool  - TFLite's integer pooling: values are never
 *                        rescaled, so the output tensor must carry exactly
 *                        the input's parameters (infer propagates them;
 *                        prepare refuses a mismatch). Kernels:
 *                        kernels/ref/q8_pool_ref.h.
 *   GlobalAvgPool,     - TFLite MEAN (reference kernel): sum, subtract the
 *   ReduceMean           input zero point, rescale by s_in / (s_out * count)
 *                        in fixed point; output parameters free. Kernel:
 *                        kernels/ref/q8_mean_ref.h.
 */
#include "kernels/ref/q8_mean_ref.h"
#include "kernels/ref/q8_pool_ref.h"
#include "ops/qs8_ops.h"

enn_status enn_qs8_spatial_input(const enn_node *n, const enn_tensor_desc *const *in) {
  enn_status st;
  if ((st = enn_qs8_expect(n, in, 0, ENN_DTYPE_I8, 4)) || (st = enn_qs8_check_act(n))) return st;
  const enn_tensor_desc *x = in[0];
  if (x->quant.count > 1)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "input 0 is quantised per axis; int8 pooling takes per-tensor input");
  for (int32_t i = 0; i < 4; i++)
    if (x->dims[i] < 1 || x->dims[i] > INT32_MAX / 4) {
      char b[96];
      return enn_node_err(n, ENN_ERR_SHAPE, "input %s: every dimension must be in 1..%d", enn_desc_str(x, b, sizeof b),
                          INT32_MAX / 4);
    }
  return ENN_OK;
}

void enn_qs8_pool_out(enn_tensor_desc *out, const enn_tensor_desc *x) {
  out->dtype = ENN_DTYPE_I8;
  if (x->quant.count == 1) out->quant = x->quant; /* copied by the graph */
}

enn_status enn_qs8_pool_prepare(enn_exec *e, enn_prepare_ctx *ctx, enn_params_fn geometry) {
  const enn_node *n = e->node;
  enn_qs8_pool2d_params *p = enn_prepare_alloc(ctx, sizeof *p);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_status st = geometry(n, e->in_desc, &p->geo, NULL);
  if (st) return st;
  const enn_tensor_desc *x = e->in_desc[0], *y = e->out_desc[0];
  if ((st = enn_qs8_check_quant(n, x, "input 0", true)) || (st = enn_qs8_check_quant(n, y, "output", true))) return st;
  if (y->dtype != ENN_DTYPE_I8 || !enn_qs8_same_quant(&x->quant, &y->quant))
    return enn_node_err(n, ENN_ERR_UNSUPPORTED,
                        "int8 pooling does not rescale: the output's parameters (scale %g, zero point %d) must equal "
                        "the input's (scale %g, zero point %d)",
                        (double)y->quant.scale[0], y->quant.zero_point[0], (double)x->quant.scale[0],
                        x->quant.zero_point[0]);
  if ((st = enn_qs8_act_range(n, y, &p->lo, &p->hi))) return st;
  p->zp = x->quant.zero_point[0];
  e->state = p;
  e->kernel = n->op == ENN_OP_AVG_POOL ? "enn_qs8_avg_pool2d__ref" : "enn_qs8_max_pool2d__ref";
  return ENN_OK;
}

void enn_qs8_max_pool_run(const enn_exec *e) { enn_qs8_max_pool2d__ref(e->state, e->in[0], e->out[0]); }
void enn_qs8_avg_pool_run(const enn_exec *e) { enn_qs8_avg_pool2d__ref(e->state, e->in[0], e->out[0]); }

enn_status enn_qs8_mean_prepare(enn_exec *e, enn_prepare_ctx *ctx, const bool *reduce) {
  const enn_node *n = e->node;
  const enn_tensor_desc *x = e->in_desc[0], *y = e->out_desc[0];
  enn_status st;
  if ((st = enn_qs8_check_quant(n, x, "input 0", true)) || (st = enn_qs8_check_quant(n, y, "output", true))) return st;
  if (y->dtype != ENN_DTYPE_I8) return enn_node_err(n, ENN_ERR_DTYPE, "output must be int8");
  enn_qs8_mean_params *p = enn_prepare_alloc(ctx, sizeof *p);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_reduce_params_init(&p->r, x, reduce);
  if (p->r.count < 1 || p->r.count > ENN_QS8_MEAN_MAX_COUNT)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "an int8 mean over %lld elements (the limit is %lld)",
                        (long long)p->r.count, (long long)ENN_QS8_MEAN_MAX_COUNT);
  if ((st = enn_qs8_act_range(n, y, &p->lo, &p->hi))) return st;
  p->x_zp = x->quant.zero_point[0];
  p->y_zp = y->quant.zero_point[0];
  enn_qs8_mean_multiplier((double)x->quant.scale[0] / (double)y->quant.scale[0], p->r.count, &p->mult, &p->shift);
  e->state = p;
  e->kernel = n->op == ENN_OP_GLOBAL_AVG_POOL ? "enn_qs8_global_avg_pool__ref" : "enn_qs8_reduce_mean__ref";
  return ENN_OK;
}

void enn_qs8_mean_run(const enn_exec *e) { enn_qs8_reduce_mean__ref(e->state, e->in[0], e->out[0]); }
