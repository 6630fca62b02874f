/*
 * Shared pieces of the int8 element-wise / data-movement operator forms
 * (qs8_ew.h): the per-tensor parameter read, and the adapters that let an
 * int8 data-movement operator reuse its f32 shape inference and geometry
 * preparation (those depend on shapes only) by presenting f32 copies of
 * its descriptors.
 */
#include <stdio.h>

#include "ops/qs8_ew.h"

enn_status enn_qs8ew_params(const enn_node *n, const enn_tensor_desc *d, const char *what, float *scale, int32_t *zp) {
  if (d->dtype != ENN_DTYPE_I8)
    return enn_node_err(n, ENN_ERR_DTYPE, "%s has dtype %s, expected i8", what, enn_dtype_name(d->dtype));
  enn_status st = enn_qs8_check_quant(n, d, what, true);
  if (st) return st;
  *scale = d->quant.scale[0];
  *zp = d->quant.zero_point[0];
  return ENN_OK;
}

enn_status enn_qs8_infer_as_f32(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                enn_tensor_desc *out, enn_infer_fn f32_infer) {
  ENN_UNUSED(in_data);
  if (n->n_inputs < 1 || n->n_inputs > ENN_MAX_SPLITS)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "takes 1..%d inputs (got %d)", ENN_MAX_SPLITS, n->n_inputs);
  enn_tensor_desc f[ENN_MAX_SPLITS];
  const enn_tensor_desc *fp[ENN_MAX_SPLITS];
  const void *no_data[ENN_MAX_SPLITS];
  bool same = in[0]->quant.count == 1;
  enn_status st;
  for (int32_t i = 0; i < n->n_inputs; i++) {
    if ((st = enn_qs8_expect(n, in, i, ENN_DTYPE_I8, -1))) return st;
    if (in[i]->quant.count > 1)
      return enn_node_err(n, ENN_ERR_UNSUPPORTED,
                          "input %d is quantised per axis (%u scales); the int8 %s takes per-tensor parameters", i,
                          in[i]->quant.count, enn_op_name(n->op));
    if (i > 0 && !enn_qs8_same_quant(&in[0]->quant, &in[i]->quant)) same = false;
    f[i] = *in[i];
    f[i].dtype = ENN_DTYPE_F32;
    f[i].quant.axis = -1;
    f[i].quant.count = 0;
    f[i].quant.scale = NULL;
    f[i].quant.zero_point = NULL;
    fp[i] = &f[i];
    no_data[i] = NULL;
  }
  if ((st = f32_infer(n, fp, no_data, out))) return st;
  for (int32_t k = 0; k < n->n_outputs; k++) {
    out[k].dtype = ENN_DTYPE_I8;
    if (same) out[k].quant = in[0]->quant;
  }
  return ENN_OK;
}

enn_status enn_qs8_prepare_as_f32(enn_exec *e, enn_prepare_ctx *ctx, enn_prepare_fn f32_prepare, const char *kernel) {
  const enn_node *n = e->node;
  if (e->n_in > ENN_MAX_SPLITS || e->n_out > ENN_MAX_SPLITS)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "more than %d inputs or outputs", ENN_MAX_SPLITS);
  float s0 = 0.0f, s = 0.0f;
  int32_t z0 = 0, z = 0;
  enn_status st = enn_qs8ew_params(n, e->in_desc[0], "input 0", &s0, &z0);
  if (st) return st;
  for (int32_t k = 0; k < e->n_out; k++) {
    char what[32];
    snprintf(what, sizeof what, "output %d", k);
    if ((st = enn_qs8ew_params(n, e->out_desc[k], what, &s, &z))) return st;
    if (s != s0 || z != z0)
      return enn_node_err(n, ENN_ERR_UNSUPPORTED,
                          "output %d has quantisation (scale %g, zero point %d) but input 0 has (%g, %d); %s moves "
                          "int8 values unchanged and cannot requantise",
                          k, (double)s, (int)z, (double)s0, (int)z0, enn_op_name(n->op));
  }
  enn_tensor_desc fi[ENN_MAX_SPLITS], fo[ENN_MAX_SPLITS];
  const enn_tensor_desc *pi[ENN_MAX_SPLITS], *po[ENN_MAX_SPLITS];
  for (int32_t i = 0; i < e->n_in; i++) {
    fi[i] = *e->in_desc[i];
    fi[i].dtype = ENN_DTYPE_F32;
    pi[i] = &fi[i];
  }
  for (int32_t k = 0; k < e->n_out; k++) {
    fo[k] = *e->out_desc[k];
    fo[k].dtype = ENN_DTYPE_F32;
    po[k] = &fo[k];
  }
  const enn_tensor_desc **si = e->in_desc, **so = e->out_desc;
  e->in_desc = pi;
  e->out_desc = po;
  st = f32_prepare(e, ctx);
  e->in_desc = si;
  e->out_desc = so;
  if (st) return st;
  e->kernel = kernel;
  return ENN_OK;
}
