/*
 * The ONNX -> edgenn IR converter: shared state and helpers of
 * onnx_import.c (values, layouts, driver) and the per-operator converters
 * (onnx_ops_*.c).
 *
 * Values. Every ONNX value (graph input, initializer, node output) gets an
 * ox_val: its ONNX element type and shape, and either
 *   - host data (a constant known at import: initializers, Constant nodes,
 *     and everything computed from constants, e.g. the Shape -> Gather ->
 *     Concat chains of PyTorch exports), or
 *   - one or more IR tensors ("forms") holding it.
 *
 * Layouts. A form is an IR tensor holding transpose(value, perm): IR dim k
 * is ONNX dim perm[k]. The identity perm is the ONNX layout (NCHW);
 * channels-last ([0,2,3,1], "CL") is the runtime's NHWC. Layout-sensitive
 * operators (Conv, pools, BatchNorm, Resize, ...) ask for the CL form;
 * layout-agnostic ones (element-wise, Concat, Slice, Pad, Softmax,
 * ReduceMean, Squeeze, Transpose) work on whatever form exists and remap
 * their axes through its perm (an ONNX Transpose only relabels the perm);
 * layout-bound ones (Reshape, Flatten, MatMul, Gemm) ask for the identity
 * form. ox_get() inserts an IR Transpose (or a Reshape, when only size-1
 * axes move) the first time a form is needed and caches it, so every
 * layout conversion happens at most once per value. Constants are permuted
 * on the host: conv weights OIHW become OHWI once, at import.
 *
 * Quantised values (ONNX uint8 / int8 tensors) have forms of two kinds: an
 * IR u8/i8 tensor carrying quantisation parameters (what QuantizeLinear
 * produces and DequantizeLinear reads), or an f32 tensor holding the
 * integer values exactly ("raw float"), which the QOperator lowerings
 * compute on (onnx_ops_quant.c).
 */
#ifndef ENN_IMPORT_ONNX_IMPORT_H
#define ENN_IMPORT_ONNX_IMPORT_H

#include "import/import.h"
#include "import/onnx/onnx_model.h"

#define OX_MAX_FORMS 4

typedef struct ox_form {
  int32_t id;                 /* IR tensor */
  int8_t perm[OX_MAX_RANK];   /* IR dim k = ONNX dim perm[k] */
} ox_form;

typedef struct ox_val {
  const char *name;
  int32_t dtype;              /* ONNX element type (OX_*) */
  int32_t rank;
  int64_t dims[OX_MAX_RANK];  /* ONNX shape */
  int64_t numel;
  void *host;                 /* constant elements (C type of dtype), or NULL */
  int32_t n_forms;
  ox_form forms[OX_MAX_FORMS];
  bool is_input;              /* a graph input */
} ox_val;

typedef struct ox_ctx {
  ox_arena *arena;
  enn_graph *g;
  const ox_model *m;
  enn_onnx_options opt;
  int64_t opset;              /* default domain ("" / "ai.onnx") */
  int64_t ms_opset;           /* com.microsoft, 0 if not imported */
  ox_val **vals;              /* by index */
  int32_t n_vals, cap_vals;
  int32_t *slots;             /* open-addressing hash: name -> index + 1 */
  uint32_t n_slots;
  const ox_node *node;        /* node being converted */
  int32_t node_index;
  /* unsupported nodes found so far */
  char *unsup;
  size_t unsup_len, unsup_cap;
  int32_t n_unsup;
  int32_t n_tmp;              /* counter for helper-node names */
  char bound[512];            /* inputs baked in from opt.bind, comma-separated */
} ox_ctx;

/* ---------------------------------------------------------------- values */
/* A fresh internal value name (starts with \x01, never an ONNX name). */
char *ox_tmp_name(ox_ctx *c, const char *tag);
/* Looks a value up by name (NULL if unknown). */
ox_val *ox_find(ox_ctx *c, const char *name);
/* Input i of the current node: NULL when absent (i >= n_in or ""). */
ox_val *ox_in(ox_ctx *c, int32_t i);
/* Output i's name ("" when absent). */
const char *ox_out_name(const ox_ctx *c, int32_t i);

/* Defines output `name` as host data (copied into the arena when copy). */
enn_status ox_def_host(ox_ctx *c, const char *name, int32_t dtype, int32_t rank, const int64_t *dims, void *data);
/* Defines output `name` as IR tensor id holding it in layout perm (NULL =
 * identity); the ONNX shape is derived from the IR shape. dtype is the
 * ONNX type (OX_FLOAT for f32 results; OX_UINT8 / OX_INT8 for quantised
 * values, whether the tensor is u8/i8 or raw float). */
enn_status ox_def_ir(ox_ctx *c, const char *name, int32_t dtype, int32_t id, const int8_t *perm);
/* Makes `name` an alias of v (Identity, Dropout). */
enn_status ox_def_alias(ox_ctx *c, const char *name, const ox_val *v);

/* Host data as int64 (any integer or bool type; floats rejected) into a
 * fresh arena array. */
enn_status ox_host_i64(ox_ctx *c, const ox_val *v, const char *what, int64_t **out);
/* Host data as float (float, double, float16 or integer types). */
enn_status ox_host_f32(ox_ctx *c, const ox_val *v, const char *what, float **out);
/* True when v has host data, after baking in a binding for a graph input
 * (enn_onnx_load_bound); records nothing. */
bool ox_try_bind(ox_ctx *c, const ox_val *v);
/* Requires v to be a host constant ("<what> must be a constant"). */
enn_status ox_need_host(ox_ctx *c, const ox_val *v, const char *what);

/* --------------------------------------------------------------- layouts */
void ox_perm_identity(int32_t rank, int8_t *p);
void ox_perm_cl(int32_t rank, int8_t *p); /* [0, 2, ..., rank-1, 1] */
bool ox_perm_is_identity(int32_t rank, const int8_t *p);
bool ox_perm_eq(int32_t rank, const int8_t *a, const int8_t *b);
/* Position of ONNX axis `axis` in the IR tensor of a form with perm p. */
int32_t ox_perm_pos(int32_t rank, const int8_t *p, int32_t axis);

/* IR tensor of float value v in layout perm (NULL = identity): host data is
 * materialised (converted to f32, permuted on the host), IR forms are
 * transposed once and cached. Fails (unsupported) for non-float values. */
enn_status ox_get(ox_ctx *c, ox_val *v, const int8_t *perm, int32_t *id);
/* Any existing f32 form of v (the first one; host data materialises in the
 * identity layout). perm receives its layout. */
enn_status ox_get_any(ox_ctx *c, ox_val *v, int32_t *id, int8_t *perm);
/* The layout an element-wise op over these values should run in: the perm
 * of the first non-constant input whose rank is the output rank, else the
 * identity. */
void ox_pick_layout(ox_ctx *c, ox_val *const *vals, int32_t n, int32_t rank, int8_t *perm);
/* IR tensor of v broadcast-aligned to `rank` (leading 1s added, numpy
 * rules) in layout perm of that rank. */
enn_status ox_get_bcast(ox_ctx *c, ox_val *v, int32_t rank, const int8_t *perm, int32_t *id);

/* IR u8/i8 tensor (with quantisation parameters attached) of quantised
 * value v in layout perm (onnx_ops_quant.c). */
enn_status ox_q8_tensor(ox_ctx *c, ox_val *v, const int8_t *perm, int32_t *id);
/* IR tensor of v in layout perm in its natural kind: f32 for float values,
 * u8/i8 (ox_q8_tensor) for quantised ones. For layout-only operators
 * (views, Transpose) that carry any element type. */
enn_status ox_get_same(ox_ctx *c, ox_val *v, const int8_t *perm, int32_t *id);

/* ------------------------------------------------------------- IR helpers */
/* Adds an IR node named after the current ONNX node's output 0 plus
 * suffix (NULL = none). Errors carry the ONNX node's identity. */
enn_status ox_add(ox_ctx *c, enn_op op, const char *suffix, const int32_t *in, int32_t n_in, const enn_attrs *a,
                  int32_t n_out, int32_t *out);
/* Adds an IR constant (f32 data of desc's shape) named after the current
 * node; *id receives it. */
enn_status ox_const_f32(ox_ctx *c, const char *suffix, int32_t rank, const int64_t *dims, const float *data,
                        int32_t *id);
/* IR descriptor of tensor id. */
const enn_tensor_desc *ox_desc(const ox_ctx *c, int32_t id);
/* Reshape (view) of id to dims. */
enn_status ox_reshape(ox_ctx *c, int32_t id, int32_t rank, const int64_t *dims, const char *suffix, int32_t *out);

/* ------------------------------------------------------------ attributes */
/* Each returns ENN_OK with the default when the attribute is absent, and a
 * BAD_FORMAT error when it has the wrong type. */
enn_status ox_attr_i(ox_ctx *c, const char *name, int64_t def, int64_t *out);
enn_status ox_attr_f(ox_ctx *c, const char *name, float def, float *out);
enn_status ox_attr_s(ox_ctx *c, const char *name, const char *def, const char **out);
/* ints: *n = -1 when absent. At most cap values are copied (more = error). */
enn_status ox_attr_ints(ox_ctx *c, const char *name, int64_t *vals, int32_t cap, int32_t *n);
enn_status ox_attr_floats(ox_ctx *c, const char *name, const float **vals, int32_t *n);

/* --------------------------------------------------------------- errors */
/* Records why the current node cannot be imported and returns
 * ENN_ERR_UNSUPPORTED; the driver collects these into one message. */
enn_status ox_unsupported(ox_ctx *c, const char *fmt, ...) ENN_PRINTF(2, 3);
/* A malformed node: ENN_ERR_BAD_FORMAT naming it. */
enn_status ox_bad(ox_ctx *c, const char *fmt, ...) ENN_PRINTF(2, 3);
/* Checks the element count of a tensor about to be created. */
enn_status ox_check_numel(ox_ctx *c, int32_t rank, const int64_t *dims, int64_t *numel);

/* ---------------------------------------------------------- converters */
typedef enn_status (*ox_convert_fn)(ox_ctx *c, const ox_node *n);
typedef struct ox_op_entry {
  const char *domain; /* "" = ai.onnx, "com.microsoft" */
  const char *op_type;
  int32_t min_opset;  /* first opset version the converter understands */
  ox_convert_fn fn;
} ox_op_entry;

/* The tables of onnx_ops_*.c (terminated by a NULL op_type). */
extern const ox_op_entry ox_ops_nn[], ox_ops_tensor[], ox_ops_shape[], ox_ops_quant[];

/* True when a node input i is present. */
static inline bool ox_has_in(const ox_node *n, int32_t i) { return i < n->n_in && n->in[i][0] != '\0'; }
static inline bool ox_is_float(int32_t dtype) { return dtype == OX_FLOAT; }
static inline bool ox_is_q8(int32_t dtype) { return dtype == OX_UINT8 || dtype == OX_INT8; }

/* Host evaluation on constants (onnx_ops_shape.c). op is '+', '-', '*', '/'. */
enn_status ox_host_binary(ox_ctx *c, char op, const ox_val *a, const ox_val *b, const char *out);
enn_status ox_host_concat(ox_ctx *c, ox_val *const *vals, int32_t n, int32_t axis, const char *out);
/* Per axis of x: first index, step and count (already clamped). */
enn_status ox_host_slice(ox_ctx *c, const ox_val *x, const int64_t *start, const int64_t *step, const int64_t *count,
                         const char *out);
enn_status ox_host_transpose(ox_ctx *c, const ox_val *x, const int8_t *perm, const char *out);
enn_status ox_host_gather(ox_ctx *c, const ox_val *x, int32_t axis, const ox_val *idx, const char *out);
enn_status ox_host_expand(ox_ctx *c, const ox_val *x, int32_t rank, const int64_t *dims, const char *out);
/* ONNX Slice index resolution on one axis of size dim (clamping rules of
 * Slice-10+); *start and *count receive the first index and element count. */
void ox_slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *first, int64_t *count);
/* Permutes host elements (esz bytes each): out dim k = in dim perm[k]. */
void ox_permute_host(const void *src, void *dst, size_t esz, int32_t rank, const int64_t *dims, const int8_t *perm);

/* Conv attributes (kernel_shape / strides / dilations / pads / auto_pad /
 * group) of the current node as Conv2D attrs; a 1-D window (nsp 1) is the
 * W axis with H = 1. wk: the weights' spatial dims. */
enn_status ox_conv_attrs(ox_ctx *c, int32_t nsp, const int64_t *wk, enn_attrs *a);
/* Quantised values as f32 tensors holding their integers exactly, in
 * layout perm (onnx_ops_quant.c); and the way back: Quantize (scale 1,
 * zero point 0, half-to-even) of such a tensor, defined as value `name` of
 * type dtype (OX_UINT8 / OX_INT8) in layout perm. */
enn_status ox_q8_raw(ox_ctx *c, ox_val *v, const int8_t *perm, int32_t *id);
enn_status ox_q8_from_raw(ox_ctx *c, int32_t raw, int32_t dtype, const char *name, const int8_t *perm);
/* ox_q8_raw in the layout of v's first form (identity for constants). */
enn_status ox_q8_raw_any(ox_ctx *c, ox_val *v, int32_t *id, int8_t *perm);
/* A run-time quantised (uint8 / int8) value: data-movement operators run
 * on its raw form and requantise (exactly). */
static inline bool ox_is_q8_rt(const ox_val *v) { return ox_is_q8(v->dtype) && !v->host; }

/* Element-wise helpers shared by several converters (onnx_ops_nn.c). */
enn_status ox_binary(ox_ctx *c, enn_op op, ox_val *a, ox_val *b, const char *out_name, int32_t act);
enn_status ox_unary(ox_ctx *c, enn_op op, ox_val *x, const enn_attrs *attrs, const char *out_name);

#endif
