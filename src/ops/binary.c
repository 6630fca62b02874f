/*
 * Add, Sub, Mul, Div: f32 with numpy broadcasting and a fused activation.
 * infer checks the dtypes and that the shapes broadcast; prepare builds the
 * merged-axis strides once (binary_ref.h); run is the kernel call. In place
 * (output sharing input 0) is safe: the planner only aliases when input 0
 * already has the output's size, hence its shape.
 */
#include "kernels/ref/binary_ref.h"
#include "ops/fast_path.h"
#include "ops/op_util.h"
#include "ops/qs8_ew.h"

static enn_status binary_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                               enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  if (in[0]->dtype == ENN_DTYPE_I8) return enn_qs8_binary_infer(n, in, in_data, out); /* binary_q8.c */
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, -1)) || (st = enn_expect_f32(n, in, 1, -1))) return st;
  if ((st = enn_check_act(n))) return st;
  if (enn_desc_broadcast(in[0], in[1], out) != ENN_OK) {
    char a[96], b[96];
    return enn_node_err(n, ENN_ERR_SHAPE, "input shapes %s and %s do not broadcast", enn_desc_str(in[0], a, sizeof a),
                        enn_desc_str(in[1], b, sizeof b));
  }
  out->dtype = ENN_DTYPE_F32;
  return ENN_OK;
}

static enn_binop binop_of(enn_op op) {
  switch (op) {
  case ENN_OP_SUB: return ENN_BINOP_SUB;
  case ENN_OP_MUL: return ENN_BINOP_MUL;
  case ENN_OP_DIV: return ENN_BINOP_DIV;
  default: return ENN_BINOP_ADD;
  }
}

/* f32 state: the reference parameters, then the SIMD path when one applies
 * (vector_fast.c: same-shape Add). */
typedef struct binary_state {
  enn_binary_params p;
  enn_fast_path fast;
} binary_state;

static enn_status binary_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) return enn_qs8_binary_prepare(e, ctx);
  binary_state *s = enn_prepare_alloc(ctx, sizeof *s);
  if (!s) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  const enn_act_params act = enn_act_params_from(&e->node->attrs);
  enn_binary_params_init(&s->p, binop_of(e->node->op), e->in_desc[0], e->in_desc[1], &act);
  e->state = s;
  e->kernel = "enn_f32_binary__ref";
  return enn_add_fast_prepare(e, ctx, &s->p, &s->fast);
}

static void binary_run(const enn_exec *e) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) enn_qs8_binary_run(e);
  else if (!enn_fast_run(e, &((const binary_state *)e->state)->fast))
    enn_f32_binary__ref(e->state, e->in[0], e->in[1], e->out[0]);
}

const enn_op_vtable enn_op_vt_add = {binary_infer, binary_prepare, binary_run, NULL};
const enn_op_vtable enn_op_vt_sub = {binary_infer, binary_prepare, binary_run, NULL};
const enn_op_vtable enn_op_vt_mul = {binary_infer, binary_prepare, binary_run, NULL};
const enn_op_vtable enn_op_vt_div = {binary_infer, binary_prepare, binary_run, NULL};
