/*
 * ONNX -> IR conversion driver: the value table, layout forms, attribute
 * access, unsupported-node collection and the walk over the graph
 * (onnx_import.h explains values and layouts).
 *
 * The walk: initializers become host constants; graph inputs become IR
 * inputs with the declared (NCHW) shape, symbolic dims set to 1; nodes are
 * converted in file order (ONNX requires topological order, so an input
 * that is not yet defined means a cycle or a bad graph). A node whose
 * operator has no converter, or whose converter finds an attribute, type
 * or shape it cannot map, is recorded and its outputs are marked
 * unavailable; the walk goes on so that one error message can list every
 * unsupported node. Finally each graph output is fetched in the identity
 * (ONNX) layout and checked against its declared shape.
 */
#include "import/onnx/onnx_import.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- errors */
static const char *node_label(const ox_node *n, char *buf, size_t cap) {
  snprintf(buf, cap, "%s%s%s", n->domain[0] && strcmp(n->domain, "ai.onnx") ? n->domain : "",
           n->domain[0] && strcmp(n->domain, "ai.onnx") ? "." : "", n->op_type);
  return buf;
}

static int64_t node_opset(const ox_ctx *c, const ox_node *n) {
  return strcmp(n->domain, "com.microsoft") == 0 ? c->ms_opset : c->opset;
}

static void record_unsupported(ox_ctx *c, const ox_node *n, const char *reason) {
  char lab[160], item[768];
  if (n)
    snprintf(item, sizeof item, "%s (opset %lld, node '%s'): %s", node_label(n, lab, sizeof lab),
             (long long)node_opset(c, n), n->name[0] ? n->name : (n->n_out ? n->out[0] : "?"), reason);
  else
    snprintf(item, sizeof item, "%s", reason);
  const size_t len = strlen(item);
  if (c->unsup_len + len + 3 > c->unsup_cap) {
    size_t nc = (c->unsup_cap ? c->unsup_cap * 2 : 1024) + len;
    char *nb = ox_arena_alloc(c->arena, nc);
    if (!nb) return; /* the count still grows; the message says how many */
    if (c->unsup_len) memcpy(nb, c->unsup, c->unsup_len);
    c->unsup = nb;
    c->unsup_cap = nc;
  }
  if (c->unsup_len) {
    memcpy(c->unsup + c->unsup_len, "; ", 2);
    c->unsup_len += 2;
  }
  memcpy(c->unsup + c->unsup_len, item, len);
  c->unsup_len += len;
  c->unsup[c->unsup_len] = '\0';
  c->n_unsup++;
}

enn_status ox_unsupported(ox_ctx *c, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  record_unsupported(c, c->node, msg);
  return enn_err(ENN_ERR_UNSUPPORTED, "%s", msg);
}

enn_status ox_bad(ox_ctx *c, const char *fmt, ...) {
  char msg[512], lab[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!c->node) return enn_err(ENN_ERR_BAD_FORMAT, "onnx: %s", msg);
  return enn_err(ENN_ERR_BAD_FORMAT, "onnx: node %d '%s' (%s): %s", c->node_index, c->node->name,
                 node_label(c->node, lab, sizeof lab), msg);
}

enn_status ox_check_numel(ox_ctx *c, int32_t rank, const int64_t *dims, int64_t *numel) {
  int64_t n = 1;
  if (rank < 0 || rank > OX_MAX_RANK) return ox_unsupported(c, "rank %d (edgenn supports up to %d)", rank, OX_MAX_RANK);
  for (int32_t i = 0; i < rank; i++) {
    if (dims[i] < 0) return ox_bad(c, "negative dimension %lld", (long long)dims[i]);
    if (!enn_mul_i64(n, dims[i], &n) || n > c->opt.max_tensor_elems)
      return ox_unsupported(c, "a tensor of more than %lld elements", (long long)c->opt.max_tensor_elems);
  }
  if (numel) *numel = n;
  return ENN_OK;
}

/* ---------------------------------------------------------------- values */
static uint32_t hash_str(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

ox_val *ox_find(ox_ctx *c, const char *name) {
  if (!c->n_slots) return NULL;
  for (uint32_t i = hash_str(name) & (c->n_slots - 1);; i = (i + 1) & (c->n_slots - 1)) {
    const int32_t s = c->slots[i];
    if (!s) return NULL;
    if (strcmp(c->vals[s - 1]->name, name) == 0) return c->vals[s - 1];
  }
}

static enn_status rehash(ox_ctx *c, uint32_t n_slots) {
  int32_t *slots = ox_arena_alloc(c->arena, (size_t)n_slots * sizeof(int32_t));
  if (!slots) return ENN_ERR_NO_MEMORY;
  for (int32_t k = 0; k < c->n_vals; k++) {
    uint32_t i = hash_str(c->vals[k]->name) & (n_slots - 1);
    while (slots[i]) i = (i + 1) & (n_slots - 1);
    slots[i] = k + 1;
  }
  c->slots = slots;
  c->n_slots = n_slots;
  return ENN_OK;
}

/* A new value named `name` (must not exist yet). */
static enn_status new_val(ox_ctx *c, const char *name, ox_val **out) {
  if (ox_find(c, name)) return ox_bad(c, "value '%s' is defined more than once", name);
  enn_status st;
  if ((uint32_t)(c->n_vals + 1) * 2 > c->n_slots && (st = rehash(c, c->n_slots ? c->n_slots * 2 : 256))) return st;
  if (c->n_vals == c->cap_vals) {
    int32_t nc = c->cap_vals ? c->cap_vals * 2 : 256;
    ox_val **nv = ox_arena_alloc(c->arena, (size_t)nc * sizeof(ox_val *));
    if (!nv) return ENN_ERR_NO_MEMORY;
    if (c->n_vals) memcpy(nv, c->vals, (size_t)c->n_vals * sizeof(ox_val *));
    c->vals = nv;
    c->cap_vals = nc;
  }
  ox_val *v = ox_arena_alloc(c->arena, sizeof *v);
  if (!v) return ENN_ERR_NO_MEMORY;
  v->name = name;
  c->vals[c->n_vals++] = v;
  uint32_t i = hash_str(name) & (c->n_slots - 1);
  while (c->slots[i]) i = (i + 1) & (c->n_slots - 1);
  c->slots[i] = c->n_vals;
  *out = v;
  return ENN_OK;
}

char *ox_tmp_name(ox_ctx *c, const char *tag) {
  char nm[96];
  snprintf(nm, sizeof nm, "\x01" "%s%d_%d", tag, c->node_index, c->n_tmp++);
  return ox_arena_str(c->arena, (const uint8_t *)nm, strlen(nm));
}

ox_val *ox_in(ox_ctx *c, int32_t i) {
  const ox_node *n = c->node;
  if (!n || !ox_has_in(n, i)) return NULL;
  return ox_find(c, n->in[i]);
}

const char *ox_out_name(const ox_ctx *c, int32_t i) {
  const ox_node *n = c->node;
  return n && i < n->n_out ? n->out[i] : "";
}

enn_status ox_def_host(ox_ctx *c, const char *name, int32_t dtype, int32_t rank, const int64_t *dims, void *data) {
  if (!name[0]) return ENN_OK;
  ox_val *v;
  int64_t numel = 0;
  enn_status st;
  if ((st = ox_check_numel(c, rank, dims, &numel))) return st;
  if ((st = new_val(c, name, &v))) return st;
  v->dtype = dtype;
  v->rank = rank;
  for (int32_t i = 0; i < rank; i++) v->dims[i] = dims[i];
  v->numel = numel;
  v->host = data;
  return ENN_OK;
}

enn_status ox_def_ir(ox_ctx *c, const char *name, int32_t dtype, int32_t id, const int8_t *perm) {
  if (!name[0]) return ENN_OK;
  const enn_tensor_desc *d = ox_desc(c, id);
  ox_val *v;
  enn_status st = new_val(c, name, &v);
  if (st) return st;
  v->dtype = dtype;
  v->rank = d->rank;
  v->numel = enn_tensor_desc_numel(d);
  ox_form *f = &v->forms[0];
  f->id = id;
  if (perm) memcpy(f->perm, perm, OX_MAX_RANK);
  else ox_perm_identity(d->rank, f->perm);
  for (int32_t k = 0; k < d->rank; k++) v->dims[f->perm[k]] = d->dims[k];
  v->n_forms = 1;
  return ENN_OK;
}

enn_status ox_def_alias(ox_ctx *c, const char *name, const ox_val *src) {
  if (!name[0]) return ENN_OK;
  ox_val *v;
  enn_status st = new_val(c, name, &v);
  if (st) return st;
  const char *keep = v->name;
  *v = *src;
  v->name = keep;
  v->is_input = false;
  return ENN_OK;
}

/* Bakes binding data in as the host value of graph input v (see
 * enn_onnx_load_bound). Returns true when it did. */
static bool bind_input(ox_ctx *c, ox_val *v) {
  for (int32_t i = 0; i < c->opt.n_bind; i++) {
    const enn_onnx_binding *b = &c->opt.bind[i];
    if (!b->name || strcmp(b->name, v->name) != 0 || !b->desc || !b->data) continue;
    const size_t esz = ox_dtype_size(v->dtype);
    if (!esz || enn_dtype_size(b->desc->dtype) != esz || enn_tensor_desc_numel(b->desc) != v->numel ||
        b->desc->rank != v->rank)
      return false;
    for (int32_t k = 0; k < v->rank; k++)
      if (b->desc->dims[k] != v->dims[k]) return false;
    void *d = ox_arena_alloc(c->arena, (size_t)(v->numel ? v->numel : 1) * esz);
    if (!d) return false;
    memcpy(d, b->data, (size_t)v->numel * esz);
    v->host = d;
    const size_t n = strlen(c->bound);
    snprintf(c->bound + n, sizeof c->bound - n, "%s%s", n ? "," : "", v->name);
    return true;
  }
  return false;
}

bool ox_try_bind(ox_ctx *c, const ox_val *v) {
  return v->host || (v->is_input && bind_input(c, (ox_val *)v)); /* values are arena-owned and mutable */
}

enn_status ox_need_host(ox_ctx *c, const ox_val *v, const char *what) {
  if (v && ox_try_bind(c, v)) return ENN_OK;
  return ox_unsupported(c, "%s must be a constant (it is computed at run time%s%s%s)", what, v ? " from '" : "",
                        v ? v->name : "", v ? "'" : "");
}

enn_status ox_host_i64(ox_ctx *c, const ox_val *v, const char *what, int64_t **out) {
  enn_status st = ox_need_host(c, v, what);
  if (st) return st;
  int64_t *d = ox_arena_alloc(c->arena, (size_t)(v->numel ? v->numel : 1) * sizeof(int64_t));
  if (!d) return ENN_ERR_NO_MEMORY;
  for (int64_t i = 0; i < v->numel; i++) {
    switch (v->dtype) {
    case OX_INT64: d[i] = ((const int64_t *)v->host)[i]; break;
    case OX_INT32: d[i] = ((const int32_t *)v->host)[i]; break;
    case OX_INT16: d[i] = ((const int16_t *)v->host)[i]; break;
    case OX_INT8: d[i] = ((const int8_t *)v->host)[i]; break;
    case OX_UINT8: case OX_BOOL: d[i] = ((const uint8_t *)v->host)[i]; break;
    case OX_UINT16: d[i] = ((const uint16_t *)v->host)[i]; break;
    case OX_UINT32: d[i] = ((const uint32_t *)v->host)[i]; break;
    case OX_UINT64: d[i] = (int64_t)((const uint64_t *)v->host)[i]; break;
    default: return ox_unsupported(c, "%s has type %s, expected an integer type", what, ox_dtype_name(v->dtype));
    }
  }
  *out = d;
  return ENN_OK;
}

enn_status ox_host_f32(ox_ctx *c, const ox_val *v, const char *what, float **out) {
  enn_status st = ox_need_host(c, v, what);
  if (st) return st;
  if (v->dtype == OX_FLOAT) {
    *out = v->host;
    return ENN_OK;
  }
  float *d = ox_arena_alloc(c->arena, (size_t)(v->numel ? v->numel : 1) * sizeof(float));
  if (!d) return ENN_ERR_NO_MEMORY;
  if (v->dtype == OX_DOUBLE) {
    for (int64_t i = 0; i < v->numel; i++) d[i] = (float)((const double *)v->host)[i];
  } else if (v->dtype == OX_FLOAT16) {
    for (int64_t i = 0; i < v->numel; i++) d[i] = enn_f16_to_f32(((const uint16_t *)v->host)[i]);
  } else {
    int64_t *iv;
    if ((st = ox_host_i64(c, v, what, &iv))) return st;
    for (int64_t i = 0; i < v->numel; i++) d[i] = (float)iv[i];
  }
  *out = d;
  return ENN_OK;
}

/* --------------------------------------------------------------- layouts */
void ox_perm_identity(int32_t rank, int8_t *p) {
  for (int32_t k = 0; k < OX_MAX_RANK; k++) p[k] = (int8_t)(k < rank ? k : 0);
}

void ox_perm_cl(int32_t rank, int8_t *p) {
  ox_perm_identity(rank, p);
  if (rank < 3 || rank > OX_MAX_RANK) return;
  p[0] = 0;
  for (int32_t k = 1; k < rank - 1; k++) p[k] = (int8_t)(k + 1);
  p[rank - 1] = 1;
}

bool ox_perm_is_identity(int32_t rank, const int8_t *p) {
  for (int32_t k = 0; k < rank; k++)
    if (p[k] != k) return false;
  return true;
}

bool ox_perm_eq(int32_t rank, const int8_t *a, const int8_t *b) {
  for (int32_t k = 0; k < rank; k++)
    if (a[k] != b[k]) return false;
  return true;
}

int32_t ox_perm_pos(int32_t rank, const int8_t *p, int32_t axis) {
  for (int32_t k = 0; k < rank; k++)
    if (p[k] == axis) return k;
  return -1;
}

const enn_tensor_desc *ox_desc(const ox_ctx *c, int32_t id) { return &c->g->tensors[id].desc; }

static void base_name(const ox_ctx *c, char *buf, size_t cap) {
  const ox_node *n = c->node;
  if (n) {
    for (int32_t i = 0; i < n->n_out; i++)
      if (n->out[i][0]) {
        snprintf(buf, cap, "%s", n->out[i]);
        return;
      }
    if (n->name[0]) {
      snprintf(buf, cap, "%s", n->name);
      return;
    }
    snprintf(buf, cap, "%s_%d", n->op_type, c->node_index);
    return;
  }
  snprintf(buf, cap, "onnx");
}

enn_status ox_add(ox_ctx *c, enn_op op, const char *suffix, const int32_t *in, int32_t n_in, const enn_attrs *a,
                  int32_t n_out, int32_t *out) {
  char name[300];
  base_name(c, name, sizeof name);
  if (suffix) {
    size_t l = strlen(name);
    snprintf(name + l, sizeof name - l, "%s", suffix);
  }
  enn_status st = enn_graph_add_node(c->g, op, name, in, n_in, a, n_out, out);
  if (st) {
    char lab[160];
    if (c->node)
      return enn_err_prefix(st, "onnx: node %d '%s' (%s)", c->node_index, c->node->name,
                            node_label(c->node, lab, sizeof lab));
    return enn_err_prefix(st, "onnx");
  }
  for (int32_t k = 0; k < n_out; k++) {
    const enn_tensor_desc *d = ox_desc(c, out[k]);
    if ((st = ox_check_numel(c, d->rank, d->dims, NULL))) return st;
  }
  return ENN_OK;
}

enn_status ox_const_f32(ox_ctx *c, const char *suffix, int32_t rank, const int64_t *dims, const float *data,
                        int32_t *id) {
  char name[300];
  base_name(c, name, sizeof name);
  size_t l = strlen(name);
  snprintf(name + l, sizeof name - l, "%s", suffix ? suffix : "");
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, rank, dims);
  return enn_graph_add_constant(c->g, name, &d, data, ENN_CONST_COPY, id);
}

enn_status ox_reshape(ox_ctx *c, int32_t id, int32_t rank, const int64_t *dims, const char *suffix, int32_t *out) {
  const enn_tensor_desc *d = ox_desc(c, id);
  if (d->rank == rank) {
    bool same = true;
    for (int32_t k = 0; k < rank; k++) same &= d->dims[k] == dims[k];
    if (same) {
      *out = id;
      return ENN_OK;
    }
  }
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = rank;
  for (int32_t k = 0; k < rank; k++) a.shape[k] = dims[k];
  return ox_add(c, ENN_OP_RESHAPE, suffix, &id, 1, &a, 1, out);
}

static void perm_suffix(int32_t rank, const int8_t *p, char *buf, size_t cap) {
  int8_t cl[OX_MAX_RANK];
  ox_perm_cl(rank, cl);
  if (ox_perm_is_identity(rank, p)) snprintf(buf, cap, "%s", "");
  else if (ox_perm_eq(rank, p, cl)) snprintf(buf, cap, "%s", ".nhwc");
  else {
    size_t n = (size_t)snprintf(buf, cap, ".perm");
    for (int32_t k = 0; k < rank && n < cap; k++) n += (size_t)snprintf(buf + n, cap - n, "%d", p[k]);
  }
}

static void add_form(ox_val *v, int32_t id, const int8_t *perm) {
  if (v->n_forms >= OX_MAX_FORMS) return; /* not cached; the caller still gets the tensor */
  ox_form *f = &v->forms[v->n_forms++];
  f->id = id;
  memcpy(f->perm, perm, OX_MAX_RANK);
}

/* Host data of v permuted: out[k...] = v[perm applied]. esz bytes per element. */
void ox_permute_host(const void *src, void *dst, size_t esz, int32_t rank, const int64_t *dims, const int8_t *perm) {
  int64_t in_stride[OX_MAX_RANK], od[OX_MAX_RANK], idx[OX_MAX_RANK] = {0};
  int64_t s = 1, total = 1;
  for (int32_t k = rank - 1; k >= 0; k--) {
    in_stride[k] = s;
    s *= dims[k];
  }
  for (int32_t k = 0; k < rank; k++) {
    od[k] = dims[perm[k]];
    total *= od[k];
  }
  for (int64_t i = 0; i < total; i++) {
    int64_t off = 0;
    for (int32_t k = 0; k < rank; k++) off += idx[k] * in_stride[perm[k]];
    memcpy((uint8_t *)dst + (size_t)i * esz, (const uint8_t *)src + (size_t)off * esz, esz);
    for (int32_t k = rank - 1; k >= 0; k--) {
      if (++idx[k] < od[k]) break;
      idx[k] = 0;
    }
  }
}

/* Materialises float host value v in layout perm as an IR constant. */
static enn_status host_const(ox_ctx *c, ox_val *v, const int8_t *perm, int32_t *id) {
  float *f;
  enn_status st;
  if (v->dtype != OX_FLOAT && v->dtype != OX_DOUBLE && v->dtype != OX_FLOAT16)
    return ox_unsupported(c, "constant '%s' of type %s is used where a float tensor is expected", v->name,
                          ox_dtype_name(v->dtype));
  if ((st = ox_host_f32(c, v, v->name, &f))) return st;
  float *data = f;
  int64_t dims[OX_MAX_RANK];
  for (int32_t k = 0; k < v->rank; k++) dims[k] = v->dims[perm[k]];
  if (!ox_perm_is_identity(v->rank, perm)) {
    data = ox_arena_alloc(c->arena, (size_t)(v->numel ? v->numel : 1) * sizeof(float));
    if (!data) return ENN_ERR_NO_MEMORY;
    ox_permute_host(f, data, sizeof(float), v->rank, v->dims, perm);
  }
  char name[300], suf[48];
  perm_suffix(v->rank, perm, suf, sizeof suf);
  snprintf(name, sizeof name, "%s%s", v->name, suf);
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, v->rank, dims);
  if ((st = enn_graph_add_constant(c->g, name, &d, data, ENN_CONST_COPY, id))) return st;
  add_form(v, *id, perm);
  return ENN_OK;
}

/* Converts form src (perm q) of v into layout w: a Reshape when only size-1
 * axes move, otherwise a Transpose. */
static enn_status relayout(ox_ctx *c, ox_val *v, const ox_form *src, const int8_t *w, int32_t *id) {
  const int32_t r = v->rank;
  int8_t qinv[OX_MAX_RANK], t[OX_MAX_RANK];
  for (int32_t k = 0; k < r; k++) qinv[src->perm[k]] = (int8_t)k;
  for (int32_t k = 0; k < r; k++) t[k] = qinv[w[k]];
  const enn_tensor_desc *sd = ox_desc(c, src->id);
  int64_t od[OX_MAX_RANK];
  for (int32_t k = 0; k < r; k++) od[k] = sd->dims[t[k]];
  int32_t last = -1;
  bool view = true;
  for (int32_t k = 0; k < r && view; k++) {
    if (od[k] == 1) continue;
    if (t[k] < last) view = false;
    last = t[k];
  }
  char suf[48];
  perm_suffix(r, w, suf, sizeof suf);
  if (!suf[0]) snprintf(suf, sizeof suf, ".onnx");
  const ox_node *saved = c->node;
  char name[300];
  enn_status st;
  snprintf(name, sizeof name, "%s%s", v->name, suf);
  if (view) {
    enn_attrs a;
    enn_attrs_init_op(&a, ENN_OP_RESHAPE);
    a.shape_rank = r;
    for (int32_t k = 0; k < r; k++) a.shape[k] = od[k];
    st = enn_graph_add_node(c->g, ENN_OP_RESHAPE, name, &src->id, 1, &a, 1, id);
  } else {
    const enn_tensor_desc *d = ox_desc(c, src->id);
    if (d->dtype != ENN_DTYPE_F32)
      return ox_unsupported(c, "a layout change of the %s tensor '%s'", enn_dtype_name(d->dtype), v->name);
    enn_attrs a;
    enn_attrs_init_op(&a, ENN_OP_TRANSPOSE);
    for (int32_t k = 0; k < r; k++) a.perm[k] = t[k];
    st = enn_graph_add_node(c->g, ENN_OP_TRANSPOSE, name, &src->id, 1, &a, 1, id);
  }
  c->node = saved;
  if (st) return enn_err_prefix(st, "onnx: layout change of '%s'", v->name);
  const enn_tensor_desc *od_ = ox_desc(c, *id);
  if ((st = ox_check_numel(c, od_->rank, od_->dims, NULL))) return st;
  add_form(v, *id, w);
  return ENN_OK;
}

enn_status ox_get(ox_ctx *c, ox_val *v, const int8_t *perm, int32_t *id) {
  int8_t w[OX_MAX_RANK];
  if (perm) memcpy(w, perm, OX_MAX_RANK);
  else ox_perm_identity(v->rank, w);
  for (int32_t i = 0; i < v->n_forms; i++)
    if (ox_perm_eq(v->rank, v->forms[i].perm, w) && ox_desc(c, v->forms[i].id)->dtype == ENN_DTYPE_F32 &&
        !ox_is_q8(v->dtype)) {
      *id = v->forms[i].id;
      return ENN_OK;
    }
  if (v->host) return host_const(c, v, w, id);
  if (!ox_is_float(v->dtype))
    return ox_unsupported(c, "input '%s' has type %s; this operator is only supported on float tensors", v->name,
                          ox_dtype_name(v->dtype));
  for (int32_t i = 0; i < v->n_forms; i++)
    if (ox_desc(c, v->forms[i].id)->dtype == ENN_DTYPE_F32) return relayout(c, v, &v->forms[i], w, id);
  return enn_err(ENN_ERR_INTERNAL, "onnx: value '%s' has no tensor", v->name);
}

enn_status ox_get_any(ox_ctx *c, ox_val *v, int32_t *id, int8_t *perm) {
  if (!v->host && ox_is_float(v->dtype))
    for (int32_t i = 0; i < v->n_forms; i++)
      if (ox_desc(c, v->forms[i].id)->dtype == ENN_DTYPE_F32) {
        *id = v->forms[i].id;
        memcpy(perm, v->forms[i].perm, OX_MAX_RANK);
        return ENN_OK;
      }
  ox_perm_identity(v->rank, perm);
  return ox_get(c, v, perm, id);
}

void ox_pick_layout(ox_ctx *c, ox_val *const *vals, int32_t n, int32_t rank, int8_t *perm) {
  ox_perm_identity(rank, perm);
  for (int32_t i = 0; i < n; i++) {
    const ox_val *v = vals[i];
    if (!v || v->host || v->rank != rank || !v->n_forms) continue;
    for (int32_t k = 0; k < v->n_forms; k++)
      if (ox_desc(c, v->forms[k].id)->dtype == ENN_DTYPE_F32) {
        memcpy(perm, v->forms[k].perm, OX_MAX_RANK);
        return;
      }
  }
}

enn_status ox_get_bcast(ox_ctx *c, ox_val *v, int32_t rank, const int8_t *perm, int32_t *id) {
  if (v->rank == rank) return ox_get(c, v, perm, id);
  if (v->rank > rank) return enn_err(ENN_ERR_INTERNAL, "onnx: broadcast of rank %d to %d", v->rank, rank);
  /* a stand-in value of the padded rank, holding the same elements */
  ox_val tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.name = v->name;
  tmp.dtype = v->dtype;
  tmp.rank = rank;
  tmp.numel = v->numel;
  const int32_t lead = rank - v->rank;
  for (int32_t k = 0; k < rank; k++) tmp.dims[k] = k < lead ? 1 : v->dims[k - lead];
  enn_status st;
  if (v->host) {
    tmp.host = v->host;
    return ox_get(c, &tmp, perm, id);
  }
  int32_t src;
  if ((st = ox_get(c, v, NULL, &src))) return st;
  int32_t r;
  if ((st = ox_reshape(c, src, rank, tmp.dims, ".bcast", &r))) return st;
  tmp.n_forms = 1;
  tmp.forms[0].id = r;
  ox_perm_identity(rank, tmp.forms[0].perm);
  return ox_get(c, &tmp, perm, id);
}

/* ------------------------------------------------------------ attributes */
static const ox_attr *find_attr(ox_ctx *c, const char *name) { return c->node ? ox_attr_find(c->node, name) : NULL; }

enn_status ox_attr_i(ox_ctx *c, const char *name, int64_t def, int64_t *out) {
  const ox_attr *a = find_attr(c, name);
  *out = def;
  if (!a) return ENN_OK;
  if (a->type != OX_ATTR_INT) return ox_bad(c, "attribute '%s' has type %d, expected INT", name, a->type);
  *out = a->i;
  return ENN_OK;
}

enn_status ox_attr_f(ox_ctx *c, const char *name, float def, float *out) {
  const ox_attr *a = find_attr(c, name);
  *out = def;
  if (!a) return ENN_OK;
  if (a->type != OX_ATTR_FLOAT) return ox_bad(c, "attribute '%s' has type %d, expected FLOAT", name, a->type);
  *out = a->f;
  return ENN_OK;
}

enn_status ox_attr_s(ox_ctx *c, const char *name, const char *def, const char **out) {
  const ox_attr *a = find_attr(c, name);
  *out = def;
  if (!a) return ENN_OK;
  if (a->type != OX_ATTR_STRING) return ox_bad(c, "attribute '%s' has type %d, expected STRING", name, a->type);
  *out = a->s ? a->s : "";
  return ENN_OK;
}

enn_status ox_attr_ints(ox_ctx *c, const char *name, int64_t *vals, int32_t cap, int32_t *n) {
  const ox_attr *a = find_attr(c, name);
  *n = -1;
  if (!a) return ENN_OK;
  if (a->type != OX_ATTR_INTS) return ox_bad(c, "attribute '%s' has type %d, expected INTS", name, a->type);
  if (a->n_ints > cap) return ox_unsupported(c, "attribute '%s' has %d values (at most %d)", name, a->n_ints, cap);
  for (int32_t i = 0; i < a->n_ints; i++) vals[i] = a->ints[i];
  *n = a->n_ints;
  return ENN_OK;
}

enn_status ox_attr_floats(ox_ctx *c, const char *name, const float **vals, int32_t *n) {
  const ox_attr *a = find_attr(c, name);
  *n = -1;
  *vals = NULL;
  if (!a) return ENN_OK;
  if (a->type != OX_ATTR_FLOATS) return ox_bad(c, "attribute '%s' has type %d, expected FLOATS", name, a->type);
  *vals = a->floats;
  *n = a->n_floats;
  return ENN_OK;
}

/* ----------------------------------------------------------------- driver */
static const ox_op_entry *const op_tables[] = {ox_ops_nn, ox_ops_tensor, ox_ops_shape, ox_ops_quant};

static const ox_op_entry *find_converter(const ox_ctx *c, const ox_node *n, const char **why) {
  const char *dom = n->domain;
  if (strcmp(dom, "ai.onnx") == 0) dom = "";
  *why = "edgenn has no converter for this operator";
  if (dom[0] && strcmp(dom, "com.microsoft") != 0) {
    *why = "operators of this domain are not supported";
    return NULL;
  }
  for (size_t t = 0; t < ENN_ARRAY_LEN(op_tables); t++)
    for (const ox_op_entry *e = op_tables[t]; e->op_type; e++)
      if (strcmp(e->domain, dom) == 0 && strcmp(e->op_type, n->op_type) == 0) {
        if (node_opset(c, n) < e->min_opset) {
          *why = "this opset version of the operator is not supported";
          return NULL;
        }
        return e;
      }
  return NULL;
}

/* ONNX element type -> edgenn dtype of a graph input / output. */
static enn_dtype io_dtype(int32_t t) {
  switch (t) {
  case OX_FLOAT: return ENN_DTYPE_F32;
  case OX_UINT8: return ENN_DTYPE_U8;
  case OX_INT8: return ENN_DTYPE_I8;
  case OX_INT32: return ENN_DTYPE_I32;
  case OX_INT64: return ENN_DTYPE_I64;
  default: return ENN_DTYPE_INVALID;
  }
}

/* Defines `name` as unavailable (its readers are skipped; the reason was
 * recorded). A poisoned value has rank -1, no forms and no host data. */
static enn_status poison_name(ox_ctx *c, const char *name) {
  if (!name[0] || ox_find(c, name)) return ENN_OK;
  ox_val *v;
  enn_status st = new_val(c, name, &v);
  if (st) return st;
  v->rank = -1;
  return ENN_OK;
}

static enn_status add_initializers(ox_ctx *c) {
  const ox_graph *gr = &c->m->graph;
  for (int32_t i = 0; i < gr->n_inits; i++) {
    const ox_tensor *t = &gr->inits[i];
    if (!t->name[0]) return enn_err(ENN_ERR_BAD_FORMAT, "onnx: initializer %d has no name", i);
    const size_t esz = ox_dtype_size(t->dtype);
    enn_status st;
    if (esz == 0 || t->rank > OX_MAX_RANK) {
      /* only an error if a supported node reads it: define it as poison */
      char why[256];
      snprintf(why, sizeof why, "initializer '%s' has %s %s", t->name, esz ? "rank" : "type",
               esz ? "above 8" : ox_dtype_name(t->dtype));
      record_unsupported(c, NULL, why);
      if ((st = poison_name(c, t->name))) return st;
      continue;
    }
    if (t->numel < 0) return enn_err(ENN_ERR_BAD_FORMAT, "onnx: initializer '%s' has invalid dims", t->name);
    if (t->numel > c->opt.max_tensor_elems)
      return enn_err(ENN_ERR_UNSUPPORTED, "onnx: initializer '%s' has %lld elements (limit %lld)", t->name,
                     (long long)t->numel, (long long)c->opt.max_tensor_elems);
    void *data = NULL;
    if (!(st = ox_tensor_check(t)) && !(data = ox_arena_alloc(c->arena, (size_t)(t->numel ? t->numel : 1) * esz)))
      return ENN_ERR_NO_MEMORY;
    if (st || (st = ox_tensor_decode(t, data))) {
      if (st == ENN_ERR_UNSUPPORTED) {
        record_unsupported(c, NULL, enn_last_error());
        if ((st = poison_name(c, t->name))) return st;
        continue;
      }
      return st;
    }
    if ((st = ox_def_host(c, t->name, t->dtype, t->rank, t->dims, data))) return st;
  }
  return ENN_OK;
}

static enn_status add_inputs(ox_ctx *c) {
  const ox_graph *gr = &c->m->graph;
  for (int32_t i = 0; i < gr->n_inputs; i++) {
    const ox_valueinfo *vi = &gr->inputs[i];
    if (!vi->name[0]) return enn_err(ENN_ERR_BAD_FORMAT, "onnx: graph input %d has no name", i);
    const ox_val *prev = ox_find(c, vi->name);
    if (prev && prev->is_input) return enn_err(ENN_ERR_BAD_FORMAT, "onnx: graph input '%s' is listed twice", vi->name);
    if (prev) continue; /* an initializer listed as input (IR < 4): a constant */
    char why[300];
    enn_status st0;
    const enn_dtype dt = vi->is_tensor ? io_dtype(vi->elem_type) : ENN_DTYPE_INVALID;
    if (!vi->is_tensor || dt == ENN_DTYPE_INVALID || vi->rank < 0 || vi->rank > OX_MAX_RANK) {
      if (!vi->is_tensor) snprintf(why, sizeof why, "graph input '%s' is not a tensor", vi->name);
      else if (dt == ENN_DTYPE_INVALID)
        snprintf(why, sizeof why, "graph input '%s' has element type %s", vi->name, ox_dtype_name(vi->elem_type));
      else snprintf(why, sizeof why, "graph input '%s' has %s", vi->name, vi->rank < 0 ? "no shape" : "rank above 8");
      record_unsupported(c, NULL, why);
      if ((st0 = poison_name(c, vi->name))) return st0;
      continue;
    }
    bool empty = false;
    for (int32_t k = 0; k < vi->rank; k++) empty |= vi->dims[k] == 0;
    if (empty) {
      snprintf(why, sizeof why, "graph input '%s' is empty (a dimension is 0)", vi->name);
      record_unsupported(c, NULL, why);
      if ((st0 = poison_name(c, vi->name))) return st0;
      continue;
    }
    enn_tensor_desc d;
    enn_tensor_desc_init(&d, dt, vi->rank, vi->dims);
    int64_t numel;
    enn_status st;
    if ((st = ox_check_numel(c, vi->rank, vi->dims, &numel))) return st;
    int32_t id;
    if ((st = enn_graph_add_input(c->g, vi->name, &d, &id))) return enn_err_prefix(st, "onnx: graph input '%s'", vi->name);
    if (dt == ENN_DTYPE_U8 || dt == ENN_DTYPE_I8 || dt == ENN_DTYPE_I32) {
      /* raw integers: quantised consumers apply their own scale / zero point */
      const float one = 1.0f;
      const int32_t zero = 0;
      enn_quant q = {-1, 1, &one, &zero};
      if ((st = enn_graph_set_quant(c->g, id, &q))) return st;
    }
    if ((st = ox_def_ir(c, vi->name, vi->elem_type, id, NULL))) return st;
    ox_find(c, vi->name)->is_input = true;
  }
  return ENN_OK;
}

/* Marks every output of node n unavailable. */
static enn_status poison_outputs(ox_ctx *c, const ox_node *n) {
  for (int32_t i = 0; i < n->n_out; i++) {
    enn_status st = poison_name(c, n->out[i]);
    if (st) return st;
  }
  return ENN_OK;
}

static bool is_poisoned(const ox_val *v) { return v->rank < 0; }

static enn_status convert_nodes(ox_ctx *c) {
  const ox_graph *gr = &c->m->graph;
  for (int32_t i = 0; i < gr->n_nodes; i++) {
    const ox_node *n = &gr->nodes[i];
    c->node = n;
    c->node_index = i;
    enn_status st;
    bool skip = false;
    for (int32_t k = 0; k < n->n_in; k++) {
      if (!n->in[k][0]) continue;
      const ox_val *v = ox_find(c, n->in[k]);
      if (!v) {
        return ox_bad(c, "input '%s' is not a graph input, an initializer or the output of an earlier node (the "
                         "graph is cyclic or not in topological order)",
                      n->in[k]);
      }
      if (is_poisoned(v)) skip = true;
    }
    if (n->n_out < 1) return ox_bad(c, "the node has no outputs");
    const char *why;
    const ox_op_entry *e = find_converter(c, n, &why);
    if (!e) {
      record_unsupported(c, n, why);
      skip = true;
    }
    if (!skip) {
      const int32_t mark = c->n_unsup;
      st = e->fn(c, n);
      if (st == ENN_ERR_UNSUPPORTED) {
        if (c->n_unsup == mark) record_unsupported(c, n, enn_last_error());
        skip = true;
      } else if (st) {
        char lab[160];
        if (strncmp(enn_last_error(), "onnx: node", 10) == 0) return st;
        return enn_err_prefix(st, "onnx: node %d '%s' (%s)", i, n->name, node_label(n, lab, sizeof lab));
      }
    }
    if (skip && (st = poison_outputs(c, n))) return st;
    for (int32_t k = 0; k < n->n_out && !skip; k++)
      if (n->out[k][0] && !ox_find(c, n->out[k]))
        return ox_bad(c, "output %d ('%s') is not one this operator produces", k, n->out[k]);
  }
  c->node = NULL;
  return ENN_OK;
}

/* The IR tensor that carries graph output v (identity layout, declared
 * type). */
static enn_status output_tensor(ox_ctx *c, ox_val *v, int32_t *id) {
  int8_t ident[OX_MAX_RANK];
  ox_perm_identity(v->rank, ident);
  if (ox_is_float(v->dtype) || (v->host && (v->dtype == OX_DOUBLE || v->dtype == OX_FLOAT16)))
    return ox_get(c, v, ident, id);
  if (ox_is_q8(v->dtype) && !v->host) {
    for (int32_t i = 0; i < v->n_forms; i++) {
      const enn_tensor_desc *d = ox_desc(c, v->forms[i].id);
      if (d->dtype != ENN_DTYPE_F32 && ox_perm_is_identity(v->rank, v->forms[i].perm)) {
        *id = v->forms[i].id;
        return ENN_OK;
      }
    }
    return ox_q8_tensor(c, v, ident, id);
  }
  const enn_dtype dt = io_dtype(v->dtype);
  if (v->host && dt != ENN_DTYPE_INVALID) {
    enn_tensor_desc d;
    enn_tensor_desc_init(&d, dt, v->rank, v->dims);
    void *data = v->host;
    if (v->dtype == OX_BOOL) d.dtype = ENN_DTYPE_U8;
    return enn_graph_add_constant(c->g, v->name, &d, data, ENN_CONST_COPY, id);
  }
  return enn_err(ENN_ERR_UNSUPPORTED, "onnx: graph output '%s' has type %s, which edgenn cannot produce", v->name,
                 ox_dtype_name(v->dtype));
}

static enn_status add_outputs(ox_ctx *c) {
  const ox_graph *gr = &c->m->graph;
  if (gr->n_outputs == 0) return enn_err(ENN_ERR_BAD_FORMAT, "onnx: the graph has no outputs");
  for (int32_t i = 0; i < gr->n_outputs; i++) {
    const ox_valueinfo *vi = &gr->outputs[i];
    ox_val *v = ox_find(c, vi->name);
    if (!v) return enn_err(ENN_ERR_BAD_FORMAT, "onnx: graph output '%s' is not produced by any node", vi->name);
    int32_t id;
    enn_status st = output_tensor(c, v, &id);
    if (st) return st;
    /* a graph input or constant passed straight through gets a node of its own */
    enn_tensor *t = &c->g->tensors[id];
    if (t->kind != ENN_TK_ACT) {
      c->node = NULL;
      char nm[300];
      snprintf(nm, sizeof nm, "%s.out", vi->name);
      if ((st = enn_graph_add_node(c->g, ENN_OP_IDENTITY, nm, &id, 1, NULL, 1, &id))) return st;
    }
    /* the output tensor takes the ONNX name; a tensor already called so is renamed */
    t = &c->g->tensors[id];
    if (strcmp(t->name, vi->name) != 0) {
      for (int32_t k = 0; k < c->g->n_tensors; k++) {
        enn_tensor *o = &c->g->tensors[k];
        if (k != id && strcmp(o->name, vi->name) == 0) {
          char nm[300];
          snprintf(nm, sizeof nm, "%s.%d", vi->name, k);
          char *s = enn_strdup(&c->g->alloc, nm);
          if (!s) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
          enn_free(&c->g->alloc, o->name);
          o->name = s;
        }
      }
      char *s = enn_strdup(&c->g->alloc, vi->name);
      if (!s) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
      enn_free(&c->g->alloc, t->name);
      t->name = s;
    }
    /* check against the declared shape */
    const enn_tensor_desc *d = ox_desc(c, id);
    if (vi->is_tensor && vi->rank >= 0) {
      bool ok = vi->rank == d->rank;
      for (int32_t k = 0; ok && k < d->rank && k < OX_MAX_RANK; k++)
        ok = vi->symbolic[k] || vi->dims[k] == d->dims[k];
      if (!ok) {
        char a[96], b[96];
        enn_tensor_desc decl;
        enn_tensor_desc_init(&decl, ENN_DTYPE_F32, vi->rank > OX_MAX_RANK ? OX_MAX_RANK : vi->rank, vi->dims);
        return enn_err(ENN_ERR_SHAPE, "onnx: graph output '%s' computes to %s but the model declares %s", vi->name,
                       enn_desc_str(d, a, sizeof a), enn_desc_str(&decl, b, sizeof b));
      }
    }
    if ((st = enn_graph_add_output(c->g, id))) return st;
  }
  return ENN_OK;
}

static enn_status finish_unsupported(ox_ctx *c) {
  if (!c->n_unsup) return ENN_OK;
  char msg[1000];
  const char *list = c->unsup ? c->unsup : "";
  int n = snprintf(msg, sizeof msg, "onnx: the model cannot be imported (%d unsupported node%s): ", c->n_unsup,
                   c->n_unsup == 1 ? "" : "s");
  size_t room = sizeof msg - (size_t)n - 1;
  if (strlen(list) <= room) snprintf(msg + n, sizeof msg - (size_t)n, "%s", list);
  else snprintf(msg + n, sizeof msg - (size_t)n, "%.*s ...", (int)(room - 4), list);
  return enn_err(ENN_ERR_UNSUPPORTED, "%s", msg);
}

void enn_onnx_options_init(enn_onnx_options *o) {
  memset(o, 0, sizeof *o);
  o->max_host_bytes = ENN_ONNX_DEFAULT_HOST_LIMIT;
  o->max_tensor_elems = ENN_ONNX_DEFAULT_MAX_ELEMS;
}

enn_status enn_onnx_load_ex(const void *data, size_t size, const enn_onnx_options *o, const enn_allocator *alloc,
                            enn_graph **out) {
  if (!out) return enn_err(ENN_ERR_INVALID_ARG, "enn_onnx_load: out is NULL");
  *out = NULL;
  if (!data && size) return enn_err(ENN_ERR_INVALID_ARG, "enn_onnx_load: data is NULL");
  ox_ctx c;
  memset(&c, 0, sizeof c);
  if (o) c.opt = *o;
  else enn_onnx_options_init(&c.opt);
  if (!c.opt.max_host_bytes) c.opt.max_host_bytes = ENN_ONNX_DEFAULT_HOST_LIMIT;
  if (c.opt.max_tensor_elems <= 0) c.opt.max_tensor_elems = ENN_ONNX_DEFAULT_MAX_ELEMS;
  ox_arena arena;
  ox_arena_init(&arena, alloc, c.opt.max_host_bytes);
  c.arena = &arena;
  ox_model m;
  enn_graph *g = NULL;
  enn_status st = ox_parse_model(data ? data : (const void *)"", size, &arena, &m);
  if (st) {
    if (strncmp(enn_last_error(), "onnx", 4) != 0) enn_err_prefix(st, "onnx");
    goto done;
  }
  c.m = &m;
  c.opset = -1;
  for (int32_t i = 0; i < m.n_opsets; i++) {
    const char *d = m.opsets[i].domain;
    if (!d[0] || strcmp(d, "ai.onnx") == 0) c.opset = m.opsets[i].version;
    else if (strcmp(d, "com.microsoft") == 0) c.ms_opset = m.opsets[i].version;
  }
  if (c.opset < 0) c.opset = m.n_opsets ? 0 : 1; /* IR < 3 models have no opset_import: opset 1 */
  if (c.opset > 18 && c.opset <= 21) {
    /* newer opsets: the converters check the operators whose semantics changed */
  } else if (c.opset > 21) {
    st = enn_err(ENN_ERR_UNSUPPORTED, "onnx: default-domain opset %lld is newer than edgenn knows (up to 21)",
                 (long long)c.opset);
    goto done;
  }
  if ((st = enn_graph_create(alloc, &g))) goto done;
  c.g = g;
  enn_graph_set_meta(g, "source", "onnx");
  if (m.producer_name[0]) {
    char p[256];
    snprintf(p, sizeof p, "%s %s", m.producer_name, m.producer_version);
    enn_graph_set_meta(g, "producer", p);
  }
  for (int32_t i = 0; i < m.n_meta; i++)
    if (strlen(m.meta_key[i]) < 64) {
      char k[80];
      snprintf(k, sizeof k, "onnx.%s", m.meta_key[i]);
      enn_graph_set_meta(g, k, m.meta_value[i]);
    }
  if (m.graph.n_sparse) record_unsupported(&c, NULL, "sparse initializers");
  if ((st = add_initializers(&c))) goto done;
  if ((st = add_inputs(&c))) goto done;
  if ((st = convert_nodes(&c))) goto done;
  if ((st = finish_unsupported(&c))) goto done;
  if ((st = add_outputs(&c))) goto done;
  if (c.bound[0]) enn_graph_set_meta(g, "onnx.bound_inputs", c.bound);
  *out = g;
  g = NULL;
done:
  enn_graph_destroy(g);
  ox_arena_free(&arena);
  return st;
}

enn_status ox_get_same(ox_ctx *c, ox_val *v, const int8_t *perm, int32_t *id) {
  if (ox_is_q8(v->dtype) && !v->host) return ox_q8_tensor(c, v, perm, id);
  return ox_get(c, v, perm, id);
}
