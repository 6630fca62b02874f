/*
 * The operator table generated from ops.def: names, flags, arity, and the
 * vtable registry (enn_op_vt_<name>, one per src/ops/ file). A vtable with
 * no infer function is reported as ENN_ERR_UNSUPPORTED when a node uses it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ir/ir.h"

typedef struct op_row {
  const char *name;
  int32_t min_in, max_in, min_out, max_out;
  uint32_t flags;
} op_row;

static const op_row op_rows[ENN_OP_COUNT] = {
#define ENN_OP(ID, nm, disp, mi, ma, mo, mao, fl) {disp, mi, ma, mo, mao, fl},
#include "edgenn/ops.def"
#undef ENN_OP
};

#define ENN_OP(ID, nm, disp, mi, ma, mo, mao, fl) extern const enn_op_vtable enn_op_vt_##nm;
#include "edgenn/ops.def"
#undef ENN_OP

const enn_op_vtable *enn_op_vtable_get(enn_op op) {
  switch (op) {
#define ENN_OP(ID, nm, disp, mi, ma, mo, mao, fl) \
  case ENN_OP_##ID: return enn_op_vt_##nm.infer ? &enn_op_vt_##nm : NULL;
#include "edgenn/ops.def"
#undef ENN_OP
  default: return NULL;
  }
}

const char *enn_op_name(enn_op op) { return (unsigned)op < ENN_OP_COUNT ? op_rows[op].name : NULL; }

uint32_t enn_op_flags(enn_op op) { return (unsigned)op < ENN_OP_COUNT ? op_rows[op].flags : 0u; }

enn_status enn_op_arity(enn_op op, int32_t *min_in, int32_t *max_in, int32_t *min_out, int32_t *max_out);
enn_status enn_op_arity(enn_op op, int32_t *min_in, int32_t *max_in, int32_t *min_out, int32_t *max_out) {
  if ((unsigned)op >= ENN_OP_COUNT) return enn_err(ENN_ERR_INVALID_ARG, "unknown op id %d", (int)op);
  *min_in = op_rows[op].min_in;
  *max_in = op_rows[op].max_in;
  *min_out = op_rows[op].min_out;
  *max_out = op_rows[op].max_out;
  return ENN_OK;
}

enn_status enn_op_from_name(const char *name, enn_op *out) {
  if (!name) return enn_err(ENN_ERR_INVALID_ARG, "op name is NULL");
  for (int i = 0; i < ENN_OP_COUNT; i++)
    if (strcmp(op_rows[i].name, name) == 0) {
      *out = (enn_op)i;
      return ENN_OK;
    }
  return enn_err(ENN_ERR_UNSUPPORTED, "unknown operator '%s'", name);
}

const char *enn_act_name(enn_act a) {
  static const char *const names[ENN_ACT_COUNT] = {"none",    "relu",         "relu6",      "clip",  "leaky_relu",
                                                   "sigmoid", "hard_sigmoid", "hard_swish", "swish", "tanh"};
  return (unsigned)a < ENN_ACT_COUNT ? names[a] : "?";
}

void enn_attrs_init(enn_attrs *a) {
  memset(a, 0, sizeof *a);
  a->stride[0] = a->stride[1] = 1;
  a->dilation[0] = a->dilation[1] = 1;
  a->groups = 1;
  a->act = ENN_ACT_NONE;
  a->act_min = -INFINITY;
  a->act_max = INFINITY;
  a->alpha = 0.0f;
  a->beta = 0.0f;
  a->epsilon = 1e-5f;
  a->axis = 0;
  a->keepdims = 1;
  for (int i = 0; i < ENN_MAX_RANK; i++) {
    a->steps[i] = 1;
    a->perm[i] = i;
  }
  a->scale[0] = a->scale[1] = 1.0f;
}

void enn_attrs_init_op(enn_attrs *a, enn_op op) {
  enn_attrs_init(a);
  switch (op) {
  case ENN_OP_LEAKY_RELU: a->alpha = 0.01f; break;
  case ENN_OP_HARD_SIGMOID: a->alpha = 0.2f; a->beta = 0.5f; break;
  case ENN_OP_GEMM: a->alpha = 1.0f; a->beta = 1.0f; break;
  case ENN_OP_SOFTMAX:
  case ENN_OP_LOG_SOFTMAX: a->axis = -1; break;
  case ENN_OP_FLATTEN: a->axis = 1; break;
  default: break;
  }
}

enn_status enn_node_err(const enn_node *n, enn_status s, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return enn_err(s, "node '%s' (%s): %s", n && n->name ? n->name : "?", n ? enn_op_name(n->op) : "?", msg);
}
