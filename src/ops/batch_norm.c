/*
 * BatchNorm (inference): x[..., C] (channel = last axis, NHWC), gamma,
 * beta, mean, var [C] -> y = act(gamma * (x - mean) / sqrt(var + eps) + beta).
 * The per-channel statistics may be constants or computed tensors, so the
 * scale gamma / sqrt(var + eps) is formed at run time into C floats of
 * planned scratch (kernels/ref/bn_ref.h). In-place safe (y may alias x).
 */
#include <math.h>

#include "kernels/ref/bn_ref.h"
#include "ops/op_util.h"

static const char *const bn_input_names[5] = {"x", "gamma", "beta", "mean", "var"};

static enn_status bn_params(const enn_node *n, const enn_tensor_desc *const *in, void *state, enn_tensor_desc *out) {
  enn_batch_norm_params *p = state;
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, -1))) return st;
  for (int32_t i = 1; i < 5; i++)
    if ((st = enn_expect_f32(n, in, i, 1))) return st;
  if ((st = enn_check_act(n))) return st;
  const enn_tensor_desc *x = in[0];
  char b[96];
  if (x->rank < 1) return enn_node_err(n, ENN_ERR_SHAPE, "input is a scalar; expected [..., C]");
  const int64_t c = x->dims[x->rank - 1];
  for (int32_t i = 1; i < 5; i++)
    if (in[i]->dims[0] != c)
      return enn_node_err(n, ENN_ERR_SHAPE, "%s has %lld values but input %s has %lld channels (last axis)",
                          bn_input_names[i], (long long)in[i]->dims[0], enn_desc_str(x, b, sizeof b), (long long)c);
  const float eps = n->attrs.epsilon;
  if (!(eps >= 0.0f) || isinf(eps))
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "epsilon %g must be finite and >= 0", (double)eps);
  if (p) {
    p->c = c;
    p->rows = c ? enn_tensor_desc_numel(x) / c : 0;
    p->eps = eps;
    p->act = enn_act_params_from(&n->attrs);
  }
  if (out) enn_tensor_desc_init(out, ENN_DTYPE_F32, x->rank, x->dims);
  return ENN_OK;
}

static enn_status bn_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                           enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  return bn_params(n, in, NULL, out);
}

static enn_status bn_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  enn_status st = enn_prepare_params(e, ctx, sizeof(enn_batch_norm_params), bn_params, "enn_f32_batch_norm__ref");
  if (st) return st;
  const enn_batch_norm_params *p = e->state;
  e->scratch_bytes = (size_t)p->c * sizeof(float);
  return ENN_OK;
}

static void bn_run(const enn_exec *e) {
  enn_f32_batch_norm__ref(e->state, e->in[0], e->in[1], e->in[2], e->in[3], e->in[4], e->scratch, e->out[0]);
}

const enn_op_vtable enn_op_vt_batch_norm = {bn_infer, bn_prepare, bn_run, NULL};
