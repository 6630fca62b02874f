/*
 * Conv2D on int8 (conv2d.c dispatches here when input 0 is 8-bit):
 * x[N,H,W,C] int8 per tensor, w[O,KH,KW,C/groups] int8 per tensor or per
 * output channel (zero points allowed), optional b[O] int32 -> y int8 per
 * tensor, with a fused clamp (Relu / Relu6 / Clip). The geometry rules are
 * those of the f32 operator (groups, depthwise, stride, dilation, explicit /
 * SAME / VALID padding). Prepare turns the tensors' parameters into one
 * (multiplier, shift) per output channel and the activation into an integer
 * range; the kernel is kernels/ref/q8_conv_ref.h. Threads split the output
 * into blocks exactly as the f32 path does (integer results do not depend
 * on the split). Prepare then tries the SIMD fast paths (ops/fast_path.h:
 * depthwise first, conv2d_q8_dw_fast.c, then the GEMM, conv2d_q8_fast.c);
 * run uses the one found, else the reference.
 */
#include "base/threadpool.h"
#include "kernels/ref/q8_conv_ref.h"
#include "ops/fast_path.h"
#include "ops/qs8_ops.h"

/* The prepared op: the reference parameters and a fast path (run NULL:
 * the reference kernel runs). */
typedef struct q8_conv_state {
  enn_qs8_conv2d_params p;
  enn_fast_path fast;
} q8_conv_state;

static enn_status q8_conv_geometry(const enn_node *n, const enn_tensor_desc *const *in, enn_conv2d_params *p,
                                   enn_tensor_desc *out) {
  enn_status st;
  if ((st = enn_qs8_expect(n, in, 0, ENN_DTYPE_I8, 4)) || (st = enn_qs8_expect(n, in, 1, ENN_DTYPE_I8, 4))) return st;
  if (n->n_inputs > 2 && (st = enn_qs8_expect(n, in, 2, ENN_DTYPE_I32, 1))) return st;
  if ((st = enn_qs8_check_act(n))) return st;
  int64_t oh, ow;
  if ((st = enn_conv2d_geometry(n, in, p, &oh, &ow))) return st; /* conv2d.c: the f32 operator's shape rules */
  if (out) {
    enn_desc_nhwc(out, in[0]->dims[0], oh, ow, in[1]->dims[0]);
    out->dtype = ENN_DTYPE_I8;
  }
  return ENN_OK;
}

enn_status enn_qs8_conv2d_infer(const enn_node *n, const enn_tensor_desc *const *in, enn_tensor_desc *out) {
  return q8_conv_geometry(n, in, NULL, out);
}

enn_status enn_qs8_conv2d_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  const enn_node *n = e->node;
  const int64_t oc = e->in_desc[1]->dims[0];
  if (oc < 1 || oc > INT32_MAX / 4) return enn_node_err(n, ENN_ERR_SHAPE, "output channels out of range");
  q8_conv_state *s = enn_prepare_alloc(ctx, sizeof *s + 3 * (size_t)oc * sizeof(int32_t));
  if (!s) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_qs8_conv2d_params *p = &s->p;
  int32_t *arr = (int32_t *)(s + 1);
  enn_status st = q8_conv_geometry(n, e->in_desc, &p->geo, NULL);
  if (st) return st;
  const enn_tensor_desc *y = e->out_desc[0];
  if ((st = enn_qs8_linear_params(n, e->in_desc[0], e->in_desc[1], y, oc, arr, arr + oc, arr + 2 * oc))) return st;
  if ((st = enn_qs8_act_range(n, y, &p->act_lo, &p->act_hi))) return st;
  p->x_zp = e->in_desc[0]->quant.zero_point[0];
  p->y_zp = y->quant.zero_point[0];
  p->w_zp = arr;
  p->mult = arr + oc;
  p->shift = arr + 2 * oc;
  e->state = s;
  e->kernel = "enn_qs8_conv2d__ref";
  const int8_t *w = e->in[1];
  const int32_t *b = e->n_in > 2 ? e->in[2] : NULL;
  bool fused = false; /* a fused int8 block (conv2d_q8_chain.c) first */
  if ((st = enn_qs8_conv2d_chain_prepare(e, ctx, &s->fast, &fused)) || fused) return st;
  if ((st = enn_qs8_dwconv_fast_prepare(e, ctx, p, w, b, &s->fast))) return st;
  if (!s->fast.run && (st = enn_qs8_conv2d_fast_prepare(e, ctx, p, w, b, &s->fast))) return st;
  return ENN_OK;
}

/* Below this many MACs a convolution runs on the calling thread only. */
#define Q8_CONV_PAR_MIN_MACS 8192

typedef struct q8_conv_job {
  const enn_qs8_conv2d_params *p;
  const int8_t *x, *w;
  const int32_t *b;
  int8_t *y;
  enn_split2d split; /* output rows (n * oh) x channels */
} q8_conv_job;

static void q8_conv_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const q8_conv_job *j = ctx;
  for (int32_t t = begin; t < end; t++) {
    int64_t r0, r1;
    int32_t o0, o1;
    enn_split2d_task(&j->split, t, &r0, &r1, &o0, &o1);
    enn_qs8_conv2d_part__ref(j->p, j->x, j->w, j->b, j->y, r0, r1, o0, o1);
  }
}

void enn_qs8_conv2d_run(const enn_exec *e) {
  const q8_conv_state *s = e->state;
  if (enn_fast_run(e, &s->fast)) return;
  const enn_qs8_conv2d_params *p = &s->p;
  const enn_conv2d_params *g = &p->geo;
  const int32_t *b = e->n_in > 2 ? e->in[2] : NULL;
  const int32_t T = enn_threadpool_threads(e->pool);
  const int64_t rows = (int64_t)g->n * g->oh;
  const int64_t macs = rows * g->ow * g->oc * g->kh * g->kw * (g->ic / g->groups);
  if (T == 1 || macs < Q8_CONV_PAR_MIN_MACS) {
    enn_qs8_conv2d__ref(p, e->in[0], e->in[1], b, e->out[0]);
    return;
  }
  q8_conv_job j = {p, e->in[0], e->in[1], b, e->out[0], enn_split2d_make(rows, g->oc, T)};
  enn_threadpool_parallel_for(e->pool, j.split.tasks, q8_conv_task, &j);
}
