/*
 * int8 Add, Sub, Mul and PRelu (TFLite's integer kernels; formulas in
 * kernels/ref/q8_binary_ref.h). infer checks dtypes / broadcasting and that
 * a fused activation is a clamp; prepare turns the three tensors' scales
 * into fixed-point multipliers exactly as TFLite's Prepare does (including
 * which products are formed in float) and the fused activation into an
 * integer range; run is the kernel call. Add and Sub of two operands with
 * the output's shape (no broadcasting) run the QS8_VADD kernel of the
 * session's ISA when there is one (kernels.h; bit-exact with the
 * reference), split over the thread pool in 64-element-aligned chunks.
 */
#include "base/threadpool.h"
#include "kernels/kernels.h"
#include "kernels/ref/q8_binary_ref.h"
#include "ops/qs8_ew.h"
#include "quant/requant.h"

/* The prepared op: reference parameters, and the element-wise kernel
 * (NULL: the reference runs) with its scalars. */
typedef struct q8_bin_state {
  enn_qs8_binary_params p;
  const enn_kernel *k;
  enn_qs8_add_params ap;
} q8_bin_state;

/* Add / Sub on same-shape operands: the QS8_VADD kernel, if any. */
static void choose_vadd(const enn_exec *e, q8_bin_state *s) {
  const enn_qs8_binary_params *p = &s->p;
  const int64_t n = p->geo.numel;
  if (e->node->op == ENN_OP_MUL || n < 1 || enn_tensor_desc_numel(e->in_desc[0]) != n ||
      enn_tensor_desc_numel(e->in_desc[1]) != n)
    return;
  const enn_kernel *k = enn_kernel_find(ENN_KOP_QS8_VADD, ENN_DTYPE_I8, 0, 0);
  if (!k) return;
  s->k = k;
  enn_qs8_add_params *a = &s->ap;
  a->a_zp = p->a_zp;
  a->b_zp = p->b_zp;
  a->y_zp = p->y_zp;
  a->left_shift = p->left_shift;
  a->a_mult = p->a_mult;
  a->a_shift = p->a_shift;
  a->b_mult = p->b_mult;
  a->b_shift = p->b_shift;
  a->y_mult = p->y_mult;
  a->y_shift = p->y_shift;
  a->lo = p->lo;
  a->hi = p->hi;
}

enn_status enn_qs8_binary_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  enn_status st;
  if (n->op != ENN_OP_ADD && n->op != ENN_OP_SUB && n->op != ENN_OP_MUL)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "%s has no int8 form (int8: Add, Sub, Mul)", enn_op_name(n->op));
  for (int32_t i = 0; i < 2; i++) {
    if ((st = enn_qs8_expect(n, in, i, ENN_DTYPE_I8, -1))) return st;
    if (in[i]->quant.count > 1)
      return enn_node_err(n, ENN_ERR_UNSUPPORTED,
                          "input %d is quantised per axis (%u scales); int8 %s takes per-tensor parameters", i,
                          in[i]->quant.count, enn_op_name(n->op));
  }
  if ((st = enn_qs8_check_act(n))) return st;
  if (enn_desc_broadcast(in[0], in[1], out) != ENN_OK) {
    char a[96], b[96];
    return enn_node_err(n, ENN_ERR_SHAPE, "input shapes %s and %s do not broadcast", enn_desc_str(in[0], a, sizeof a),
                        enn_desc_str(in[1], b, sizeof b));
  }
  out->dtype = ENN_DTYPE_I8;
  out->quant.axis = -1;
  out->quant.count = 0;
  out->quant.scale = NULL;
  out->quant.zero_point = NULL;
  return ENN_OK;
}

/* The three per-tensor parameter pairs of a binary node. */
static enn_status three_params(const enn_exec *e, float s[3], int32_t z[3]) {
  enn_status st;
  if ((st = enn_qs8ew_params(e->node, e->in_desc[0], "input 0", &s[0], &z[0])) ||
      (st = enn_qs8ew_params(e->node, e->in_desc[1], "input 1", &s[1], &z[1])) ||
      (st = enn_qs8ew_params(e->node, e->out_desc[0], "output", &s[2], &z[2])))
    return st;
  return ENN_OK;
}

enn_status enn_qs8_binary_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  const enn_node *n = e->node;
  float s[3] = {0.0f, 0.0f, 0.0f};
  int32_t z[3] = {0, 0, 0};
  enn_status st = three_params(e, s, z);
  if (st) return st;
  q8_bin_state *sp = enn_prepare_alloc(ctx, sizeof *sp);
  if (!sp) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_qs8_binary_params *p = &sp->p;
  const enn_act_params none = {ENN_ACT_NONE, 0.0f, 0.0f, 0.0f, 0.0f};
  const bool mul = n->op == ENN_OP_MUL;
  enn_binary_params_init(&p->geo, mul ? ENN_BINOP_MUL : ENN_BINOP_ADD, e->in_desc[0], e->in_desc[1], &none);
  p->a_zp = z[0];
  p->b_zp = z[1];
  p->y_zp = z[2];
  if ((st = enn_qs8_act_range(n, e->out_desc[0], &p->lo, &p->hi))) return st;
  if (mul) {
    /* TFLite: double real = s1 * s2 / so, evaluated in float */
    const float m = s[0] * s[1] / s[2];
    enn_quantize_multiplier((double)m, &p->y_mult, &p->y_shift);
  } else {
    p->left_shift = 20;
    const float twice_f = 2.0f * (s[0] > s[1] ? s[0] : s[1]);
    const double twice = (double)twice_f;
    enn_quantize_multiplier((double)s[0] / twice, &p->a_mult, &p->a_shift);
    enn_quantize_multiplier((double)s[1] / twice, &p->b_mult, &p->b_shift);
    const float denom = (float)(1 << p->left_shift) * s[2];
    enn_quantize_multiplier(twice / (double)denom, &p->y_mult, &p->y_shift);
    if (p->y_shift > 0)
      return enn_node_err(n, ENN_ERR_UNSUPPORTED,
                          "output scale %g is too small for input scales %g and %g (rescale factor %g >= 1; TFLite "
                          "refuses this too)",
                          (double)s[2], (double)s[0], (double)s[1], twice / (double)denom);
    if (n->op == ENN_OP_SUB) p->b_mult = -p->b_mult; /* TFLite runs Sub as Add with input 2 negated */
  }
  e->state = sp;
  e->kernel = mul ? "enn_qs8_mul__ref" : (n->op == ENN_OP_SUB ? "enn_qs8_sub__ref" : "enn_qs8_add__ref");
  choose_vadd(e, sp);
  if (sp->k) e->kernel = sp->k->name;
  return ENN_OK;
}

enn_status enn_qs8_prelu_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                               enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  enn_status st;
  for (int32_t i = 0; i < 2; i++) {
    if ((st = enn_qs8_expect(n, in, i, ENN_DTYPE_I8, -1))) return st;
    if (in[i]->quant.count > 1)
      return enn_node_err(n, ENN_ERR_UNSUPPORTED,
                          "input %d is quantised per axis (%u scales); int8 PRelu takes per-tensor parameters", i,
                          in[i]->quant.count);
  }
  if ((st = enn_check_act(n))) return st;
  enn_tensor_desc b;
  if (enn_desc_broadcast(in[0], in[1], &b) != ENN_OK || !enn_desc_same_shape(&b, in[0])) {
    char xs[96], ss[96];
    return enn_node_err(n, ENN_ERR_SHAPE, "slope shape %s does not broadcast to input shape %s",
                        enn_desc_str(in[1], ss, sizeof ss), enn_desc_str(in[0], xs, sizeof xs));
  }
  enn_tensor_desc_init(out, ENN_DTYPE_I8, in[0]->rank, in[0]->dims);
  return ENN_OK;
}

enn_status enn_qs8_prelu_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  float s[3] = {0.0f, 0.0f, 0.0f};
  int32_t z[3] = {0, 0, 0};
  enn_status st = three_params(e, s, z);
  if (st) return st;
  q8_bin_state *sp = enn_prepare_alloc(ctx, sizeof *sp);
  if (!sp) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_qs8_binary_params *p = &sp->p;
  const enn_act_params none = {ENN_ACT_NONE, 0.0f, 0.0f, 0.0f, 0.0f};
  enn_binary_params_init(&p->geo, ENN_BINOP_PRELU, e->in_desc[0], e->in_desc[1], &none);
  p->a_zp = z[0];
  p->b_zp = z[1];
  p->y_zp = z[2];
  p->lo = -128;
  p->hi = 127;
  /* TFLite: both real multipliers are evaluated in float */
  const float m1 = s[0] / s[2], m2 = s[0] * s[1] / s[2];
  enn_quantize_multiplier((double)m1, &p->a_mult, &p->a_shift);
  enn_quantize_multiplier((double)m2, &p->b_mult, &p->b_shift);
  e->state = sp;
  e->kernel = "enn_qs8_prelu__ref";
  return ENN_OK;
}

/* Below this many elements an element-wise kernel runs on one thread. */
#define Q8_VADD_PAR_MIN 16384

typedef struct vadd_job {
  const q8_bin_state *s;
  const int8_t *a, *b;
  int8_t *y;
  int64_t n;
  int32_t tasks;
} vadd_job;

static void vadd_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const vadd_job *j = ctx;
  const int64_t chunks = (j->n + 63) / 64;
  for (int32_t t = begin; t < end; t++) {
    const int64_t i0 = chunks * t / j->tasks * 64, i1r = chunks * (t + 1) / j->tasks * 64;
    const int64_t i1 = i1r < j->n ? i1r : j->n;
    if (i1 > i0) j->s->k->fn.qs8_vadd((size_t)(i1 - i0), j->a + i0, j->b + i0, j->y + i0, &j->s->ap);
  }
}

void enn_qs8_binary_run(const enn_exec *e) {
  const q8_bin_state *s = e->state;
  if (!s->k) {
    enn_qs8_binary__ref(&s->p, e->in[0], e->in[1], e->out[0]);
    return;
  }
  const int64_t n = s->p.geo.numel;
  const int32_t T = enn_threadpool_threads(e->pool);
  if (T <= 1 || n < Q8_VADD_PAR_MIN) {
    s->k->fn.qs8_vadd((size_t)n, e->in[0], e->in[1], e->out[0], &s->ap);
    return;
  }
  vadd_job j = {s, e->in[0], e->in[1], e->out[0], n, T};
  enn_threadpool_parallel_for(e->pool, j.tasks, vadd_task, &j);
}
