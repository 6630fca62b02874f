/*
 * TFLite model decoding: FlatBuffer tables -> tfl_model (tflite.h).
 *
 * Walks Model -> operator_codes, buffers, subgraphs[0] -> tensors, inputs,
 * outputs, operators with the bounds-checked reader of fb.c, and checks
 * what the importer relies on:
 *   - the "TFL3" identifier and schema version 3;
 *   - every index (opcode_index, tensor indices of operators and of the
 *     subgraph, buffer indices) in range; optional operator inputs are -1;
 *   - each operator code resolved by the schema-3a rule: the builtin code is
 *     max(deprecated_builtin_code, builtin_code) (old files only set the
 *     byte-wide deprecated field, new ones write 127 =
 *     PLACEHOLDER_FOR_GREATER_OP_CODES there and the real code in the int
 *     field);
 *   - tensors: rank, non-negative dims, a known type, the constant's bytes
 *     (Buffer.data, or the offset/size pair of files > 2 GB, which must lie
 *     inside the file) exactly numel * element size, quantisation arrays of
 *     equal length with a per-axis count matching dims[quantized_dimension];
 *   - every tensor written by at most one operator, never a constant or a
 *     subgraph input.
 * Operator options are kept as an unparsed table; tflite_ops.c reads them.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "import/tflite/tflite.h"

static const char *const op_names[] = {
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE", "DEQUANTIZE",
    "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D",
    "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC", "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU",
    "RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH",
    "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
    "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB",
    "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2",
    "SPLIT", "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM", "ARG_MAX",
    "MINIMUM", "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE", "SIN",
    "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM", "SQRT", "RSQRT",
    "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT",
    "LOGICAL_AND", "LOGICAL_NOT", "UNPACK", "REDUCE_MIN", "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL",
    "FLOOR_MOD", "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE", "MIRROR_PAD", "ABS",
    "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE", "RANK", "ELU",
    "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND", "HARD_SWISH", "IF", "WHILE",
    "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM",
    "BATCH_MATMUL", "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE", "BROADCAST_TO", "RFFT2D", "CONV_3D",
    "IMAG", "REAL", "COMPLEX_ABS", "HASHTABLE", "HASHTABLE_FIND", "HASHTABLE_IMPORT", "HASHTABLE_SIZE", "REDUCE_ALL",
    "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "BROADCAST_ARGS",
    "RANDOM_STANDARD_NORMAL", "BUCKETIZE", "RANDOM_UNIFORM", "MULTINOMIAL", "GELU", "DYNAMIC_UPDATE_SLICE",
    "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD", "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_SUM", "ATAN2",
    "UNSORTED_SEGMENT_MIN", "SIGN", "BITCAST", "BITWISE_XOR", "RIGHT_SHIFT"};

const char *enn_tfl_op_name(int32_t code, char *buf, size_t cap) {
  if (code >= 0 && (size_t)code < ENN_ARRAY_LEN(op_names)) return op_names[code];
  snprintf(buf, cap, "BUILTIN_%d", code);
  return buf;
}

static const char *const type_names[] = {"float32", "float16", "int32",     "uint8",   "int64",   "string",
                                         "bool",    "int16",   "complex64", "int8",    "float64", "complex128",
                                         "uint64",  "resource", "variant",  "uint32",  "uint16",  "int4"};

const char *enn_tfl_type_name(int32_t type) {
  if (type >= 0 && (size_t)type < ENN_ARRAY_LEN(type_names)) return type_names[type];
  return "unknown";
}

/* Bytes per element; 0 for types without a fixed size (string, resource,
 * variant) or packed ones (int4). */
static size_t type_size(int32_t type) {
  switch (type) {
  case TFL_FLOAT32: case TFL_INT32: return 4;
  case TFL_FLOAT16: case TFL_INT16: return 2;
  case TFL_UINT8: case TFL_INT8: case TFL_BOOL: return 1;
  case TFL_INT64: case TFL_FLOAT64: case TFL_COMPLEX64: return 8;
  case 11: return 16; /* complex128 */
  case 12: return 8;  /* uint64 */
  case 15: return 4;  /* uint32 */
  case 16: return 2;  /* uint16 */
  default: return 0;
  }
}

static enn_status bad(const tfl_model *m, const char *fmt, ...) ENN_PRINTF(2, 3);
static enn_status bad(const tfl_model *m, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return enn_err(ENN_ERR_BAD_FORMAT, "%s: %s", m->fb.src, msg);
}

void enn_tfl_free(tfl_model *m) {
  if (!m) return;
  if (m->t)
    for (int32_t i = 0; i < m->nt; i++) {
      enn_free(m->a, m->t[i].q_scale);
      enn_free(m->a, m->t[i].q_zp);
    }
  if (m->ops)
    for (int32_t i = 0; i < m->nops; i++) {
      enn_free(m->a, m->ops[i].in);
      enn_free(m->a, m->ops[i].out);
    }
  enn_free(m->a, m->t);
  enn_free(m->a, m->ops);
  enn_free(m->a, m->in);
  enn_free(m->a, m->out);
  const enn_allocator *a = m->a;
  memset(m, 0, sizeof *m);
  m->a = a;
}

/* An int32 vector field of tensor indices, each in [lo, nt). */
static enn_status index_vec(tfl_model *m, const enn_fb_table *t, int32_t id, const char *field, int32_t lo,
                            int32_t **out, int32_t *n) {
  enn_fb_vec v;
  bool has;
  *out = NULL;
  *n = 0;
  enn_status st = enn_fb_vec_field(t, id, field, 4, &v, &has);
  if (st) return st;
  if (v.len > TFL_MAX_IO) return bad(m, "%s: %u entries (more than %d)", v.path, v.len, TFL_MAX_IO);
  int32_t *a = enn_alloc(m->a, (size_t)v.len * sizeof(int32_t) + 1);
  if (!a) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  for (uint32_t i = 0; i < v.len; i++) {
    int32_t x = enn_fb_vec_i32(&v, i);
    if (x < lo || x >= m->nt) {
      enn_free(m->a, a);
      return bad(m, "%s[%u] = %d is not a tensor index (the subgraph has %d tensors)", v.path, i, x, m->nt);
    }
    a[i] = x;
  }
  *out = a;
  *n = (int32_t)v.len;
  return ENN_OK;
}

static enn_status parse_quant(tfl_model *m, const enn_fb_table *q, tfl_tensor *t, int32_t idx) {
  enn_fb_vec sv, zv;
  bool hs, hz;
  enn_status st;
  uint8_t dtype;
  if ((st = enn_fb_u8(q, TFL_QUANT_DETAILS_TYPE, "details_type", 0, &dtype))) return st;
  t->q_custom = dtype != 0;
  if ((st = enn_fb_vec_field(q, TFL_QUANT_SCALE, "scale", 4, &sv, &hs))) return st;
  if ((st = enn_fb_vec_field(q, TFL_QUANT_ZERO_POINT, "zero_point", 8, &zv, &hz))) return st;
  if ((st = enn_fb_i32(q, TFL_QUANT_QUANTIZED_DIMENSION, "quantized_dimension", 0, &t->q_axis))) return st;
  if (!hs || !hz || sv.len == 0 || zv.len == 0) return ENN_OK; /* not quantised (TFLite's rule) */
  if (sv.len != zv.len)
    return bad(m, "tensor %d '%s': quantization has %u scales but %u zero points", idx, t->name, sv.len, zv.len);
  if (sv.len > 1) {
    /* Converters write the filter's axis (3) into per-channel bias vectors too;
     * TFLite never reads it there. A vector has one possible axis. */
    if (t->rank == 1 && (t->q_axis < 0 || t->q_axis >= t->rank)) t->q_axis = 0;
    if (t->q_axis < 0 || t->q_axis >= t->rank)
      return bad(m, "tensor %d '%s': quantized_dimension %d is outside its rank %d", idx, t->name, t->q_axis, t->rank);
    if (t->dims[t->q_axis] != (int64_t)sv.len)
      return bad(m, "tensor %d '%s': %u per-axis scales for dimension %d of size %lld", idx, t->name, sv.len, t->q_axis,
                 (long long)t->dims[t->q_axis]);
  }
  t->q_scale = enn_alloc(m->a, sv.len * sizeof(float));
  t->q_zp = enn_alloc(m->a, sv.len * sizeof(int64_t));
  if (!t->q_scale || !t->q_zp) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  for (uint32_t i = 0; i < sv.len; i++) {
    t->q_scale[i] = enn_fb_vec_f32(&sv, i);
    t->q_zp[i] = enn_fb_vec_i64(&zv, i);
    if (!isfinite(t->q_scale[i]) || t->q_scale[i] < 0.0f)
      return bad(m, "tensor %d '%s': quantization scale[%u] = %g is not a finite non-negative number", idx, t->name, i,
                 (double)t->q_scale[i]);
  }
  t->q_count = sv.len;
  return ENN_OK;
}

static enn_status parse_buffer(tfl_model *m, const enn_fb_vec *buffers, tfl_tensor *t, int32_t idx) {
  if (t->buffer == 0) return ENN_OK; /* buffer 0 is the empty sentinel */
  if (t->buffer >= buffers->len)
    return bad(m, "tensor %d '%s': buffer index %u is out of range (the model has %u buffers)", idx, t->name, t->buffer,
               buffers->len);
  enn_fb_table bt;
  enn_status st = enn_fb_vec_table(buffers, t->buffer, &bt);
  if (st) return st;
  enn_fb_vec dv;
  bool has;
  if ((st = enn_fb_vec_field(&bt, TFL_BUFFER_DATA, "data", 1, &dv, &has))) return st;
  uint64_t off = 0, size = 0;
  if ((st = enn_fb_u64(&bt, TFL_BUFFER_OFFSET, "offset", 0, &off))) return st;
  if ((st = enn_fb_u64(&bt, TFL_BUFFER_SIZE, "size", 0, &size))) return st;
  if (has && dv.len > 0) {
    t->data = m->fb.p + dv.pos;
    t->data_size = dv.len;
  } else if (off > 1) {
    if (off > m->fb.n || size > m->fb.n - off)
      return bad(m, "%s: external data at offset %llu, %llu bytes, lies outside the %zu-byte file", bt.path,
                 (unsigned long long)off, (unsigned long long)size, m->fb.n);
    if (size > 0) {
      t->data = m->fb.p + off;
      t->data_size = size;
    }
  }
  if (!t->data) return ENN_OK;
  size_t es = type_size(t->type);
  if (es == 0) return ENN_OK; /* variable-size types: the importer refuses them where used */
  uint64_t need = es;
  for (int32_t i = 0; i < t->rank; i++)
    if (__builtin_mul_overflow(need, (uint64_t)t->dims[i], &need))
      return bad(m, "tensor %d '%s': element count overflows", idx, t->name);
  if (need != t->data_size)
    return bad(m, "tensor %d '%s': %s shape needs %llu bytes but buffer %u holds %llu", idx, t->name,
               enn_tfl_type_name(t->type), (unsigned long long)need, t->buffer, (unsigned long long)t->data_size);
  return ENN_OK;
}

static enn_status parse_tensor(tfl_model *m, const enn_fb_vec *tensors, const enn_fb_vec *buffers, int32_t i) {
  tfl_tensor *t = &m->t[i];
  enn_fb_table tt;
  enn_status st = enn_fb_vec_table(tensors, (uint32_t)i, &tt);
  if (st) return st;
  uint32_t nlen;
  if ((st = enn_fb_string_field(&tt, TFL_TENSOR_NAME, "name", &t->name, &nlen))) return st;
  if (!t->name) t->name = "";
  enn_fb_vec sv;
  if ((st = enn_fb_vec_field(&tt, TFL_TENSOR_SHAPE, "shape", 4, &sv, &t->has_shape))) return st;
  t->file_rank = (int32_t)(sv.len > 1000 ? 1000 : sv.len);
  if (sv.len > ENN_MAX_RANK)
    return enn_err(ENN_ERR_UNSUPPORTED, "%s: tensor %d '%s' has rank %u; edgenn supports up to %d", m->fb.src, i,
                   t->name, sv.len, ENN_MAX_RANK);
  t->rank = (int32_t)sv.len;
  for (uint32_t k = 0; k < sv.len; k++) {
    int32_t d = enn_fb_vec_i32(&sv, k);
    if (d < 0) return bad(m, "tensor %d '%s': shape[%u] = %d is negative", i, t->name, k, d);
    t->dims[k] = d;
  }
  int64_t count = 1;
  for (int32_t k = 0; k < t->rank; k++)
    if (!enn_mul_i64(count, t->dims[k], &count) || count > TFL_MAX_ELEMS)
      return bad(m, "tensor %d '%s': shape has more than 2^40 elements", i, t->name);
  if ((st = enn_fb_i8(&tt, TFL_TENSOR_TYPE, "type", 0, &t->type))) return st;
  if (t->type < 0 || (size_t)t->type >= ENN_ARRAY_LEN(type_names))
    return bad(m, "tensor %d '%s': unknown tensor type %d", i, t->name, t->type);
  if ((st = enn_fb_u32(&tt, TFL_TENSOR_BUFFER, "buffer", 0, &t->buffer))) return st;
  if ((st = enn_fb_bool(&tt, TFL_TENSOR_IS_VARIABLE, "is_variable", false, &t->is_variable))) return st;
  enn_fb_table sp;
  if ((st = enn_fb_table_field(&tt, TFL_TENSOR_SPARSITY, "sparsity", &sp, &t->sparse))) return st;
  enn_fb_table qt;
  bool hq;
  if ((st = enn_fb_table_field(&tt, TFL_TENSOR_QUANTIZATION, "quantization", &qt, &hq))) return st;
  if (hq && (st = parse_quant(m, &qt, t, i))) return st;
  return parse_buffer(m, buffers, t, i);
}

static enn_status parse_op(tfl_model *m, const enn_fb_vec *ops, const enn_fb_vec *codes, int32_t i) {
  tfl_op *o = &m->ops[i];
  enn_fb_table ot;
  enn_status st = enn_fb_vec_table(ops, (uint32_t)i, &ot);
  if (st) return st;
  uint32_t oc;
  if ((st = enn_fb_u32(&ot, TFL_OP_OPCODE_INDEX, "opcode_index", 0, &oc))) return st;
  if (oc >= codes->len)
    return bad(m, "operator %d: opcode_index %u is out of range (the model has %u operator codes)", i, oc, codes->len);
  enn_fb_table ct;
  if ((st = enn_fb_vec_table(codes, oc, &ct))) return st;
  int8_t dep;
  int32_t code;
  if ((st = enn_fb_i8(&ct, TFL_OPCODE_DEPRECATED_BUILTIN_CODE, "deprecated_builtin_code", 0, &dep))) return st;
  if ((st = enn_fb_i32(&ct, TFL_OPCODE_BUILTIN_CODE, "builtin_code", 0, &code))) return st;
  if ((st = enn_fb_i32(&ct, TFL_OPCODE_VERSION, "version", 1, &o->version))) return st;
  if (dep > code) code = dep;
  if (code < 0) return bad(m, "%s: builtin code %d is negative", ct.path, code);
  o->code = code;
  if (code == TFL_OP_CUSTOM) {
    uint32_t len;
    if ((st = enn_fb_string_field(&ct, TFL_OPCODE_CUSTOM_CODE, "custom_code", &o->custom, &len))) return st;
    if (!o->custom) o->custom = "";
  }
  if ((st = index_vec(m, &ot, TFL_OP_INPUTS, "inputs", -1, &o->in, &o->n_in))) return st;
  if ((st = index_vec(m, &ot, TFL_OP_OUTPUTS, "outputs", 0, &o->out, &o->n_out))) return st;
  if ((st = enn_fb_u8(&ot, TFL_OP_BUILTIN_OPTIONS_TYPE, "builtin_options_type", 0, &o->opt_type))) return st;
  if ((st = enn_fb_table_field(&ot, TFL_OP_BUILTIN_OPTIONS, "builtin_options", &o->opt, &o->has_opt))) return st;
  if (o->has_opt && o->opt_type == 0)
    return bad(m, "operator %d: builtin_options present but builtin_options_type is NONE", i);
  return ENN_OK;
}

enn_status enn_tfl_parse(const void *data, size_t size, const char *src, const enn_allocator *a, tfl_model *m) {
  memset(m, 0, sizeof *m);
  m->a = a;
  m->fb.p = data;
  m->fb.n = size;
  m->fb.src = src ? src : "tflite";
  enn_status st = ENN_OK;
  if (!data && size) return enn_err(ENN_ERR_INVALID_ARG, "tflite: data is NULL");
  if (size < 8) return bad(m, "%zu bytes is too small for a TFLite file (truncated?)", size);
  if (memcmp((const uint8_t *)data + 4, "TFL3", 4) != 0)
    return bad(m, "no \"TFL3\" identifier at bytes 4..7: not a TFLite flatbuffer");
  enn_fb_table root;
  if ((st = enn_fb_root(&m->fb, "Model", &root))) goto fail;
  if ((st = enn_fb_u32(&root, TFL_MODEL_VERSION, "version", 0, &m->version))) goto fail;
  if (m->version != 3) {
    st = enn_err(ENN_ERR_UNSUPPORTED, "%s: TFLite schema version %u (edgenn reads version 3)", m->fb.src, m->version);
    goto fail;
  }
  uint32_t dlen;
  if ((st = enn_fb_string_field(&root, TFL_MODEL_DESCRIPTION, "description", &m->description, &dlen))) goto fail;
  enn_fb_vec codes, subgraphs, buffers;
  bool has;
  if ((st = enn_fb_vec_field(&root, TFL_MODEL_OPERATOR_CODES, "operator_codes", 4, &codes, &has))) goto fail;
  if ((st = enn_fb_vec_field(&root, TFL_MODEL_BUFFERS, "buffers", 4, &buffers, &has))) goto fail;
  if ((st = enn_fb_vec_field(&root, TFL_MODEL_SUBGRAPHS, "subgraphs", 4, &subgraphs, &has))) goto fail;
  if (subgraphs.len == 0) {
    st = bad(m, "Model.subgraphs: the model has no subgraph");
    goto fail;
  }
  m->n_subgraphs = (int32_t)(subgraphs.len > INT32_MAX ? INT32_MAX : subgraphs.len);
  enn_fb_table sg;
  if ((st = enn_fb_vec_table(&subgraphs, 0, &sg))) goto fail;
  enn_fb_vec tensors, ops;
  if ((st = enn_fb_vec_field(&sg, TFL_SUBGRAPH_TENSORS, "tensors", 4, &tensors, &has))) goto fail;
  if ((st = enn_fb_vec_field(&sg, TFL_SUBGRAPH_OPERATORS, "operators", 4, &ops, &has))) goto fail;
  if (tensors.len > TFL_MAX_TENSORS || ops.len > TFL_MAX_OPS) {
    st = enn_err(ENN_ERR_UNSUPPORTED, "%s: %u tensors / %u operators (edgenn takes up to %d each)", m->fb.src,
                 tensors.len, ops.len, TFL_MAX_TENSORS);
    goto fail;
  }
  m->t = enn_alloc(a, (size_t)tensors.len * sizeof(tfl_tensor) + 1);
  m->ops = enn_alloc(a, (size_t)ops.len * sizeof(tfl_op) + 1);
  if (!m->t || !m->ops) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory reading %s", m->fb.src);
    goto fail;
  }
  for (uint32_t i = 0; i < tensors.len; i++) {
    m->nt = (int32_t)i + 1; /* so enn_tfl_free sees what was allocated */
    if ((st = parse_tensor(m, &tensors, &buffers, (int32_t)i))) goto fail;
  }
  m->nt = (int32_t)tensors.len;
  if ((st = index_vec(m, &sg, TFL_SUBGRAPH_INPUTS, "inputs", 0, &m->in, &m->n_in))) goto fail;
  if ((st = index_vec(m, &sg, TFL_SUBGRAPH_OUTPUTS, "outputs", 0, &m->out, &m->n_out))) goto fail;
  for (uint32_t i = 0; i < ops.len; i++) {
    m->nops = (int32_t)i + 1;
    if ((st = parse_op(m, &ops, &codes, (int32_t)i))) goto fail;
  }
  m->nops = (int32_t)ops.len;
  /* single writer per tensor; never a constant or a graph input */
  {
    int32_t *writer = enn_alloc(a, (size_t)m->nt * sizeof(int32_t) + 1);
    if (!writer) {
      st = enn_err(ENN_ERR_NO_MEMORY, "out of memory");
      goto fail;
    }
    for (int32_t i = 0; i < m->nt; i++) writer[i] = -1;
    for (int32_t i = 0; i < m->n_in; i++) writer[m->in[i]] = -2;
    for (int32_t k = 0; k < m->nops && !st; k++)
      for (int32_t j = 0; j < m->ops[k].n_out && !st; j++) {
        int32_t ti = m->ops[k].out[j];
        if (m->t[ti].data) st = bad(m, "operator %d writes tensor %d '%s', which is a constant", k, ti, m->t[ti].name);
        else if (writer[ti] == -2)
          st = bad(m, "operator %d writes tensor %d '%s', which is a subgraph input", k, ti, m->t[ti].name);
        else if (writer[ti] >= 0)
          st = bad(m, "tensor %d '%s' is written by operators %d and %d", ti, m->t[ti].name, writer[ti], k);
        else writer[ti] = k;
      }
    enn_free(a, writer);
    if (st) goto fail;
  }
  return ENN_OK;
fail:
  enn_tfl_free(m);
  return st;
}
