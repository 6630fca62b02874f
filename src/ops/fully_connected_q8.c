/*
 * FullyConnected on int8 (fully_connected.c dispatches here when input 0 is
 * 8-bit): x[..., K] int8 per tensor, w[N, K] int8 per tensor or per output
 * (axis 0, zero points allowed), optional b[N] int32 -> y[..., N] int8 per
 * tensor with a fused clamp. Prepare computes one (multiplier, shift) per
 * output and the activation's integer range; the kernel is the int8 GEMM
 * (conv2d_q8_fast.c) when one applies, else kernels/ref/q8_fc_ref.h.
 * Threads split rows x outputs like the f32 path.
 */
#include "base/threadpool.h"
#include "kernels/ref/q8_fc_ref.h"
#include "ops/fast_path.h"
#include "ops/qs8_ops.h"

/* The prepared op: the reference parameters and a fast path (run NULL:
 * the reference kernel runs). */
typedef struct q8_fc_state {
  enn_qs8_fc_params p;
  enn_fast_path fast;
} q8_fc_state;

static enn_status q8_fc_shape(const enn_node *n, const enn_tensor_desc *const *in, enn_qs8_fc_params *p,
                              enn_tensor_desc *out) {
  enn_status st;
  if ((st = enn_qs8_expect(n, in, 0, ENN_DTYPE_I8, -1)) || (st = enn_qs8_expect(n, in, 1, ENN_DTYPE_I8, 2))) return st;
  if (n->n_inputs > 2 && (st = enn_qs8_expect(n, in, 2, ENN_DTYPE_I32, 1))) return st;
  if ((st = enn_qs8_check_act(n))) return st;
  const enn_tensor_desc *x = in[0], *w = in[1];
  char b1[96], b2[96];
  if (x->rank < 1) return enn_node_err(n, ENN_ERR_SHAPE, "input 0 is a scalar; expected [..., K] with rank >= 1");
  const int64_t k = x->dims[x->rank - 1], nout = w->dims[0];
  if (w->dims[1] != k || k < 1 || nout < 1)
    return enn_node_err(n, ENN_ERR_SHAPE, "input %s has %lld features but weight %s is [N, K] with K = %lld",
                        enn_desc_str(x, b1, sizeof b1), (long long)k, enn_desc_str(w, b2, sizeof b2),
                        (long long)w->dims[1]);
  if (nout > INT32_MAX / 4) return enn_node_err(n, ENN_ERR_SHAPE, "%lld outputs is too many", (long long)nout);
  if (n->n_inputs > 2 && in[2]->dims[0] != nout)
    return enn_node_err(n, ENN_ERR_SHAPE, "bias has %lld values for %lld outputs", (long long)in[2]->dims[0],
                        (long long)nout);
  if (p) {
    p->rows = 1;
    for (int32_t i = 0; i < x->rank - 1; i++) p->rows *= x->dims[i];
    p->k = k;
    p->n = nout;
  }
  if (out) {
    enn_tensor_desc_init(out, ENN_DTYPE_I8, x->rank, x->dims);
    out->dims[x->rank - 1] = nout;
  }
  return ENN_OK;
}

enn_status enn_qs8_fc_infer(const enn_node *n, const enn_tensor_desc *const *in, enn_tensor_desc *out) {
  return q8_fc_shape(n, in, NULL, out);
}

enn_status enn_qs8_fc_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  const enn_node *n = e->node;
  const int64_t nout = e->in_desc[1]->dims[0];
  if (nout < 1 || nout > INT32_MAX / 4) return enn_node_err(n, ENN_ERR_SHAPE, "outputs out of range");
  q8_fc_state *s = enn_prepare_alloc(ctx, sizeof *s + 3 * (size_t)nout * sizeof(int32_t));
  if (!s) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_qs8_fc_params *p = &s->p;
  int32_t *arr = (int32_t *)(s + 1);
  enn_status st = q8_fc_shape(n, e->in_desc, p, NULL);
  if (st) return st;
  const enn_tensor_desc *y = e->out_desc[0];
  if ((st = enn_qs8_linear_params(n, e->in_desc[0], e->in_desc[1], y, nout, arr, arr + nout, arr + 2 * nout)))
    return st;
  if ((st = enn_qs8_act_range(n, y, &p->act_lo, &p->act_hi))) return st;
  p->x_zp = e->in_desc[0]->quant.zero_point[0];
  p->y_zp = y->quant.zero_point[0];
  p->w_zp = arr;
  p->mult = arr + nout;
  p->shift = arr + 2 * nout;
  e->state = s;
  e->kernel = "enn_qs8_fully_connected__ref";
  s->fast.run = NULL;
  return enn_qs8_fc_fast_prepare(e, ctx, p, e->in[1], e->n_in > 2 ? e->in[2] : NULL, &s->fast);
}

/* Below this many MACs the layer runs on the calling thread only. */
#define Q8_FC_PAR_MIN_MACS 8192

typedef struct q8_fc_job {
  const enn_qs8_fc_params *p;
  const int8_t *x, *w;
  const int32_t *b;
  int8_t *y;
  enn_split2d split; /* rows x outputs */
} q8_fc_job;

static void q8_fc_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const q8_fc_job *j = ctx;
  for (int32_t t = begin; t < end; t++) {
    int64_t r0, r1;
    int32_t o0, o1;
    enn_split2d_task(&j->split, t, &r0, &r1, &o0, &o1);
    enn_qs8_fully_connected_part__ref(j->p, j->x, j->w, j->b, j->y, r0, r1, o0, o1);
  }
}

void enn_qs8_fc_run(const enn_exec *e) {
  const q8_fc_state *s = e->state;
  if (enn_fast_run(e, &s->fast)) return;
  const enn_qs8_fc_params *p = &s->p;
  const int32_t *b = e->n_in > 2 ? e->in[2] : NULL;
  const int32_t T = enn_threadpool_threads(e->pool);
  if (T == 1 || p->rows * p->n * p->k < Q8_FC_PAR_MIN_MACS) {
    enn_qs8_fully_connected__ref(p, e->in[0], e->in[1], b, e->out[0]);
    return;
  }
  q8_fc_job j = {p, e->in[0], e->in[1], b, e->out[0], enn_split2d_make(p->rows, (int32_t)p->n, T)};
  enn_threadpool_parallel_for(e->pool, j.split.tasks, q8_fc_task, &j);
}
