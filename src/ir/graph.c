/*
 * Graph construction, introspection, verification and statistics.
 * Shape inference runs eagerly in enn_graph_add_node so a bad shape is
 * reported at the node that causes it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "ir/ir.h"

enn_status enn_op_arity(enn_op op, int32_t *min_in, int32_t *max_in, int32_t *min_out, int32_t *max_out);

/* ------------------------------------------------------------ descriptors */
size_t enn_dtype_size(enn_dtype t) {
  switch (t) {
  case ENN_DTYPE_F32: return 4;
  case ENN_DTYPE_F16: return 2;
  case ENN_DTYPE_I8: return 1;
  case ENN_DTYPE_U8: return 1;
  case ENN_DTYPE_I32: return 4;
  case ENN_DTYPE_I64: return 8;
  default: return 0;
  }
}

const char *enn_dtype_name(enn_dtype t) {
  switch (t) {
  case ENN_DTYPE_F32: return "f32";
  case ENN_DTYPE_F16: return "f16";
  case ENN_DTYPE_I8: return "i8";
  case ENN_DTYPE_U8: return "u8";
  case ENN_DTYPE_I32: return "i32";
  case ENN_DTYPE_I64: return "i64";
  default: return "invalid";
  }
}

void enn_tensor_desc_init(enn_tensor_desc *d, enn_dtype t, int32_t rank, const int64_t *dims) {
  memset(d, 0, sizeof *d);
  d->dtype = t;
  d->rank = rank < 0 ? 0 : (rank > ENN_MAX_RANK ? ENN_MAX_RANK : rank);
  for (int32_t i = 0; i < d->rank; i++) d->dims[i] = dims ? dims[i] : 1;
  d->quant.axis = -1;
}

int64_t enn_tensor_desc_numel(const enn_tensor_desc *d) {
  if (d->rank < 0 || d->rank > ENN_MAX_RANK) return 0;
  int64_t n = 1;
  for (int32_t i = 0; i < d->rank; i++) {
    if (d->dims[i] < 0 || !enn_mul_i64(n, d->dims[i], &n)) return 0;
  }
  return n;
}

size_t enn_tensor_desc_bytes(const enn_tensor_desc *d) {
  int64_t n = enn_tensor_desc_numel(d);
  size_t b;
  if (!enn_mul_size((size_t)n, enn_dtype_size(d->dtype), &b)) return 0;
  return b;
}

bool enn_desc_same_shape(const enn_tensor_desc *a, const enn_tensor_desc *b) {
  if (a->rank != b->rank) return false;
  for (int32_t i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

enn_status enn_desc_broadcast(const enn_tensor_desc *a, const enn_tensor_desc *b, enn_tensor_desc *out) {
  int32_t r = a->rank > b->rank ? a->rank : b->rank;
  int64_t dims[ENN_MAX_RANK];
  for (int32_t i = 0; i < r; i++) {
    int32_t ia = i - (r - a->rank), ib = i - (r - b->rank);
    int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    if (da != db && da != 1 && db != 1) {
      char sa[96], sb[96];
      return enn_err(ENN_ERR_SHAPE, "shapes %s and %s do not broadcast", enn_desc_str(a, sa, sizeof sa),
                     enn_desc_str(b, sb, sizeof sb));
    }
    dims[i] = da == 1 ? db : da;
  }
  enn_tensor_desc_init(out, a->dtype, r, dims);
  return ENN_OK;
}

const char *enn_desc_str(const enn_tensor_desc *d, char *buf, size_t cap) {
  size_t n = 0;
  if (cap == 0) return buf;
  buf[0] = '\0';
  n += (size_t)snprintf(buf + n, cap - n, "[");
  for (int32_t i = 0; i < d->rank && i < ENN_MAX_RANK && n < cap; i++)
    n += (size_t)snprintf(buf + n, cap - n, "%s%lld", i ? "," : "", (long long)d->dims[i]);
  if (n < cap) snprintf(buf + n, cap - n, "]");
  return buf;
}

bool enn_axis_norm(int32_t axis, int32_t rank, int32_t *out) {
  if (axis < -rank || axis >= rank) return false;
  *out = axis < 0 ? axis + rank : axis;
  return true;
}

/* ------------------------------------------------------------------ graph */
enn_status enn_graph_create(const enn_allocator *alloc, enn_graph **out) {
  if (!out) return enn_err(ENN_ERR_INVALID_ARG, "enn_graph_create: out is NULL");
  *out = NULL;
  enn_graph *g = enn_alloc(alloc, sizeof *g);
  if (!g) return enn_err(ENN_ERR_NO_MEMORY, "out of memory creating a graph");
  g->alloc = alloc ? *alloc : *enn_default_allocator();
  *out = g;
  return ENN_OK;
}

static void free_tensor(enn_graph *g, enn_tensor *t) {
  enn_free(&g->alloc, t->name);
  enn_free(&g->alloc, (void *)t->desc.quant.scale);
  enn_free(&g->alloc, (void *)t->desc.quant.zero_point);
  if (t->owned) enn_free(&g->alloc, t->data);
  memset(t, 0, sizeof *t);
}

static void free_node(enn_graph *g, enn_node *n) {
  enn_free(&g->alloc, n->name);
  enn_free(&g->alloc, n->inputs);
  enn_free(&g->alloc, n->outputs);
  memset(n, 0, sizeof *n);
}

void enn_graph_destroy(enn_graph *g) {
  if (!g) return;
  enn_allocator a = g->alloc;
  for (int32_t i = 0; i < g->n_tensors; i++) free_tensor(g, &g->tensors[i]);
  for (int32_t i = 0; i < g->n_nodes; i++) free_node(g, &g->nodes[i]);
  for (int32_t i = 0; i < g->n_meta; i++) {
    enn_free(&a, g->meta[i].key);
    enn_free(&a, g->meta[i].value);
  }
  enn_free(&a, g->tensors);
  enn_free(&a, g->nodes);
  enn_free(&a, g->inputs);
  enn_free(&a, g->outputs);
  enn_free(&a, g->meta);
  if (g->mapping) munmap(g->mapping, g->mapping_size);
  enn_free(&a, g->blob);
  enn_free(&a, g);
}

static enn_status check_desc(const enn_tensor_desc *d, const char *what, const char *name) {
  if (!d) return enn_err(ENN_ERR_INVALID_ARG, "%s '%s': descriptor is NULL", what, name ? name : "?");
  if (enn_dtype_size(d->dtype) == 0)
    return enn_err(ENN_ERR_DTYPE, "%s '%s': invalid dtype %d", what, name ? name : "?", (int)d->dtype);
  if (d->rank < 0 || d->rank > ENN_MAX_RANK)
    return enn_err(ENN_ERR_SHAPE, "%s '%s': rank %d out of range 0..%d", what, name ? name : "?", d->rank,
                   ENN_MAX_RANK);
  int64_t n = 1;
  for (int32_t i = 0; i < d->rank; i++) {
    if (d->dims[i] < 0)
      return enn_err(ENN_ERR_SHAPE, "%s '%s': dimension %d is negative (%lld)", what, name ? name : "?", i,
                     (long long)d->dims[i]);
    if (!enn_mul_i64(n, d->dims[i], &n) || n > ((int64_t)1 << 40))
      return enn_err(ENN_ERR_OVERFLOW, "%s '%s': element count overflows", what, name ? name : "?");
  }
  if (d->quant.count) {
    if (!d->quant.scale || !d->quant.zero_point)
      return enn_err(ENN_ERR_INVALID_ARG, "%s '%s': quantisation arrays missing", what, name ? name : "?");
    int64_t need = 1;
    if (d->quant.axis >= 0) {
      if (d->quant.axis >= d->rank)
        return enn_err(ENN_ERR_SHAPE, "%s '%s': quantisation axis %d out of rank %d", what, name ? name : "?",
                       d->quant.axis, d->rank);
      need = d->dims[d->quant.axis];
    }
    if ((int64_t)d->quant.count != need)
      return enn_err(ENN_ERR_SHAPE, "%s '%s': %u quantisation scales, expected %lld", what, name ? name : "?",
                     d->quant.count, (long long)need);
  }
  return ENN_OK;
}

enn_status enn_ir_set_quant(enn_graph *g, enn_tensor *t, const enn_quant *q) {
  enn_free(&g->alloc, (void *)t->desc.quant.scale);
  enn_free(&g->alloc, (void *)t->desc.quant.zero_point);
  memset(&t->desc.quant, 0, sizeof t->desc.quant);
  t->desc.quant.axis = -1;
  if (!q || q->count == 0) return ENN_OK;
  float *s = enn_alloc(&g->alloc, q->count * sizeof(float));
  int32_t *z = enn_alloc(&g->alloc, q->count * sizeof(int32_t));
  if (!s || !z) {
    enn_free(&g->alloc, s);
    enn_free(&g->alloc, z);
    return enn_err(ENN_ERR_NO_MEMORY, "out of memory (quantisation parameters)");
  }
  memcpy(s, q->scale, q->count * sizeof(float));
  memcpy(z, q->zero_point, q->count * sizeof(int32_t));
  t->desc.quant.axis = q->axis;
  t->desc.quant.count = q->count;
  t->desc.quant.scale = s;
  t->desc.quant.zero_point = z;
  return ENN_OK;
}

enn_status enn_ir_add_tensor(enn_graph *g, const char *name, const enn_tensor_desc *d, enn_tensor_kind kind,
                             int32_t *out) {
  enn_status st = enn_grow(&g->alloc, (void **)&g->tensors, &g->cap_tensors, g->n_tensors + 1, sizeof(enn_tensor));
  if (st) return st;
  enn_tensor *t = &g->tensors[g->n_tensors];
  memset(t, 0, sizeof *t);
  char buf[32];
  if (!name || !*name) {
    snprintf(buf, sizeof buf, "t%d", g->n_tensors);
    name = buf;
  }
  t->name = enn_strdup(&g->alloc, name);
  if (!t->name) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  t->desc = *d;
  memset(&t->desc.quant, 0, sizeof t->desc.quant);
  t->desc.quant.axis = -1;
  t->kind = kind;
  t->producer = -1;
  if ((st = enn_ir_set_quant(g, t, &d->quant))) {
    enn_free(&g->alloc, t->name);
    t->name = NULL;
    return st;
  }
  *out = g->n_tensors++;
  return ENN_OK;
}

enn_status enn_graph_add_input(enn_graph *g, const char *name, const enn_tensor_desc *desc, int32_t *out_id) {
  if (!g) return enn_err(ENN_ERR_INVALID_ARG, "graph is NULL");
  enn_status st = check_desc(desc, "input", name);
  if (st) return st;
  int32_t id;
  if ((st = enn_grow(&g->alloc, (void **)&g->inputs, &g->cap_inputs, g->n_inputs + 1, sizeof(int32_t)))) return st;
  if ((st = enn_ir_add_tensor(g, name, desc, ENN_TK_INPUT, &id))) return st;
  g->inputs[g->n_inputs++] = id;
  if (out_id) *out_id = id;
  return ENN_OK;
}

enn_status enn_ir_add_const(enn_graph *g, const char *name, const enn_tensor_desc *d, const void *data,
                            uint32_t flags, int32_t *out) {
  return enn_graph_add_constant(g, name, d, data, flags & ~ENN_CONST_BORROW, out);
}

enn_status enn_graph_add_constant(enn_graph *g, const char *name, const enn_tensor_desc *desc, const void *data,
                                  uint32_t flags, int32_t *out_id) {
  if (!g) return enn_err(ENN_ERR_INVALID_ARG, "graph is NULL");
  enn_status st = check_desc(desc, "constant", name);
  if (st) return st;
  if ((flags & ENN_CONST_BORROW) && !data)
    return enn_err(ENN_ERR_INVALID_ARG, "constant '%s': borrowed data is NULL", name ? name : "?");
  size_t bytes = enn_tensor_desc_bytes(desc);
  void *buf = NULL;
  if (!(flags & ENN_CONST_BORROW)) {
    buf = enn_alloc_aligned(&g->alloc, bytes, ENN_ALIGN);
    if (!buf) return enn_err(ENN_ERR_NO_MEMORY, "out of memory for constant '%s' (%zu bytes)", name ? name : "?", bytes);
    if (data && bytes) memcpy(buf, data, bytes);
  }
  int32_t id;
  if ((st = enn_ir_add_tensor(g, name, desc, ENN_TK_CONST, &id))) {
    enn_free(&g->alloc, buf);
    return st;
  }
  enn_tensor *t = &g->tensors[id];
  t->flags = flags;
  if (flags & ENN_CONST_BORROW) t->data = (void *)data;
  else {
    t->data = buf;
    t->owned = true;
  }
  if (out_id) *out_id = id;
  return ENN_OK;
}

void *enn_graph_constant_data(enn_graph *g, int32_t id) {
  if (!g || id < 0 || id >= g->n_tensors) return NULL;
  enn_tensor *t = &g->tensors[id];
  return t->kind == ENN_TK_CONST && t->owned ? t->data : NULL;
}

enn_status enn_ir_infer_node(const enn_graph *g, const enn_node *n, enn_tensor_desc *out) {
  const enn_op_vtable *vt = enn_op_vtable_get(n->op);
  if (!vt || !vt->infer)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "operator %s is not built into this edgenn", enn_op_name(n->op));
  const enn_tensor_desc *in[ENN_MAX_SPLITS];
  const void *in_data[ENN_MAX_SPLITS];
  if (n->n_inputs > ENN_MAX_SPLITS) return enn_node_err(n, ENN_ERR_UNSUPPORTED, "more than %d inputs", ENN_MAX_SPLITS);
  for (int32_t i = 0; i < n->n_inputs; i++) {
    const enn_tensor *t = &g->tensors[n->inputs[i]];
    in[i] = &t->desc;
    in_data[i] = t->kind == ENN_TK_CONST ? t->data : NULL;
  }
  for (int32_t i = 0; i < n->n_outputs; i++) enn_tensor_desc_init(&out[i], ENN_DTYPE_F32, 0, NULL);
  enn_status st = vt->infer(n, in, in_data, out);
  if (st) return st;
  for (int32_t i = 0; i < n->n_outputs; i++) {
    enn_status s2 = check_desc(&out[i], "output of", n->name);
    if (s2) return enn_node_err(n, s2, "inferred output %d is invalid: %s", i, enn_last_error());
  }
  return ENN_OK;
}

static enn_status check_node_io(const enn_graph *g, enn_op op, const char *name, const int32_t *inputs,
                                int32_t n_inputs, int32_t n_outputs, int32_t limit_id) {
  int32_t mi, ma, mo, mao;
  enn_status st = enn_op_arity(op, &mi, &ma, &mo, &mao);
  if (st) return enn_err_prefix(st, "node '%s'", name ? name : "?");
  const char *on = enn_op_name(op);
  if (n_inputs < mi || (ma > 0 && n_inputs > ma) || n_inputs > ENN_MAX_SPLITS)
    return enn_err(ENN_ERR_INVALID_ARG, "node '%s' (%s): %d inputs, expected %d..%d", name ? name : "?", on, n_inputs,
                   mi, ma > 0 ? ma : ENN_MAX_SPLITS);
  if (n_outputs < mo || (mao > 0 && n_outputs > mao) || n_outputs > ENN_MAX_SPLITS)
    return enn_err(ENN_ERR_INVALID_ARG, "node '%s' (%s): %d outputs, expected %d..%d", name ? name : "?", on,
                   n_outputs, mo, mao > 0 ? mao : ENN_MAX_SPLITS);
  for (int32_t i = 0; i < n_inputs; i++)
    if (!inputs || inputs[i] < 0 || inputs[i] >= limit_id)
      return enn_err(ENN_ERR_INVALID_ARG, "node '%s' (%s): input %d refers to tensor %d, which does not exist yet",
                     name ? name : "?", on, i, inputs ? inputs[i] : -1);
  ENN_UNUSED(g);
  return ENN_OK;
}

enn_status enn_graph_add_node(enn_graph *g, enn_op op, const char *name, const int32_t *inputs, int32_t n_inputs,
                              const enn_attrs *attrs, int32_t n_outputs, int32_t *out_ids) {
  if (!g) return enn_err(ENN_ERR_INVALID_ARG, "graph is NULL");
  if ((unsigned)op >= ENN_OP_COUNT) return enn_err(ENN_ERR_UNSUPPORTED, "unknown op id %d", (int)op);
  enn_status st = check_node_io(g, op, name, inputs, n_inputs, n_outputs, g->n_tensors);
  if (st) return st;
  if ((st = enn_grow(&g->alloc, (void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof(enn_node)))) return st;
  enn_node *n = &g->nodes[g->n_nodes];
  memset(n, 0, sizeof *n);
  n->op = op;
  char buf[64];
  if (!name || !*name) {
    snprintf(buf, sizeof buf, "%s_%d", enn_op_name(op), g->n_nodes);
    name = buf;
  }
  n->name = enn_strdup(&g->alloc, name);
  n->inputs = enn_alloc(&g->alloc, (size_t)n_inputs * sizeof(int32_t) + 1);
  n->outputs = enn_alloc(&g->alloc, (size_t)n_outputs * sizeof(int32_t) + 1);
  if (!n->name || !n->inputs || !n->outputs) {
    free_node(g, n);
    return enn_err(ENN_ERR_NO_MEMORY, "out of memory adding node");
  }
  if (attrs) n->attrs = *attrs;
  else enn_attrs_init_op(&n->attrs, op);
  n->n_inputs = n_inputs;
  n->n_outputs = n_outputs;
  memcpy(n->inputs, inputs, (size_t)n_inputs * sizeof(int32_t));
  enn_tensor_desc out[ENN_MAX_SPLITS];
  if ((st = enn_ir_infer_node(g, n, out))) {
    free_node(g, n);
    return st;
  }
  int32_t first = g->n_tensors;
  for (int32_t i = 0; i < n_outputs; i++) {
    char tn[160];
    if (n_outputs == 1) snprintf(tn, sizeof tn, "%s", n->name);
    else snprintf(tn, sizeof tn, "%s:%d", n->name, i);
    int32_t id;
    if ((st = enn_ir_add_tensor(g, tn, &out[i], ENN_TK_ACT, &id))) {
      for (int32_t j = first; j < g->n_tensors; j++) free_tensor(g, &g->tensors[j]);
      g->n_tensors = first;
      free_node(g, n);
      return st;
    }
    g->tensors[id].producer = g->n_nodes;
    n->outputs[i] = id;
  }
  if (out_ids) memcpy(out_ids, n->outputs, (size_t)n_outputs * sizeof(int32_t));
  g->n_nodes++;
  return ENN_OK;
}

enn_status enn_graph_add_output(enn_graph *g, int32_t id) {
  if (!g) return enn_err(ENN_ERR_INVALID_ARG, "graph is NULL");
  if (id < 0 || id >= g->n_tensors) return enn_err(ENN_ERR_INVALID_ARG, "output tensor %d does not exist", id);
  enn_status st = enn_grow(&g->alloc, (void **)&g->outputs, &g->cap_outputs, g->n_outputs + 1, sizeof(int32_t));
  if (st) return st;
  g->outputs[g->n_outputs++] = id;
  return ENN_OK;
}

enn_status enn_graph_set_quant(enn_graph *g, int32_t id, const enn_quant *q) {
  if (!g || id < 0 || id >= g->n_tensors) return enn_err(ENN_ERR_INVALID_ARG, "enn_graph_set_quant: no tensor %d", id);
  enn_tensor *t = &g->tensors[id];
  if (q && q->count) {
    enn_tensor_desc d = t->desc;
    d.quant = *q;
    enn_status st = check_desc(&d, "tensor", t->name);
    if (st) return st;
  }
  return enn_ir_set_quant(g, t, q);
}

enn_status enn_graph_set_meta(enn_graph *g, const char *key, const char *value) {
  if (!g || !key || !value) return enn_err(ENN_ERR_INVALID_ARG, "enn_graph_set_meta: NULL argument");
  for (int32_t i = 0; i < g->n_meta; i++)
    if (strcmp(g->meta[i].key, key) == 0) {
      char *v = enn_strdup(&g->alloc, value);
      if (!v) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
      enn_free(&g->alloc, g->meta[i].value);
      g->meta[i].value = v;
      return ENN_OK;
    }
  enn_status st = enn_grow(&g->alloc, (void **)&g->meta, &g->cap_meta, g->n_meta + 1, sizeof(enn_meta));
  if (st) return st;
  char *k = enn_strdup(&g->alloc, key), *v = enn_strdup(&g->alloc, value);
  if (!k || !v) {
    enn_free(&g->alloc, k);
    enn_free(&g->alloc, v);
    return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  }
  g->meta[g->n_meta].key = k;
  g->meta[g->n_meta].value = v;
  g->n_meta++;
  return ENN_OK;
}

const char *enn_graph_get_meta(const enn_graph *g, const char *key) {
  if (!g || !key) return NULL;
  for (int32_t i = 0; i < g->n_meta; i++)
    if (strcmp(g->meta[i].key, key) == 0) return g->meta[i].value;
  return NULL;
}

int32_t enn_graph_num_tensors(const enn_graph *g) { return g ? g->n_tensors : 0; }
int32_t enn_graph_num_nodes(const enn_graph *g) { return g ? g->n_nodes : 0; }
int32_t enn_graph_num_inputs(const enn_graph *g) { return g ? g->n_inputs : 0; }
int32_t enn_graph_num_outputs(const enn_graph *g) { return g ? g->n_outputs : 0; }
int32_t enn_graph_input(const enn_graph *g, int32_t i) { return g && i >= 0 && i < g->n_inputs ? g->inputs[i] : -1; }
int32_t enn_graph_output(const enn_graph *g, int32_t i) {
  return g && i >= 0 && i < g->n_outputs ? g->outputs[i] : -1;
}

enn_status enn_graph_tensor(const enn_graph *g, int32_t id, const char **name, enn_tensor_desc *desc,
                            const void **const_data) {
  if (!g || id < 0 || id >= g->n_tensors) return enn_err(ENN_ERR_NOT_FOUND, "tensor %d does not exist", id);
  const enn_tensor *t = &g->tensors[id];
  if (name) *name = t->name;
  if (desc) *desc = t->desc;
  if (const_data) *const_data = t->kind == ENN_TK_CONST ? t->data : NULL;
  return ENN_OK;
}

enn_status enn_graph_node(const enn_graph *g, int32_t i, enn_op *op, const char **name, const enn_attrs **attrs,
                          const int32_t **inputs, int32_t *n_inputs, const int32_t **outputs, int32_t *n_outputs) {
  if (!g || i < 0 || i >= g->n_nodes) return enn_err(ENN_ERR_NOT_FOUND, "node %d does not exist", i);
  const enn_node *n = &g->nodes[i];
  if (op) *op = n->op;
  if (name) *name = n->name;
  if (attrs) *attrs = &n->attrs;
  if (inputs) *inputs = n->inputs;
  if (n_inputs) *n_inputs = n->n_inputs;
  if (outputs) *outputs = n->outputs;
  if (n_outputs) *n_outputs = n->n_outputs;
  return ENN_OK;
}

enn_status enn_graph_verify(const enn_graph *g) {
  if (!g) return enn_err(ENN_ERR_INVALID_ARG, "graph is NULL");
  enn_status st;
  if (g->n_outputs == 0) return enn_err(ENN_ERR_INVALID_ARG, "graph has no outputs");
  for (int32_t i = 0; i < g->n_tensors; i++) {
    const enn_tensor *t = &g->tensors[i];
    if ((st = check_desc(&t->desc, "tensor", t->name))) return st;
    if (t->kind == ENN_TK_CONST && !t->data && enn_tensor_desc_bytes(&t->desc) > 0)
      return enn_err(ENN_ERR_INVALID_ARG, "constant '%s' has no data", t->name);
    if (t->kind == ENN_TK_ACT && (t->producer < 0 || t->producer >= g->n_nodes))
      return enn_err(ENN_ERR_INVALID_ARG, "tensor '%s' has no producing node", t->name);
  }
  for (int32_t i = 0; i < g->n_inputs; i++)
    if (g->inputs[i] < 0 || g->inputs[i] >= g->n_tensors || g->tensors[g->inputs[i]].kind != ENN_TK_INPUT)
      return enn_err(ENN_ERR_INVALID_ARG, "graph input %d is not an input tensor", i);
  for (int32_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] < 0 || g->outputs[i] >= g->n_tensors)
      return enn_err(ENN_ERR_INVALID_ARG, "graph output %d refers to missing tensor %d", i, g->outputs[i]);
  /* Each node reads only tensors defined before it and defines its outputs. */
  uint8_t *defined = enn_alloc(&g->alloc, (size_t)g->n_tensors + 1);
  if (!defined) return enn_err(ENN_ERR_NO_MEMORY, "out of memory verifying graph");
  for (int32_t i = 0; i < g->n_tensors; i++) defined[i] = g->tensors[i].kind != ENN_TK_ACT;
  st = ENN_OK;
  for (int32_t ni = 0; ni < g->n_nodes && !st; ni++) {
    const enn_node *n = &g->nodes[ni];
    if ((st = check_node_io(g, n->op, n->name, n->inputs, n->n_inputs, n->n_outputs, g->n_tensors))) break;
    for (int32_t k = 0; k < n->n_inputs && !st; k++)
      if (!defined[n->inputs[k]])
        st = enn_node_err(n, ENN_ERR_INVALID_ARG, "input %d ('%s') is not computed before this node (cycle or bad order)",
                          k, g->tensors[n->inputs[k]].name);
    if (st) break;
    enn_tensor_desc out[ENN_MAX_SPLITS];
    if ((st = enn_ir_infer_node(g, n, out))) break;
    for (int32_t k = 0; k < n->n_outputs && !st; k++) {
      int32_t id = n->outputs[k];
      if (id < 0 || id >= g->n_tensors || g->tensors[id].kind != ENN_TK_ACT || g->tensors[id].producer != ni || defined[id])
        st = enn_node_err(n, ENN_ERR_INVALID_ARG, "output %d refers to tensor %d, which it cannot define", k, id);
      else if (!enn_desc_same_shape(&out[k], &g->tensors[id].desc) || out[k].dtype != g->tensors[id].desc.dtype) {
        char a[96], b[96];
        st = enn_node_err(n, ENN_ERR_SHAPE, "output %d is declared %s %s but infers to %s %s", k,
                          enn_dtype_name(g->tensors[id].desc.dtype), enn_desc_str(&g->tensors[id].desc, a, sizeof a),
                          enn_dtype_name(out[k].dtype), enn_desc_str(&out[k], b, sizeof b));
      } else defined[id] = 1;
    }
  }
  for (int32_t i = 0; i < g->n_outputs && !st; i++)
    if (!defined[g->outputs[i]]) st = enn_err(ENN_ERR_INVALID_ARG, "graph output '%s' is never computed", g->tensors[g->outputs[i]].name);
  enn_free(&g->alloc, defined);
  return st;
}

int64_t enn_graph_node_macs(const enn_graph *g, int32_t i) {
  if (!g || i < 0 || i >= g->n_nodes) return 0;
  const enn_node *n = &g->nodes[i];
  const enn_op_vtable *vt = enn_op_vtable_get(n->op);
  if (!vt || !vt->macs) return 0;
  const enn_tensor_desc *in[ENN_MAX_SPLITS];
  for (int32_t k = 0; k < n->n_inputs && k < ENN_MAX_SPLITS; k++) in[k] = &g->tensors[n->inputs[k]].desc;
  return vt->macs(n, in, &g->tensors[n->outputs[0]].desc);
}

enn_status enn_graph_stats_get(const enn_graph *g, enn_graph_stats *st) {
  if (!g || !st) return enn_err(ENN_ERR_INVALID_ARG, "enn_graph_stats_get: NULL argument");
  memset(st, 0, sizeof *st);
  uint8_t *used = enn_alloc(&g->alloc, (size_t)g->n_tensors + 1);
  if (!used) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  for (int32_t i = 0; i < g->n_nodes; i++) {
    const enn_node *n = &g->nodes[i];
    for (int32_t k = 0; k < n->n_inputs; k++) used[n->inputs[k]] = 1;
    st->macs += enn_graph_node_macs(g, i);
  }
  for (int32_t i = 0; i < g->n_tensors; i++) {
    const enn_tensor *t = &g->tensors[i];
    if (t->kind != ENN_TK_CONST || !used[i]) continue;
    st->weights_bytes += (int64_t)enn_tensor_desc_bytes(&t->desc);
    if (!(t->flags & ENN_CONST_BUFFER) && (t->desc.dtype == ENN_DTYPE_F32 || t->desc.dtype == ENN_DTYPE_F16 ||
                                           t->desc.dtype == ENN_DTYPE_I8 || t->desc.dtype == ENN_DTYPE_U8))
      st->params += enn_tensor_desc_numel(&t->desc);
  }
  st->nodes = g->n_nodes;
  enn_free(&g->alloc, used);
  return ENN_OK;
}

/* ------------------------------------------------------------ ir helpers */
int32_t enn_ir_use_count(const enn_graph *g, int32_t id) {
  int32_t c = 0;
  for (int32_t i = 0; i < g->n_nodes; i++) {
    const enn_node *n = &g->nodes[i];
    if (n->dead) continue;
    for (int32_t k = 0; k < n->n_inputs; k++) c += n->inputs[k] == id;
  }
  for (int32_t i = 0; i < g->n_outputs; i++) c += g->outputs[i] == id;
  return c;
}

bool enn_ir_is_output(const enn_graph *g, int32_t id) {
  for (int32_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == id) return true;
  return false;
}

void enn_ir_replace_uses(enn_graph *g, int32_t from, int32_t to) {
  for (int32_t i = 0; i < g->n_nodes; i++) {
    enn_node *n = &g->nodes[i];
    if (n->dead) continue;
    for (int32_t k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] == from) n->inputs[k] = to;
  }
  for (int32_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == from) g->outputs[i] = to;
}

enn_status enn_ir_compact(enn_graph *g) {
  /* 1. drop dead nodes (their outputs become unreferenced) */
  int32_t *node_map = enn_alloc(&g->alloc, ((size_t)g->n_nodes + 1) * sizeof(int32_t));
  int32_t *tmap = enn_alloc(&g->alloc, ((size_t)g->n_tensors + 1) * sizeof(int32_t));
  uint8_t *keep = enn_alloc(&g->alloc, (size_t)g->n_tensors + 1);
  if (!node_map || !tmap || !keep) {
    enn_free(&g->alloc, node_map);
    enn_free(&g->alloc, tmap);
    enn_free(&g->alloc, keep);
    return enn_err(ENN_ERR_NO_MEMORY, "out of memory compacting graph");
  }
  int32_t nn = 0;
  for (int32_t i = 0; i < g->n_nodes; i++) {
    if (g->nodes[i].dead) {
      node_map[i] = -1;
      free_node(g, &g->nodes[i]);
      continue;
    }
    node_map[i] = nn;
    if (nn != i) g->nodes[nn] = g->nodes[i];
    nn++;
  }
  g->n_nodes = nn;
  /* 2. keep inputs, tensors any node reads or writes, and graph outputs */
  for (int32_t i = 0; i < g->n_tensors; i++) keep[i] = g->tensors[i].kind == ENN_TK_INPUT;
  for (int32_t i = 0; i < g->n_nodes; i++) {
    enn_node *n = &g->nodes[i];
    for (int32_t k = 0; k < n->n_inputs; k++) keep[n->inputs[k]] = 1;
    for (int32_t k = 0; k < n->n_outputs; k++) keep[n->outputs[k]] = 1;
  }
  for (int32_t i = 0; i < g->n_outputs; i++) keep[g->outputs[i]] = 1;
  int32_t nt = 0;
  for (int32_t i = 0; i < g->n_tensors; i++) {
    if (!keep[i]) {
      tmap[i] = -1;
      free_tensor(g, &g->tensors[i]);
      continue;
    }
    tmap[i] = nt;
    if (nt != i) g->tensors[nt] = g->tensors[i];
    if (g->tensors[nt].producer >= 0) g->tensors[nt].producer = node_map[g->tensors[nt].producer];
    nt++;
  }
  g->n_tensors = nt;
  for (int32_t i = 0; i < g->n_nodes; i++) {
    enn_node *n = &g->nodes[i];
    for (int32_t k = 0; k < n->n_inputs; k++) n->inputs[k] = tmap[n->inputs[k]];
    for (int32_t k = 0; k < n->n_outputs; k++) n->outputs[k] = tmap[n->outputs[k]];
  }
  for (int32_t i = 0; i < g->n_inputs; i++) g->inputs[i] = tmap[g->inputs[i]];
  for (int32_t i = 0; i < g->n_outputs; i++) g->outputs[i] = tmap[g->outputs[i]];
  enn_free(&g->alloc, node_map);
  enn_free(&g->alloc, tmap);
  enn_free(&g->alloc, keep);
  return ENN_OK;
}

enn_status enn_ir_clone(const enn_graph *src, const enn_allocator *alloc, bool copy_consts, enn_graph **out) {
  enn_graph *g;
  enn_status st = enn_graph_create(alloc ? alloc : &src->alloc, &g);
  if (st) return st;
  for (int32_t i = 0; i < src->n_tensors && !st; i++) {
    const enn_tensor *t = &src->tensors[i];
    int32_t id;
    if (t->kind == ENN_TK_CONST) {
      uint32_t fl = copy_consts ? (t->flags & ~ENN_CONST_BORROW) : (t->flags | ENN_CONST_BORROW);
      st = enn_graph_add_constant(g, t->name, &t->desc, t->data, fl, &id);
    } else {
      st = enn_ir_add_tensor(g, t->name, &t->desc, t->kind, &id);
      if (!st) g->tensors[id].producer = t->producer;
    }
  }
  for (int32_t i = 0; i < src->n_nodes && !st; i++) {
    const enn_node *s = &src->nodes[i];
    if ((st = enn_grow(&g->alloc, (void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof(enn_node)))) break;
    enn_node *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof *n);
    n->op = s->op;
    n->attrs = s->attrs;
    n->n_inputs = s->n_inputs;
    n->n_outputs = s->n_outputs;
    n->name = enn_strdup(&g->alloc, s->name);
    n->inputs = enn_alloc(&g->alloc, (size_t)s->n_inputs * sizeof(int32_t) + 1);
    n->outputs = enn_alloc(&g->alloc, (size_t)s->n_outputs * sizeof(int32_t) + 1);
    g->n_nodes++;
    if (!n->name || !n->inputs || !n->outputs) {
      st = enn_err(ENN_ERR_NO_MEMORY, "out of memory cloning graph");
      break;
    }
    memcpy(n->inputs, s->inputs, (size_t)s->n_inputs * sizeof(int32_t));
    memcpy(n->outputs, s->outputs, (size_t)s->n_outputs * sizeof(int32_t));
  }
  if (!st) st = enn_grow(&g->alloc, (void **)&g->inputs, &g->cap_inputs, src->n_inputs, sizeof(int32_t));
  if (!st) st = enn_grow(&g->alloc, (void **)&g->outputs, &g->cap_outputs, src->n_outputs, sizeof(int32_t));
  if (!st) {
    if (src->n_inputs) memcpy(g->inputs, src->inputs, (size_t)src->n_inputs * sizeof(int32_t));
    if (src->n_outputs) memcpy(g->outputs, src->outputs, (size_t)src->n_outputs * sizeof(int32_t));
    g->n_inputs = src->n_inputs;
    g->n_outputs = src->n_outputs;
  }
  for (int32_t i = 0; i < src->n_meta && !st; i++) st = enn_graph_set_meta(g, src->meta[i].key, src->meta[i].value);
  if (st) {
    enn_graph_destroy(g);
    return st;
  }
  *out = g;
  return ENN_OK;
}
