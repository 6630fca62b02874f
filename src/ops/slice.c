/*
 * Slice with ONNX semantics. For each listed axis (attrs.axes[0..n_axes),
 * negative = from the end, no repeats) with start, end and step (step != 0):
 *   negative start / end get the dimension added;
 *   step > 0: start and end are clamped to [0, dim]; count = ceil((end - start) / step) or 0;
 *   step < 0: start is clamped to [0, dim-1], end to [-1, dim-1];
 *             count = ceil((start - end) / -step) or 0;
 * so INT64_MAX / INT64_MIN ends mean "to the end" in either direction.
 * Unlisted axes are kept whole. infer and prepare share the resolution;
 * the kernel is a strided gather (slice_ref.h).
 */
#include "kernels/ref/slice_ref.h"
#include "ops/op_util.h"
#include "ops/qs8_ew.h"

/* Resolved per input axis: first index, step and output count. */
typedef struct slice_plan {
  int64_t start[ENN_MAX_RANK], step[ENN_MAX_RANK], count[ENN_MAX_RANK];
} slice_plan;

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

static enn_status slice_resolve(const enn_node *n, const enn_tensor_desc *x, slice_plan *sp) {
  const enn_attrs *a = &n->attrs;
  const int32_t r = x->rank;
  for (int32_t k = 0; k < r; k++) {
    sp->start[k] = 0;
    sp->step[k] = 1;
    sp->count[k] = x->dims[k];
  }
  enn_status st = enn_check_n_axes(n, r);
  if (st) return st;
  bool seen[ENN_MAX_RANK] = {false};
  for (int32_t i = 0; i < a->n_axes; i++) {
    int32_t ax;
    if ((st = enn_node_axes_item(n, i, r, seen, &ax))) return st;
    const int64_t dim = x->dims[ax], step = a->steps[i];
    if (step == 0) return enn_node_err(n, ENN_ERR_INVALID_ARG, "steps[%d] is 0", i);
    int64_t s = a->starts[i], e = a->ends[i], cnt;
    if (s < 0) s += dim; /* cannot overflow: s < 0 <= dim */
    if (e < 0) e += dim;
    if (dim == 0) cnt = 0;
    else if (step > 0) {
      s = clamp64(s, 0, dim);
      e = clamp64(e, 0, dim);
      cnt = e > s ? (e - s - 1) / step + 1 : 0;
    } else {
      s = clamp64(s, 0, dim - 1);
      e = clamp64(e, -1, dim - 1);
      /* (s - e - 1) / step truncates toward zero: -floor((s-e-1)/|step|) */
      cnt = s > e ? 1 - (s - e - 1) / step : 0;
    }
    sp->start[ax] = s;
    sp->step[ax] = cnt > 1 ? step : 1; /* |step| <= dim when it matters: no stride overflow */
    sp->count[ax] = cnt;
  }
  return ENN_OK;
}

static enn_status slice_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                              enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  if (in[0]->dtype == ENN_DTYPE_I8) return enn_qs8_infer_as_f32(n, in, in_data, out, slice_infer); /* qs8_ew.h */
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, -1))) return st;
  if ((st = enn_check_act(n))) return st;
  slice_plan sp;
  if ((st = slice_resolve(n, in[0], &sp))) return st;
  enn_tensor_desc_init(out, ENN_DTYPE_F32, in[0]->rank, sp.count);
  return ENN_OK;
}

static enn_status slice_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) return enn_qs8_prepare_as_f32(e, ctx, slice_prepare, "enn_qs8_slice__ref");
  enn_slice_params *p = enn_prepare_alloc(ctx, sizeof *p);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  slice_plan sp;
  enn_status st = slice_resolve(e->node, e->in_desc[0], &sp);
  if (st) return st;
  enn_slice_params_init(p, e->in_desc[0], sp.start, sp.step, sp.count);
  e->state = p;
  e->kernel = "enn_f32_slice__ref";
  return ENN_OK;
}

static void slice_run(const enn_exec *e) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) enn_qs8_slice_run(e);
  else enn_f32_slice__ref(e->state, e->in[0], e->out[0]);
}

const enn_op_vtable enn_op_vt_slice = {slice_infer, slice_prepare, slice_run, NULL};
