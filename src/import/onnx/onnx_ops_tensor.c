/*
 * ONNX converters for data-movement operators: Reshape / Flatten /
 * Squeeze / Unsqueeze (views), Transpose (a relabelling of the layout, no
 * IR node at all), Concat / Split / Slice / Pad / ReduceMean / Gather (run
 * in the layout the input has, their axes mapped through it), Resize /
 * Upsample (NHWC), Expand.
 *
 * Each converter evaluates on the host when every input is a constant
 * (shape arithmetic), otherwise emits IR nodes. Version differences: axes /
 * split / starts / pads / shape as attributes in early opsets and as
 * (constant) inputs later; Reshape's allowzero (14); Resize's coordinate
 * modes (11+) and Upsample (7, 9).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "import/onnx/onnx_import.h"

/* ---------------------------------------------------------------- helpers */
/* Normalises axis against rank (negative counts from the end). */
static enn_status norm_axis(ox_ctx *c, int64_t axis, int32_t rank, int32_t *out) {
  if (axis < -rank || axis >= rank) return ox_bad(c, "axis %lld is out of range for rank %d", (long long)axis, rank);
  *out = (int32_t)(axis < 0 ? axis + rank : axis);
  return ENN_OK;
}

/* Integer list from attribute `attr` (opset < from_opset) or input `input`
 * (a constant); *n = -1 when neither is given. */
static enn_status ints_arg(ox_ctx *c, const char *attr, int32_t input, int64_t from_opset, int64_t *vals, int32_t cap,
                           int32_t *n) {
  *n = -1;
  if (c->opset < from_opset) return ox_attr_ints(c, attr, vals, cap, n);
  ox_val *v = ox_in(c, input);
  if (!v) return ENN_OK;
  int64_t *d;
  char what[64];
  snprintf(what, sizeof what, "the '%s' input", attr);
  enn_status st = ox_host_i64(c, v, what, &d);
  if (st) return st;
  if (v->numel > cap) return ox_unsupported(c, "%s has %lld values (at most %d)", what, (long long)v->numel, cap);
  for (int64_t i = 0; i < v->numel; i++) vals[i] = d[i];
  *n = (int32_t)v->numel;
  return ENN_OK;
}

/* Any IR form of v in its natural kind (f32, or u8/i8 for quantised
 * values): the first existing one, else the identity layout. */
static enn_status any_same(ox_ctx *c, ox_val *v, int32_t *id, int8_t *perm) {
  const bool q8 = ox_is_q8(v->dtype);
  for (int32_t i = 0; i < v->n_forms; i++) {
    const enn_dtype dt = ox_desc(c, v->forms[i].id)->dtype;
    if (q8 ? dt != ENN_DTYPE_F32 : dt == ENN_DTYPE_F32) {
      *id = v->forms[i].id;
      memcpy(perm, v->forms[i].perm, OX_MAX_RANK);
      return ENN_OK;
    }
  }
  ox_perm_identity(v->rank, perm);
  return ox_get_same(c, v, perm, id);
}

/* Defines `name` as host data equal to v's under new dims (no copy). */
static enn_status host_reshape(ox_ctx *c, const ox_val *v, int32_t rank, const int64_t *dims, const char *name) {
  return ox_def_host(c, name, v->dtype, rank, dims, v->host);
}

/* Identity-layout view of v with new dims. */
static enn_status view_to(ox_ctx *c, ox_val *v, int32_t rank, const int64_t *dims, const char *name) {
  if (v->host) return host_reshape(c, v, rank, dims, name);
  int32_t id, y;
  enn_status st;
  if ((st = ox_get_same(c, v, NULL, &id)) || (st = ox_reshape(c, id, rank, dims, NULL, &y))) return st;
  return ox_def_ir(c, name, v->dtype, y, NULL);
}

/* ---------------------------------------------------------------- Reshape */
static enn_status cv_reshape(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  int64_t shape[OX_MAX_RANK + 1];
  int32_t ns;
  enn_status st;
  if ((st = ints_arg(c, "shape", 1, 5, shape, OX_MAX_RANK, &ns))) return st;
  if (ns < 0) return ox_bad(c, "no target shape");
  int64_t allowzero = 0;
  if (c->opset >= 14 && (st = ox_attr_i(c, "allowzero", 0, &allowzero))) return st;
  int64_t dims[OX_MAX_RANK], known = 1;
  int32_t infer = -1;
  for (int32_t i = 0; i < ns; i++) {
    int64_t d = shape[i];
    if (d == 0 && !allowzero) {
      if (i >= x->rank) return ox_bad(c, "shape[%d] = 0 copies a dimension the input does not have", i);
      d = x->dims[i];
    } else if (d == -1) {
      if (infer >= 0) return ox_bad(c, "more than one -1 in the shape");
      infer = i;
      d = 1;
    } else if (d < 0) return ox_bad(c, "shape[%d] = %lld", i, (long long)d);
    dims[i] = d;
    if (i != infer && !enn_mul_i64(known, d, &known)) return ox_bad(c, "shape overflows");
  }
  if (infer >= 0) {
    if (known == 0 || x->numel % known) return ox_bad(c, "cannot infer the -1 dimension");
    dims[infer] = x->numel / known;
  } else if (known != x->numel)
    return ox_bad(c, "the shape has %lld elements, the input %lld", (long long)known, (long long)x->numel);
  return view_to(c, x, ns, dims, n->out[0]);
}

static enn_status cv_flatten(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  int64_t axis;
  enn_status st;
  if ((st = ox_attr_i(c, "axis", 1, &axis))) return st;
  if (axis < -x->rank || axis > x->rank) return ox_bad(c, "axis %lld out of range", (long long)axis);
  if (axis < 0) axis += x->rank;
  int64_t d[2] = {1, 1};
  for (int32_t k = 0; k < x->rank; k++) d[k < axis ? 0 : 1] *= x->dims[k];
  return view_to(c, x, 2, d, n->out[0]);
}

/* ------------------------------------------------------- Squeeze / Unsqueeze */
static enn_status cv_squeeze(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  int64_t axes[OX_MAX_RANK];
  int32_t na;
  enn_status st;
  if ((st = ints_arg(c, "axes", 1, 13, axes, OX_MAX_RANK, &na))) return st;
  bool drop[OX_MAX_RANK] = {false};
  if (na < 0) {
    for (int32_t k = 0; k < x->rank; k++) drop[k] = x->dims[k] == 1;
  } else {
    for (int32_t i = 0; i < na; i++) {
      int32_t a = 0;
      if ((st = norm_axis(c, axes[i], x->rank, &a))) return st;
      if (x->dims[a] != 1) return ox_bad(c, "cannot squeeze axis %d of size %lld", a, (long long)x->dims[a]);
      drop[a] = true;
    }
  }
  int64_t dims[OX_MAX_RANK];
  int32_t r = 0, newax[OX_MAX_RANK];
  for (int32_t k = 0; k < x->rank; k++) {
    newax[k] = r;
    if (!drop[k]) dims[r++] = x->dims[k];
  }
  if (x->host) return host_reshape(c, x, r, dims, n->out[0]);
  int32_t id, y;
  int8_t p[OX_MAX_RANK], np[OX_MAX_RANK];
  if ((st = any_same(c, x, &id, p))) return st;
  int64_t ird[OX_MAX_RANK];
  int32_t j = 0;
  const enn_tensor_desc *d = ox_desc(c, id);
  ox_perm_identity(r, np);
  for (int32_t k = 0; k < x->rank; k++) {
    if (drop[p[k]]) continue;
    ird[j] = d->dims[k];
    np[j++] = (int8_t)newax[p[k]];
  }
  if ((st = ox_reshape(c, id, r, ird, NULL, &y))) return st;
  return ox_def_ir(c, n->out[0], x->dtype, y, np);
}

static enn_status cv_unsqueeze(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  int64_t axes[OX_MAX_RANK];
  int32_t na;
  enn_status st;
  if ((st = ints_arg(c, "axes", 1, 13, axes, OX_MAX_RANK, &na))) return st;
  if (na < 1) return ox_bad(c, "no axes");
  const int32_t r = x->rank + na;
  if (r > OX_MAX_RANK) return ox_unsupported(c, "output rank %d (at most %d)", r, OX_MAX_RANK);
  bool ins[OX_MAX_RANK] = {false};
  for (int32_t i = 0; i < na; i++) {
    int32_t a = 0;
    if ((st = norm_axis(c, axes[i], r, &a))) return st;
    if (ins[a]) return ox_bad(c, "axis %d listed twice", a);
    ins[a] = true;
  }
  int64_t dims[OX_MAX_RANK];
  int32_t oldmap[OX_MAX_RANK]; /* old ONNX axis -> new ONNX axis */
  for (int32_t k = 0, j = 0; k < r; k++) {
    if (ins[k]) dims[k] = 1;
    else {
      dims[k] = x->dims[j];
      oldmap[j++] = k;
    }
  }
  if (x->host) return host_reshape(c, x, r, dims, n->out[0]);
  int32_t id, y;
  int8_t p[OX_MAX_RANK], np[OX_MAX_RANK];
  if ((st = any_same(c, x, &id, p))) return st;
  if (ox_perm_is_identity(x->rank, p)) {
    if ((st = ox_reshape(c, id, r, dims, NULL, &y))) return st;
    return ox_def_ir(c, n->out[0], x->dtype, y, NULL);
  }
  /* keep the IR order of the old axes, new unit axes at the end */
  const enn_tensor_desc *d = ox_desc(c, id);
  int64_t ird[OX_MAX_RANK];
  int32_t j = 0;
  for (int32_t k = 0; k < x->rank; k++) {
    ird[j] = d->dims[k];
    np[j++] = (int8_t)oldmap[p[k]];
  }
  for (int32_t k = 0; k < r; k++)
    if (ins[k]) {
      ird[j] = 1;
      np[j++] = (int8_t)k;
    }
  if ((st = ox_reshape(c, id, r, ird, NULL, &y))) return st;
  return ox_def_ir(c, n->out[0], x->dtype, y, np);
}

/* -------------------------------------------------------------- Transpose */
static enn_status cv_transpose(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  const int32_t r = x->rank;
  int64_t pv[OX_MAX_RANK];
  int32_t np;
  enn_status st;
  if ((st = ox_attr_ints(c, "perm", pv, OX_MAX_RANK, &np))) return st;
  int8_t p[OX_MAX_RANK] = {0}, pinv[OX_MAX_RANK] = {0};
  bool seen[OX_MAX_RANK] = {false};
  if (np >= 0 && np != r) return ox_bad(c, "perm has %d values for rank %d", np, r);
  for (int32_t k = 0; k < r; k++) {
    const int64_t a = np >= 0 ? pv[k] : r - 1 - k;
    if (a < 0 || a >= r || seen[a]) return ox_bad(c, "perm is not a permutation");
    seen[a] = true;
    p[k] = (int8_t)a;
    pinv[a] = (int8_t)k;
  }
  if (x->host) return ox_host_transpose(c, x, p, n->out[0]);
  /* no data moves: each form of x is a form of y with perm pinv o q */
  int32_t id;
  int8_t q[OX_MAX_RANK];
  if ((st = any_same(c, x, &id, q))) return st;
  int8_t s[OX_MAX_RANK];
  ox_perm_identity(r, s);
  for (int32_t k = 0; k < r; k++) s[k] = pinv[q[k]];
  if ((st = ox_def_ir(c, n->out[0], x->dtype, id, s))) return st;
  ox_val *y = ox_find(c, n->out[0]);
  for (int32_t i = 0; y && i < x->n_forms && y->n_forms < OX_MAX_FORMS; i++) {
    if (x->forms[i].id == id) continue;
    ox_form *f = &y->forms[y->n_forms++];
    f->id = x->forms[i].id;
    ox_perm_identity(r, f->perm);
    for (int32_t k = 0; k < r; k++) f->perm[k] = pinv[x->forms[i].perm[k]];
  }
  return ENN_OK;
}

/* ------------------------------------------------------------------ Concat */
static enn_status cv_concat(ox_ctx *c, const ox_node *n) {
  if (n->n_in < 1 || n->n_in > ENN_MAX_SPLITS) return ox_unsupported(c, "%d inputs (1..%d)", n->n_in, ENN_MAX_SPLITS);
  ox_val *vs[ENN_MAX_SPLITS];
  bool all_host = true;
  for (int32_t i = 0; i < n->n_in; i++) {
    if (!(vs[i] = ox_in(c, i))) return ox_bad(c, "input %d is missing", i);
    all_host &= vs[i]->host != NULL;
  }
  const int32_t r = vs[0]->rank;
  int64_t axis;
  enn_status st;
  if ((st = ox_attr_i(c, "axis", c->opset < 4 ? 1 : INT64_MIN, &axis))) return st;
  if (axis == INT64_MIN) return ox_bad(c, "the axis attribute is required");
  int32_t ax = 0;
  if ((st = norm_axis(c, axis, r, &ax))) return st;
  for (int32_t i = 0; i < n->n_in; i++) {
    if (vs[i]->rank != r) return ox_bad(c, "inputs have different ranks");
    for (int32_t k = 0; k < r; k++)
      if (k != ax && vs[i]->dims[k] != vs[0]->dims[k]) return ox_bad(c, "input %d's shape differs outside the axis", i);
  }
  if (all_host) return ox_host_concat(c, vs, n->n_in, ax, n->out[0]);
  const bool q8 = ox_is_q8(vs[0]->dtype);
  int8_t perm[OX_MAX_RANK];
  ox_pick_layout(c, vs, n->n_in, r, perm);
  int32_t ids[ENN_MAX_SPLITS], m = 0, y;
  if (q8) {
    for (int32_t i = 0; i < n->n_in; i++)
      if (vs[i]->dtype != vs[0]->dtype) return ox_bad(c, "inputs have different types");
    for (int32_t i = 0; i < n->n_in && ox_perm_is_identity(r, perm); i++)
      if (!vs[i]->host && vs[i]->n_forms) memcpy(perm, vs[i]->forms[0].perm, OX_MAX_RANK);
  }
  for (int32_t i = 0; i < n->n_in; i++) {
    if (vs[i]->numel == 0) continue; /* an empty piece adds nothing */
    if ((st = q8 ? ox_q8_raw(c, vs[i], perm, &ids[m++]) : ox_get(c, vs[i], perm, &ids[m++]))) return st;
  }
  if (m == 0) return ox_unsupported(c, "an empty result");
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONCAT);
  a.axis = ox_perm_pos(r, perm, ax);
  if (m == 1) y = ids[0];
  else if ((st = ox_add(c, ENN_OP_CONCAT, q8 ? ".raw" : NULL, ids, m, &a, 1, &y))) return st;
  if (q8) return ox_q8_from_raw(c, y, vs[0]->dtype, n->out[0], perm);
  return ox_def_ir(c, n->out[0], OX_FLOAT, y, perm);
}

/* ------------------------------------------------------------------- Split */
static enn_status cv_split(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  const int32_t no = n->n_out;
  if (no < 1 || no > ENN_MAX_SPLITS) return ox_unsupported(c, "%d outputs (1..%d)", no, ENN_MAX_SPLITS);
  int64_t axis;
  enn_status st;
  int32_t ax = 0;
  if ((st = ox_attr_i(c, "axis", 0, &axis)) || (st = norm_axis(c, axis, x->rank, &ax))) return st;
  int64_t sizes[ENN_MAX_SPLITS];
  int32_t ns;
  if ((st = ints_arg(c, "split", 1, 13, sizes, ENN_MAX_SPLITS, &ns))) return st;
  const int64_t dim = x->dims[ax];
  if (ns < 0) {
    int64_t num = no;
    if (c->opset >= 18 && (st = ox_attr_i(c, "num_outputs", no, &num))) return st;
    if (num != no) return ox_bad(c, "num_outputs %lld but %d outputs", (long long)num, no);
    const int64_t each = (dim + no - 1) / no; /* opset 18: the last piece may be smaller */
    if (c->opset < 18 && dim % no) return ox_bad(c, "dimension %lld does not split into %d equal parts", (long long)dim, no);
    for (int32_t i = 0; i < no; i++) sizes[i] = i < no - 1 ? each : dim - each * (no - 1);
    ns = no;
  }
  if (ns != no) return ox_bad(c, "%d split sizes for %d outputs", ns, no);
  int64_t sum = 0;
  for (int32_t i = 0; i < no; i++) {
    if (sizes[i] < 0) return ox_bad(c, "negative split size");
    sum += sizes[i];
  }
  if (sum != dim) return ox_bad(c, "split sizes sum to %lld, the axis has %lld", (long long)sum, (long long)dim);
  if (x->host) {
    int64_t start[OX_MAX_RANK], step[OX_MAX_RANK], count[OX_MAX_RANK], off = 0;
    for (int32_t i = 0; i < no; i++) {
      for (int32_t k = 0; k < x->rank; k++) {
        start[k] = k == ax ? off : 0;
        step[k] = 1;
        count[k] = k == ax ? sizes[i] : x->dims[k];
      }
      off += sizes[i];
      if ((st = ox_host_slice(c, x, start, step, count, n->out[i]))) return st;
    }
    return ENN_OK;
  }
  for (int32_t i = 0; i < no; i++)
    if (sizes[i] == 0) return ox_unsupported(c, "an empty output");
  int32_t id, ys[ENN_MAX_SPLITS];
  int8_t perm[OX_MAX_RANK];
  const bool q8 = ox_is_q8_rt(x);
  if ((st = q8 ? ox_q8_raw_any(c, x, &id, perm) : ox_get_any(c, x, &id, perm))) return st;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SPLIT);
  a.axis = ox_perm_pos(x->rank, perm, ax);
  a.n_splits = no;
  for (int32_t i = 0; i < no; i++) a.splits[i] = sizes[i];
  if (no == 1) ys[0] = id;
  else if ((st = ox_add(c, ENN_OP_SPLIT, q8 ? ".raw" : NULL, &id, 1, &a, no, ys))) return st;
  for (int32_t i = 0; i < no; i++)
    if ((st = q8 ? ox_q8_from_raw(c, ys[i], x->dtype, n->out[i], perm) : ox_def_ir(c, n->out[i], OX_FLOAT, ys[i], perm)))
      return st;
  return ENN_OK;
}

/* ------------------------------------------------------------------- Slice */
void ox_slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *first, int64_t *count) {
  int64_t s = start < 0 ? start + dim : start, e = end < 0 ? end + dim : end, cnt;
  if (step > 0) {
    s = s < 0 ? 0 : (s > dim ? dim : s);
    e = e < 0 ? 0 : (e > dim ? dim : e);
    cnt = e > s ? (e - s - 1) / step + 1 : 0;
  } else {
    s = s < 0 ? -1 : (s > dim - 1 ? dim - 1 : s);
    e = e < -1 ? -1 : (e > dim - 1 ? dim - 1 : e);
    cnt = s > e ? (s - e - 1) / (-step) + 1 : 0;
  }
  *first = s < 0 ? 0 : s;
  *count = cnt;
}

static enn_status cv_slice(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  const int32_t r = x->rank;
  int64_t starts[OX_MAX_RANK], ends[OX_MAX_RANK], axes[OX_MAX_RANK], steps[OX_MAX_RANK];
  int32_t ns, ne, na, nst;
  enn_status st;
  if ((st = ints_arg(c, "starts", 1, 10, starts, OX_MAX_RANK, &ns)) ||
      (st = ints_arg(c, "ends", 2, 10, ends, OX_MAX_RANK, &ne)) ||
      (st = ints_arg(c, "axes", 3, 10, axes, OX_MAX_RANK, &na)))
    return st;
  nst = -1;
  if (c->opset >= 10 && (st = ints_arg(c, "steps", 4, 10, steps, OX_MAX_RANK, &nst))) return st;
  if (ns < 0 || ne != ns) return ox_bad(c, "starts and ends must be given with the same length");
  if (na >= 0 && na != ns) return ox_bad(c, "axes has %d values, starts %d", na, ns);
  if (nst >= 0 && nst != ns) return ox_bad(c, "steps has %d values, starts %d", nst, ns);
  int64_t first[OX_MAX_RANK], step[OX_MAX_RANK], count[OX_MAX_RANK];
  bool seen[OX_MAX_RANK] = {false};
  for (int32_t k = 0; k < r; k++) {
    first[k] = 0;
    step[k] = 1;
    count[k] = x->dims[k];
  }
  int32_t ax[OX_MAX_RANK];
  for (int32_t i = 0; i < ns; i++) {
    if ((st = norm_axis(c, na >= 0 ? axes[i] : i, r, &ax[i]))) return st;
    if (seen[ax[i]]) return ox_bad(c, "axis %d listed twice", ax[i]);
    seen[ax[i]] = true;
    const int64_t sp = nst >= 0 ? steps[i] : 1;
    if (sp == 0) return ox_bad(c, "step 0");
    step[ax[i]] = sp;
    ox_slice_axis(x->dims[ax[i]], starts[i], ends[i], sp, &first[ax[i]], &count[ax[i]]);
  }
  if (x->host) return ox_host_slice(c, x, first, step, count, n->out[0]);
  for (int32_t k = 0; k < r; k++)
    if (count[k] == 0) return ox_unsupported(c, "an empty result");
  int32_t id, y;
  int8_t perm[OX_MAX_RANK];
  const bool q8 = ox_is_q8_rt(x);
  if ((st = q8 ? ox_q8_raw_any(c, x, &id, perm) : ox_get_any(c, x, &id, perm))) return st;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SLICE);
  a.n_axes = ns;
  for (int32_t i = 0; i < ns; i++) {
    /* resolved bounds: [first, first + step * count) clamps to the same elements */
    a.axes[i] = ox_perm_pos(r, perm, ax[i]);
    a.starts[i] = first[ax[i]];
    a.steps[i] = step[ax[i]];
    const int64_t e = first[ax[i]] + step[ax[i]] * count[ax[i]];
    a.ends[i] = e < 0 ? INT64_MIN : e;
  }
  if ((st = ox_add(c, ENN_OP_SLICE, q8 ? ".raw" : NULL, &id, 1, &a, 1, &y))) return st;
  if (q8) return ox_q8_from_raw(c, y, x->dtype, n->out[0], perm);
  return ox_def_ir(c, n->out[0], OX_FLOAT, y, perm);
}

/* --------------------------------------------------------------------- Pad */
static enn_status cv_pad(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  const int32_t r = x->rank;
  int64_t pads[2 * OX_MAX_RANK], axes[OX_MAX_RANK];
  int32_t np, na = -1;
  float value = 0.0f;
  enn_status st;
  const char *mode;
  if ((st = ox_attr_s(c, "mode", "constant", &mode))) return st;
  if (c->opset < 11) {
    if ((st = ox_attr_ints(c, c->opset < 2 ? "paddings" : "pads", pads, 2 * OX_MAX_RANK, &np)) ||
        (st = ox_attr_f(c, "value", 0.0f, &value)))
      return st;
  } else {
    if ((st = ints_arg(c, "pads", 1, 11, pads, 2 * OX_MAX_RANK, &np))) return st;
    ox_val *cv = ox_in(c, 2);
    if (cv) {
      float *f;
      if ((st = ox_host_f32(c, cv, "the constant_value input", &f))) return st;
      if (cv->numel != 1) return ox_bad(c, "constant_value must be a scalar");
      value = f[0];
    }
    if (c->opset >= 18 && (st = ints_arg(c, "axes", 3, 18, axes, OX_MAX_RANK, &na))) return st;
  }
  int32_t pm;
  if (!strcmp(mode, "constant")) pm = ENN_PADMODE_CONSTANT;
  else if (!strcmp(mode, "reflect")) pm = ENN_PADMODE_REFLECT;
  else if (!strcmp(mode, "edge")) pm = ENN_PADMODE_EDGE;
  else return ox_unsupported(c, "pad mode '%s'", mode);
  const int32_t nax = na >= 0 ? na : r;
  if (np != 2 * nax) return ox_bad(c, "pads has %d values for %d axes", np, nax);
  int64_t pb[OX_MAX_RANK] = {0}, pe[OX_MAX_RANK] = {0};
  for (int32_t i = 0; i < nax; i++) {
    int32_t a = 0;
    if ((st = norm_axis(c, na >= 0 ? axes[i] : i, r, &a))) return st;
    pb[a] = pads[i];
    pe[a] = pads[nax + i];
  }
  int32_t id, y;
  int8_t perm[OX_MAX_RANK];
  if ((st = ox_get_any(c, x, &id, perm))) return st;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_PAD);
  a.mode = pm;
  a.value = value;
  for (int32_t k = 0; k < r; k++) {
    a.pad_begin[k] = pb[perm[k]];
    a.pad_end[k] = pe[perm[k]];
  }
  if ((st = ox_add(c, ENN_OP_PAD, NULL, &id, 1, &a, 1, &y))) return st;
  return ox_def_ir(c, n->out[0], OX_FLOAT, y, perm);
}

/* ------------------------------------------------------------------ Resize */
static enn_status resize_common(ox_ctx *c, const ox_node *n, ox_val *x, const float *scales, int32_t nscales,
                                const int64_t *sizes, int32_t nsizes, const char *mode, const char *coord,
                                const char *nearest) {
  if (x->rank != 4) return ox_unsupported(c, "a rank-%d input (Resize runs on 4-D NCHW tensors)", x->rank);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESIZE);
  if (!strcmp(mode, "nearest")) a.mode = ENN_RESIZE_NEAREST;
  else if (!strcmp(mode, "linear") || !strcmp(mode, "bilinear")) a.mode = ENN_RESIZE_BILINEAR;
  else return ox_unsupported(c, "mode '%s'", mode);
  if (!strcmp(coord, "half_pixel")) a.coord_mode = ENN_COORD_HALF_PIXEL;
  else if (!strcmp(coord, "align_corners")) a.coord_mode = ENN_COORD_ALIGN_CORNERS;
  else if (!strcmp(coord, "asymmetric")) a.coord_mode = ENN_COORD_ASYMMETRIC;
  else if (!strcmp(coord, "pytorch_half_pixel")) a.coord_mode = ENN_COORD_PYTORCH_HALF_PIXEL;
  else return ox_unsupported(c, "coordinate_transformation_mode '%s'", coord);
  if (!strcmp(nearest, "round_prefer_floor")) a.nearest_mode = ENN_NEAREST_ROUND_PREFER_FLOOR;
  else if (!strcmp(nearest, "round_prefer_ceil")) a.nearest_mode = ENN_NEAREST_ROUND_PREFER_CEIL;
  else if (!strcmp(nearest, "floor")) a.nearest_mode = ENN_NEAREST_FLOOR;
  else if (!strcmp(nearest, "ceil")) a.nearest_mode = ENN_NEAREST_CEIL;
  else return ox_unsupported(c, "nearest_mode '%s'", nearest);
  if (nscales > 0) {
    if (nscales != 4) return ox_bad(c, "%d scales for a rank-4 input", nscales);
    if (scales[0] != 1.0f || scales[1] != 1.0f) return ox_unsupported(c, "scaling the batch or channel axis");
    a.scale[0] = scales[2];
    a.scale[1] = scales[3];
  } else if (nsizes > 0) {
    if (nsizes != 4) return ox_bad(c, "%d sizes for a rank-4 input", nsizes);
    if (sizes[0] != x->dims[0] || sizes[1] != x->dims[1]) return ox_unsupported(c, "resizing the batch or channel axis");
    a.size[0] = sizes[2];
    a.size[1] = sizes[3];
  } else return ox_bad(c, "neither scales nor sizes given");
  int8_t cl[OX_MAX_RANK];
  ox_perm_cl(4, cl);
  int32_t id, y;
  enn_status st;
  if ((st = ox_get(c, x, cl, &id))) return st;
  if ((st = ox_add(c, ENN_OP_RESIZE, NULL, &id, 1, &a, 1, &y))) return st;
  return ox_def_ir(c, n->out[0], OX_FLOAT, y, cl);
}

static enn_status host_floats(ox_ctx *c, ox_val *v, const char *what, float **f, int32_t *n) {
  *n = 0;
  *f = NULL;
  if (!v) return ENN_OK;
  enn_status st = ox_host_f32(c, v, what, f);
  if (st) return st;
  *n = (int32_t)v->numel;
  return ENN_OK;
}

static enn_status cv_resize(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  const char *mode, *coord = "asymmetric", *nearest = "floor";
  enn_status st;
  float *scales;
  int32_t nsc, nsz = 0;
  int64_t sizes[OX_MAX_RANK];
  if ((st = ox_attr_s(c, "mode", "nearest", &mode))) return st;
  if (c->opset < 11) {
    if ((st = host_floats(c, ox_in(c, 1), "the scales input", &scales, &nsc))) return st;
    return resize_common(c, n, x, scales, nsc, NULL, 0, mode, coord, nearest);
  }
  int64_t exclude = 0, antialias = 0;
  const char *policy;
  if ((st = ox_attr_s(c, "coordinate_transformation_mode", "half_pixel", &coord)) ||
      (st = ox_attr_s(c, "nearest_mode", "round_prefer_floor", &nearest)) ||
      (st = ox_attr_i(c, "exclude_outside", 0, &exclude)) || (st = ox_attr_i(c, "antialias", 0, &antialias)) ||
      (st = ox_attr_s(c, "keep_aspect_ratio_policy", "stretch", &policy)))
    return st;
  if (antialias) return ox_unsupported(c, "antialias");
  if (exclude && strcmp(mode, "cubic") != 0) exclude = 0; /* only affects cubic */
  if (strcmp(policy, "stretch") != 0) return ox_unsupported(c, "keep_aspect_ratio_policy '%s'", policy);
  if (ox_attr_find(n, "axes")) return ox_unsupported(c, "the axes attribute");
  if ((st = host_floats(c, ox_in(c, 2), "the scales input", &scales, &nsc))) return st;
  if ((st = ints_arg(c, "sizes", 3, 11, sizes, OX_MAX_RANK, &nsz))) return st;
  if (nsc > 0 && nsz > 0) return ox_bad(c, "both scales and sizes are given");
  return resize_common(c, n, x, scales, nsc, sizes, nsz, mode, coord, nearest);
}

static enn_status cv_upsample(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  const char *mode;
  enn_status st;
  if ((st = ox_attr_s(c, "mode", "nearest", &mode))) return st;
  const float *fs;
  float *scales;
  int32_t nsc;
  if (c->opset < 9) {
    if ((st = ox_attr_floats(c, "scales", &fs, &nsc))) return st;
    scales = (float *)fs;
  } else if ((st = host_floats(c, ox_in(c, 1), "the scales input", &scales, &nsc)))
    return st;
  return resize_common(c, n, x, scales, nsc, NULL, 0, mode, "asymmetric", "floor");
}

/* -------------------------------------------------------------- ReduceMean */
static enn_status cv_reduce_mean(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  const int32_t r = x->rank;
  int64_t axes[OX_MAX_RANK], keep, noop = 0;
  int32_t na;
  enn_status st;
  if ((st = ints_arg(c, "axes", 1, 18, axes, OX_MAX_RANK, &na)) || (st = ox_attr_i(c, "keepdims", 1, &keep))) return st;
  if (c->opset >= 18 && (st = ox_attr_i(c, "noop_with_empty_axes", 0, &noop))) return st;
  if (na <= 0 && noop) return ox_def_alias(c, n->out[0], x);
  bool red[OX_MAX_RANK] = {false};
  if (na <= 0)
    for (int32_t k = 0; k < r; k++) red[k] = true;
  for (int32_t i = 0; i < na; i++) {
    int32_t a = 0;
    if ((st = norm_axis(c, axes[i], r, &a))) return st;
    red[a] = true;
  }
  int32_t id, y;
  int8_t perm[OX_MAX_RANK], np[OX_MAX_RANK];
  if ((st = ox_get_any(c, x, &id, perm))) return st;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_REDUCE_MEAN);
  a.keepdims = keep != 0;
  int32_t newax[OX_MAX_RANK], j = 0;
  for (int32_t k = 0; k < r; k++) {
    newax[k] = j;
    if (!red[k]) j++;
  }
  int32_t m = 0;
  ox_perm_identity(r, np);
  for (int32_t k = 0; k < r; k++) {
    if (red[perm[k]]) a.axes[a.n_axes++] = k;
    else if (!keep) np[m++] = (int8_t)newax[perm[k]];
  }
  if (keep) memcpy(np, perm, OX_MAX_RANK);
  if ((st = ox_add(c, ENN_OP_REDUCE_MEAN, NULL, &id, 1, &a, 1, &y))) return st;
  return ox_def_ir(c, n->out[0], OX_FLOAT, y, np);
}

/* ------------------------------------------------------------------ Gather */
static enn_status cv_gather(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0), *iv = ox_in(c, 1);
  if (!x || !iv) return ox_bad(c, "needs data and indices");
  int64_t axis;
  int32_t ax = 0;
  enn_status st;
  if ((st = ox_attr_i(c, "axis", 0, &axis)) || (st = norm_axis(c, axis, x->rank, &ax))) return st;
  if (x->host && iv->host) return ox_host_gather(c, x, ax, iv, n->out[0]);
  /* run-time data, constant indices: slices along the axis */
  int64_t *idx;
  if ((st = ox_host_i64(c, iv, "the indices input", &idx))) return st;
  if (iv->numel < 1 || iv->numel > ENN_MAX_SPLITS || x->rank - 1 + iv->rank > OX_MAX_RANK)
    return ox_unsupported(c, "indices of rank %d with %lld elements on run-time data (1..%d)", iv->rank,
                          (long long)iv->numel, ENN_MAX_SPLITS);
  int32_t id;
  int8_t perm[OX_MAX_RANK];
  if (iv->rank > 1) ox_perm_identity(x->rank, perm); /* the result is reshaped: ONNX layout */
  if ((st = iv->rank > 1 ? ox_get(c, x, perm, &id) : ox_get_any(c, x, &id, perm))) return st;
  const int32_t pos = ox_perm_pos(x->rank, perm, ax);
  const int64_t dim = x->dims[ax];
  int32_t parts[ENN_MAX_SPLITS], y;
  for (int64_t i = 0; i < iv->numel; i++) {
    int64_t k = idx[i] < 0 ? idx[i] + dim : idx[i];
    if (k < 0 || k >= dim) return ox_bad(c, "index %lld out of range for dimension %lld", (long long)idx[i], (long long)dim);
    enn_attrs a;
    enn_attrs_init_op(&a, ENN_OP_SLICE);
    a.n_axes = 1;
    a.axes[0] = pos;
    a.starts[0] = k;
    a.ends[0] = k + 1;
    a.steps[0] = 1;
    char sfx[32];
    snprintf(sfx, sizeof sfx, ".g%lld", (long long)i);
    if ((st = ox_add(c, ENN_OP_SLICE, sfx, &id, 1, &a, 1, &parts[i]))) return st;
  }
  y = parts[0];
  if (iv->numel > 1) {
    enn_attrs a;
    enn_attrs_init_op(&a, ENN_OP_CONCAT);
    a.axis = pos;
    if ((st = ox_add(c, ENN_OP_CONCAT, ".cat", parts, (int32_t)iv->numel, &a, 1, &y))) return st;
  }
  if (iv->rank == 1) return ox_def_ir(c, n->out[0], OX_FLOAT, y, perm);
  if (iv->rank > 1) {
    /* [.., numel, ..] -> [.., indices dims.., ..] */
    int64_t dims[OX_MAX_RANK];
    int32_t j = 0;
    for (int32_t k = 0; k < ax; k++) dims[j++] = x->dims[k];
    for (int32_t k = 0; k < iv->rank; k++) dims[j++] = iv->dims[k];
    for (int32_t k = ax + 1; k < x->rank; k++) dims[j++] = x->dims[k];
    if ((st = ox_reshape(c, y, j, dims, NULL, &y))) return st;
    return ox_def_ir(c, n->out[0], OX_FLOAT, y, NULL);
  }
  /* scalar index: the axis disappears */
  const enn_tensor_desc *d = ox_desc(c, y);
  int64_t dims[OX_MAX_RANK];
  int8_t np[OX_MAX_RANK];
  int32_t j = 0;
  ox_perm_identity(x->rank - 1, np);
  for (int32_t k = 0; k < x->rank; k++) {
    if (k == pos) continue;
    dims[j] = d->dims[k];
    np[j++] = (int8_t)(perm[k] > ax ? perm[k] - 1 : perm[k]);
  }
  if ((st = ox_reshape(c, y, x->rank - 1, dims, NULL, &y))) return st;
  return ox_def_ir(c, n->out[0], OX_FLOAT, y, np);
}

/* ------------------------------------------------------------------ Expand */
static enn_status cv_expand(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0), *sv = ox_in(c, 1);
  if (!x || !sv) return ox_bad(c, "needs input and shape");
  int64_t shape[OX_MAX_RANK];
  int32_t ns;
  enn_status st;
  if ((st = ints_arg(c, "shape", 1, 0, shape, OX_MAX_RANK, &ns))) return st;
  const int32_t r = ns > x->rank ? ns : x->rank;
  int64_t dims[OX_MAX_RANK];
  for (int32_t k = 0; k < r; k++) {
    const int32_t ia = k - (r - x->rank), ib = k - (r - ns);
    const int64_t da = ia >= 0 ? x->dims[ia] : 1, db = ib >= 0 ? shape[ib] : 1;
    if (da != db && da != 1 && db != 1) return ox_bad(c, "shape does not broadcast with the input");
    dims[k] = da == 1 ? db : da;
  }
  if (x->host) return ox_host_expand(c, x, r, dims, n->out[0]);
  /* x + zeros(shape): the broadcast, exactly (x + 0 == x up to the sign of zero) */
  int64_t numel;
  if ((st = ox_check_numel(c, ns, shape, &numel))) return st;
  float *z = ox_arena_alloc(c->arena, (size_t)(numel ? numel : 1) * sizeof(float));
  if (!z) return ENN_ERR_NO_MEMORY;
  char *kname = ox_tmp_name(c, "zeros");
  if (!kname) return ENN_ERR_NO_MEMORY;
  if ((st = ox_def_host(c, kname, OX_FLOAT, ns, shape, z))) return st;
  return ox_binary(c, ENN_OP_ADD, x, ox_find(c, kname), n->out[0], ENN_ACT_NONE);
}

const ox_op_entry ox_ops_tensor[] = {
    {"", "Reshape", 1, cv_reshape},
    {"", "Flatten", 1, cv_flatten},
    {"", "Squeeze", 1, cv_squeeze},
    {"", "Unsqueeze", 1, cv_unsqueeze},
    {"", "Transpose", 1, cv_transpose},
    {"", "Concat", 1, cv_concat},
    {"", "Split", 1, cv_split},
    {"", "Slice", 1, cv_slice},
    {"", "Pad", 1, cv_pad},
    {"", "Resize", 10, cv_resize},
    {"", "Upsample", 7, cv_upsample},
    {"", "ReduceMean", 1, cv_reduce_mean},
    {"", "Gather", 1, cv_gather},
    {"", "Expand", 8, cv_expand},
    {NULL, NULL, 0, NULL},
};
