/*
 * int8 data movement: Concat, Split, Transpose, Slice, Pad, nearest Resize
 * and GlobalMaxPool (kernels/ref/q8_move_ref.h). Their f32 files keep the
 * shape logic; int8 nodes reach it through the adapters of qs8_ew_util.c
 * (infer / prepare on f32 copies of the descriptors), so this file only
 * holds what differs: the runs on bytes, the pad constant quantised with
 * the output's parameters, Concat's per-input requantisation, and the
 * refusal of bilinear int8 Resize.
 */
#include <stdio.h>

#include "kernels/ref/q8_move_ref.h"
#include "ops/qs8_ew.h"
#include "quant/requant.h"

enn_status enn_qs8_concat_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  const enn_node *n = e->node;
  float so = 0.0f, s = 0.0f;
  int32_t zo = 0, z = 0;
  enn_status st = enn_qs8ew_params(n, e->out_desc[0], "output", &so, &zo);
  if (st) return st;
  if (e->n_in < 1 || e->n_in > ENN_MAX_SPLITS)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "takes 1..%d inputs (got %d)", ENN_MAX_SPLITS, e->n_in);
  enn_qs8_concat_params *p = enn_prepare_alloc(ctx, sizeof *p);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  const enn_tensor_desc *y = e->out_desc[0];
  int32_t axis = 0;
  if ((st = enn_node_axis(n, y->rank, &axis))) return st;
  enn_concat_params_init(&p->geo, y, axis, e->in_desc, e->n_in);
  bool any = false;
  for (int32_t t = 0; t < e->n_in; t++) {
    char what[32];
    snprintf(what, sizeof what, "input %d", t);
    if ((st = enn_qs8ew_params(n, e->in_desc[t], what, &s, &z))) return st;
    enn_qs8_concat_input(p, t, s, z, so, zo);
    any |= p->requant[t] != 0;
  }
  p->out_zp = zo;
  e->state = p;
  e->kernel = any ? "enn_qs8_concat_requant__ref" : "enn_qs8_concat__ref";
  return ENN_OK;
}

void enn_qs8_concat_run(const enn_exec *e) {
  const int8_t *x[ENN_MAX_SPLITS];
  for (int32_t t = 0; t < e->n_in; t++) x[t] = e->in[t];
  enn_qs8_concat__ref(e->state, x, e->out[0]);
}

void enn_qs8_split_run(const enn_exec *e) {
  int8_t *y[ENN_MAX_SPLITS];
  for (int32_t t = 0; t < e->n_out; t++) y[t] = e->out[t];
  enn_qs8_split__ref(e->state, e->in[0], y);
}

void enn_qs8_transpose_run(const enn_exec *e) { enn_qs8_transpose__ref(e->state, e->in[0], e->out[0]); }

void enn_qs8_slice_run(const enn_exec *e) { enn_qs8_slice__ref(e->state, e->in[0], e->out[0]); }

enn_status enn_qs8_pad_prepare(enn_exec *e, enn_prepare_ctx *ctx, enn_prepare_fn f32_prepare) {
  enn_status st = enn_qs8_prepare_as_f32(e, ctx, f32_prepare, "enn_qs8_pad__ref");
  if (st) return st;
  enn_pad_params *p = e->state;
  const enn_tensor_desc *y = e->out_desc[0];
  /* the pad constant as an int8 value of the output (0.0 -> the zero point) */
  p->value = (float)enn_quantize_f32(e->node->attrs.value, y->quant.scale[0], y->quant.zero_point[0], -128, 127);
  return ENN_OK;
}

void enn_qs8_pad_run(const enn_exec *e) {
  const enn_pad_params *p = e->state;
  enn_qs8_pad__ref(p, (int8_t)p->value, e->in[0], e->out[0]);
}

enn_status enn_qs8_resize_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                enn_tensor_desc *out, enn_infer_fn f32_infer) {
  if (n->attrs.mode != ENN_RESIZE_NEAREST)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "int8 Resize supports mode nearest only (got mode %d)", n->attrs.mode);
  return enn_qs8_infer_as_f32(n, in, in_data, out, f32_infer);
}

void enn_qs8_resize_run(const enn_exec *e) { enn_qs8_resize_nearest__ref(e->state, e->in[0], e->out[0]); }

void enn_qs8_global_max_pool_run(const enn_exec *e) { enn_qs8_global_max_pool__ref(e->state, e->in[0], e->out[0]); }
