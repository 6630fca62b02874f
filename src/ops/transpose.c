/*
 * Transpose: output axis k is input axis attrs.perm[k]; perm[0..rank) must
 * be a permutation of 0..rank-1 (any rank up to ENN_MAX_RANK). prepare
 * turns it into a merged strided gather (transpose_ref.h).
 */
#include "kernels/ref/transpose_ref.h"
#include "ops/op_util.h"
#include "ops/qs8_ew.h"

static enn_status transpose_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                  enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  if (in[0]->dtype == ENN_DTYPE_I8) return enn_qs8_infer_as_f32(n, in, in_data, out, transpose_infer); /* qs8_ew.h */
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, -1))) return st;
  if ((st = enn_check_act(n))) return st;
  const enn_tensor_desc *x = in[0];
  const int32_t *perm = n->attrs.perm;
  bool seen[ENN_MAX_RANK] = {false};
  int64_t dims[ENN_MAX_RANK];
  for (int32_t k = 0; k < x->rank; k++) {
    if (perm[k] < 0 || perm[k] >= x->rank || seen[perm[k]])
      return enn_node_err(n, ENN_ERR_INVALID_ARG, "perm is not a permutation of 0..%d (perm[%d] = %d)", x->rank - 1, k,
                          perm[k]);
    seen[perm[k]] = true;
    dims[k] = x->dims[perm[k]];
  }
  enn_tensor_desc_init(out, ENN_DTYPE_F32, x->rank, dims);
  return ENN_OK;
}

static enn_status transpose_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8)
    return enn_qs8_prepare_as_f32(e, ctx, transpose_prepare, "enn_qs8_transpose__ref");
  enn_transpose_params *p = enn_prepare_alloc(ctx, sizeof *p);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_transpose_params_init(p, e->in_desc[0], e->node->attrs.perm);
  e->state = p;
  e->kernel = "enn_f32_transpose__ref";
  return ENN_OK;
}

static void transpose_run(const enn_exec *e) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) enn_qs8_transpose_run(e);
  else enn_f32_transpose__ref(e->state, e->in[0], e->out[0]);
}

const enn_op_vtable enn_op_vt_transpose = {transpose_infer, transpose_prepare, transpose_run, NULL};
