/*
 * Fast (SIMD) paths of operators, chosen at prepare from the kernel table
 * (kernels/kernels.h). An op whose prepare finds one stores its run
 * function and state in an enn_fast_path beside its reference state and
 * calls it from its run; when none applies (ENN_ISA=ref, no kernel for the
 * CPU or the shape, non-constant weights) run stays NULL and the op runs
 * its reference kernel. Each prepare sets e->kernel to the kernel's name,
 * may request scratch (e->scratch_bytes) and packs weights into
 * enn_prepare_alloc memory. Weights must be constants: at prepare
 * e->in[i] is a constant's bytes, NULL for a tensor produced at run time.
 */
#ifndef ENN_OPS_FAST_PATH_H
#define ENN_OPS_FAST_PATH_H

#include "ir/ir.h"
#include "kernels/kernels.h"
#include "kernels/ref/binary_ref.h"
#include "kernels/ref/conv_ref.h"
#include "kernels/ref/fc_ref.h"
#include "kernels/ref/pool_ref.h"
#include "kernels/ref/q8_conv_ref.h"
#include "kernels/ref/q8_fc_ref.h"
#include "kernels/ref/softmax_ref.h"

typedef struct enn_fast_path {
  void (*run)(const enn_exec *e, const void *state);
  const void *state;
} enn_fast_path;

static inline bool enn_fast_run(const enn_exec *e, const enn_fast_path *fp) {
  if (!fp->run) return false;
  fp->run(e, fp->state);
  return true;
}

/* Conv2D (conv2d_fast.c): 1x1 stride-1 convolutions run the GEMM kernel,
 * depthwise 3x3 / 5x5 the DWCONV kernel, every other group / window /
 * stride / dilation / padding the indirect GEMM. p is the op's validated
 * parameters. */
enn_status enn_conv2d_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_conv2d_params *p, enn_fast_path *fp);
/* Winograd F(4x4, 3x3) (conv2d_winograd.c), tried by
 * enn_conv2d_fast_prepare for dense 3x3 stride-1 convolutions; leaves
 * fp->run NULL when it does not apply or would not pay. w: OHWI weights,
 * b: bias or NULL. */
enn_status enn_conv2d_wino_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_conv2d_params *p, const float *w,
                                   const float *b, enn_fast_path *fp);
/* Tests and benchmarks (not thread-safe against concurrent creates):
 * 0 = never Winograd, 1 = where it pays (default), 2 = every eligible
 * shape. */
void enn_conv2d_set_winograd(int mode);
/* FullyConnected (fc_fast.c): the GEMM kernel. */
enn_status enn_fc_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_fc_params *p, enn_fast_path *fp);
/* Add of two same-shape operands (vector_fast.c). */
enn_status enn_add_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_binary_params *p, enn_fast_path *fp);
/* GlobalAvgPool (vector_fast.c). */
enn_status enn_gavgpool_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_global_pool_params *p,
                                     enn_fast_path *fp);
/* MaxPool with a window of at most 16 rows (vector_fast.c). */
enn_status enn_maxpool_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_pool2d_params *p,
                                    enn_fast_path *fp);
/* AvgPool whose window is the whole unpadded input (avgpool_fast.c). */
enn_status enn_avgpool_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_pool2d_params *p,
                                    enn_fast_path *fp);
/* Softmax over the last axis (vector_fast.c). */
enn_status enn_softmax_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_softmax_params *p,
                                    enn_fast_path *fp);

/* ------------------------------------------------- int8 fast paths */
/* conv2d_q8.c's prepare tries these (depthwise first) before keeping the
 * reference kernel; p is the op's prepared parameters (geometry, zero
 * points, per-channel multipliers), w / b the constant weights / bias
 * (b may be NULL). Each leaves fp->run NULL when it does not apply. */
enn_status enn_qs8_dwconv_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_qs8_conv2d_params *p,
                                       const int8_t *w, const int32_t *b, enn_fast_path *fp);
enn_status enn_qs8_conv2d_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_qs8_conv2d_params *p,
                                       const int8_t *w, const int32_t *b, enn_fast_path *fp);
/* FullyConnected on int8 (conv2d_q8_fast.c, the GEMM kernel), tried by
 * fully_connected_q8.c's prepare; same conventions. */
enn_status enn_qs8_fc_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_qs8_fc_params *p, const int8_t *w,
                                   const int32_t *b, enn_fast_path *fp);

/* ------------------------------------------- the GEMM driver (conv, FC) */
/* c[m, g*n + j] = epi(bias + sum_k a[m*a_stride + g*kc + k] * w_g[k, j]) for
 * m < rows, groups g, j < n, the packed weights of group g at
 * w + g*w_gstride. */
typedef struct enn_gemm_plan {
  const enn_kernel *k; /* ENN_KOP_GEMM */
  const float *w;
  size_t w_gstride;
  int64_t rows;
  int32_t n, kc, groups;
  size_t a_stride, c_stride;
  enn_f32_epi ep;
  bool post; /* apply act (not fused) after the kernel */
  enn_act_params act;
  int32_t pblock; /* panels per cache block */
} enn_gemm_plan;

/* Packs w ([groups * n, kc] rows of stride w_stride, group g's rows
 * starting at g*n) and bias b (may be NULL) into enn_prepare_alloc memory
 * and fills the plan. */
enn_status enn_gemm_plan_init(enn_gemm_plan *g, enn_prepare_ctx *ctx, const enn_kernel *k, int64_t rows, int32_t n,
                              int32_t kc, int32_t groups, size_t a_stride, size_t c_stride, const float *w,
                              int64_t w_stride, const float *b, const enn_act_params *act);

/* Runs the plan, split over pool's threads (NULL = inline); the split never
 * changes a result. */
void enn_gemm_plan_run(const enn_gemm_plan *g, const float *a, float *c, struct enn_threadpool *pool);
/* Rows [r0, r1) of the plan (all columns and groups) on the calling thread. */
void enn_gemm_plan_rows(const enn_gemm_plan *g, const float *a, float *c, int64_t r0, int64_t r1);

/* ------------------------------- fused depthwise-separable blocks */
/* conv2d_chain.c: when node e is part of a fused block (1x1 -> depthwise
 * -> 1x1, depthwise -> 1x1 or 1x1 -> depthwise, consecutive nodes whose
 * intermediate tensors are used once and are large), sets *handled and
 * the fast path: a no-op for every node but the block's last, which runs
 * the whole block row by row with the intermediates in cache. */
enn_status enn_conv2d_chain_prepare(enn_exec *e, enn_prepare_ctx *ctx, enn_fast_path *fp, bool *handled);
/* Tests and benchmarks (not thread-safe against concurrent creates):
 * 0 = no fusion, 1 = fuse (default), 2 = fuse but always run the blocks'
 * sequential fallback (the path taken when buffers overlap). */
void enn_conv2d_set_fusion(int mode);
/* How many block runs took the pipeline / the sequential fallback so far
 * in this process (diagnostics, not synchronised). */
void enn_conv2d_chain_counts(int64_t *pipelined, int64_t *sequential);

/* conv2d_q8_chain.c: the int8 counterpart of enn_conv2d_chain_prepare for
 * int8 Conv2D nodes (conv2d_q8.c tries it before its fast paths); runners
 * enn_qs8_dwsep_*, bit-identical to the unfused int8 layers. Mode and
 * counts as enn_conv2d_set_fusion / enn_conv2d_chain_counts. */
enn_status enn_qs8_conv2d_chain_prepare(enn_exec *e, enn_prepare_ctx *ctx, enn_fast_path *fp, bool *handled);
void enn_qs8_conv2d_set_fusion(int mode);
void enn_qs8_conv2d_chain_counts(int64_t *pipelined, int64_t *sequential);

/* Below this many multiply-accumulates a fast path runs on one thread. */
#define ENN_FAST_PAR_MIN_MACS 32768

#endif
