/*
 * F16 weights of float operators (f16_weights.h): the infer-time view that
 * lets an op's f32 checks accept F16 constants, and the prepare-time
 * conversion to f32 (once per session, F16C when available) around the
 * op's own f32 prepare. The conversion buffer is temporary unless the op's
 * run reads the weights (reference path), in which case it becomes
 * persistent per-op memory.
 */
#include <string.h>

#include "base/cpu.h"
#include "kernels/ref/f16_ref.h"
#include "ops/f16_weights.h"
#include "rt/rt.h"

const char *enn_f16_f32_vcvt(size_t n, const uint16_t *x, float *y) {
#if ENN_HAVE_F16C_KERNEL
  const enn_cpu *c = enn_cpu_get();
  if (c->isa != ENN_ISA_REF && (c->features & (ENN_CPU_F16C | ENN_CPU_AVX2)) == (ENN_CPU_F16C | ENN_CPU_AVX2)) {
    enn_f16_f32_vcvt__f16c(n, x, y);
    return "enn_f16_f32_vcvt__f16c";
  }
#endif
  enn_f16_f32_vcvt__ref(n, x, y);
  return "enn_f16_f32_vcvt__ref";
}

const enn_tensor_desc *const *enn_f16w_infer_descs(const enn_node *n, const enn_tensor_desc *const *in,
                                                   const void *const *in_data, uint32_t mask, enn_f16w_descs *v) {
  if (n->n_inputs > ENN_F16W_MAX_IN) return in;
  bool any = false;
  for (int32_t i = 0; i < n->n_inputs; i++) {
    v->p[i] = in[i];
    if ((mask & ENN_F16W_IN(i)) && in[i]->dtype == ENN_DTYPE_F16 && in_data && in_data[i] &&
        in[i]->quant.count == 0) {
      v->d[i] = *in[i];
      v->d[i].dtype = ENN_DTYPE_F32;
      v->p[i] = &v->d[i];
      any = true;
    }
  }
  return any ? v->p : in;
}

enn_status enn_f16w_prepare(enn_exec *e, enn_prepare_ctx *ctx, uint32_t mask, enn_f16w_prepare_fn prepare,
                            enn_f16w_reads_fn reads) {
  int32_t idx[ENN_F16W_MAX_IN];
  int32_t k = 0;
  for (int32_t i = 0; i < e->n_in && i < ENN_F16W_MAX_IN; i++)
    if ((mask & ENN_F16W_IN(i)) && e->in_desc[i]->dtype == ENN_DTYPE_F16) idx[k++] = i;
  if (k == 0) return prepare(e, ctx);

  const void *orig[ENN_F16W_MAX_IN];
  const enn_tensor_desc *orig_desc[ENN_F16W_MAX_IN];
  float *tmp[ENN_F16W_MAX_IN] = {NULL};
  size_t bytes[ENN_F16W_MAX_IN];
  enn_tensor_desc desc[ENN_F16W_MAX_IN]; /* the f32 view during prepare */
  enn_status st = ENN_OK;
  int32_t done = 0;
  for (; done < k; done++) {
    const int32_t i = idx[done];
    orig[done] = e->in[i];
    orig_desc[done] = e->in_desc[i];
    if (!e->in[i]) {
      st = enn_node_err(e->node, ENN_ERR_UNSUPPORTED,
                        "input %d is f16 but not a constant (f16 is supported for constant weights only)", i);
      break;
    }
    const int64_t numel = enn_tensor_desc_numel(e->in_desc[i]);
    if (numel < 0 || !enn_mul_size((size_t)numel, sizeof(float), &bytes[done])) {
      st = enn_node_err(e->node, ENN_ERR_OVERFLOW, "f16 input %d is too large", i);
      break;
    }
    tmp[done] = reads ? enn_alloc_aligned(&ctx->alloc, bytes[done] ? bytes[done] : 1, ENN_ALIGN)
                      : enn_prepare_alloc(ctx, bytes[done] ? bytes[done] : 1);
    if (!tmp[done]) {
      st = enn_node_err(e->node, ENN_ERR_NO_MEMORY, "out of memory converting f16 input %d (%zu bytes)", i,
                        bytes[done]);
      done++;
      break;
    }
    enn_f16_f32_vcvt((size_t)numel, e->in[i], tmp[done]);
    desc[done] = *e->in_desc[i];
    desc[done].dtype = ENN_DTYPE_F32;
    e->in[i] = tmp[done];
    e->in_desc[i] = &desc[done];
  }
  if (!st) st = prepare(e, ctx);
  const bool keep = !st && (!reads || reads(e));
  for (int32_t j = 0; j < done; j++) {
    const int32_t i = idx[j];
    if (keep && !st) { /* run reads the f32 copy: it and its descriptor become persistent */
      enn_tensor_desc *d = enn_prepare_alloc(ctx, sizeof *d);
      float *p = reads ? enn_prepare_alloc(ctx, bytes[j] ? bytes[j] : 1) : tmp[j];
      if (!d || !p) {
        st = enn_node_err(e->node, ENN_ERR_NO_MEMORY, "out of memory for the f32 copy of f16 input %d", i);
      } else {
        if (reads) memcpy(p, tmp[j], bytes[j]);
        *d = desc[j];
        e->in[i] = p;
        e->in_desc[i] = d;
      }
    }
    if (!keep || st) {
      e->in[i] = orig[j];
      e->in_desc[i] = orig_desc[j];
    }
    if (reads) enn_free(&ctx->alloc, tmp[j]);
  }
  return st;
}

const float *enn_f16w_const_f32(enn_prepare_ctx *ctx, const enn_tensor *t, float **tmp) {
  *tmp = NULL;
  if (t->kind != ENN_TK_CONST || !t->data) return NULL;
  if (t->desc.dtype == ENN_DTYPE_F32) return t->data;
  if (t->desc.dtype != ENN_DTYPE_F16) return NULL;
  const int64_t numel = enn_tensor_desc_numel(&t->desc);
  size_t bytes;
  if (numel < 1 || !enn_mul_size((size_t)numel, sizeof(float), &bytes)) return NULL;
  *tmp = enn_alloc_aligned(&ctx->alloc, bytes, ENN_ALIGN);
  if (!*tmp) return NULL;
  enn_f16_f32_vcvt((size_t)numel, t->data, *tmp);
  return *tmp;
}

void enn_f16w_free(enn_prepare_ctx *ctx, float *tmp) { enn_free(&ctx->alloc, tmp); }
