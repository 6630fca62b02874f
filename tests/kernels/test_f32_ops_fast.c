/*
 * The operators' fast paths (src/ops/conv2d_fast.c, fc_fast.c,
 * vector_fast.c) through sessions, against the same node run on its
 * reference kernel (kernel level capped at ref).
 *
 * For each case and each SIMD level the CPU has (others are skipped with a
 * message): the session must pick a kernel of that level and family
 * (GEMM for 1x1 stride 1, DWCONV for depthwise 3x3 / 5x5, IGEMM for the
 * rest), outputs must match the reference within 1e-5 * max |ref| (FMA
 * and accumulation-order rounding; exp polynomial for softmax), and runs
 * with 1, 2 and 3 threads must give bit-identical outputs. Shapes cover
 * 1, primes and tile boundaries; every padding / stride / dilation /
 * group form and every activation (fused in the kernel epilogue or
 * applied after it).
 */
#include "kernels/kernels.h"
#include "kernels/ref/conv_ref.h"
#include "ops/fast_path.h"
#include "test.h"

typedef struct tin {
  enn_tensor_desc d;
  const float *data;
  int is_const;
} tin;

static tin mk(int32_t rank, const int64_t *dims, const float *data, int is_const) {
  tin t;
  enn_tensor_desc_init(&t.d, ENN_DTYPE_F32, rank, dims);
  t.data = data;
  t.is_const = is_const;
  return t;
}

/* One node at kernel level cap with `threads`; returns the output (malloc)
 * and the kernel name. NULL on failure (checked). */
static float *run_node(enn_op op, const enn_attrs *at, const tin *ins, int n_in, enn_isa cap, int threads,
                       long *numel, char *kernel, size_t kcap) {
  enn_kernel_set_isa_cap(cap);
  enn_graph *g = NULL;
  enn_session *s = NULL;
  float *out = NULL;
  int32_t ids[8], y, k_in = 0;
  CHECK_OK(enn_graph_create(NULL, &g));
  for (int i = 0; i < n_in; i++) {
    char nm[16];
    snprintf(nm, sizeof nm, "t%d", i);
    if (ins[i].is_const) CHECK_OK(enn_graph_add_constant(g, nm, &ins[i].d, ins[i].data, ENN_CONST_COPY, &ids[i]));
    else CHECK_OK(enn_graph_add_input(g, nm, &ins[i].d, &ids[i]));
  }
  enn_status st = enn_graph_add_node(g, op, "node", ids, n_in, at, 1, &y);
  CHECK_OK(st);
  if (!st) st = enn_graph_add_output(g, y);
  enn_session_options o;
  enn_session_options_init(&o);
  o.optimize = 0;
  o.threads = threads;
  if (!st) st = enn_session_create(g, &o, &s);
  CHECK_OK(st);
  if (!st) {
    for (int i = 0; i < n_in; i++)
      if (!ins[i].is_const) memcpy(enn_session_input_buffer(s, k_in++), ins[i].data, enn_tensor_desc_bytes(&ins[i].d));
    CHECK_OK(enn_session_run(s));
    enn_tensor_desc od;
    CHECK_OK(enn_session_output_desc(s, 0, &od, NULL));
    *numel = (long)enn_tensor_desc_numel(&od);
    out = malloc(enn_tensor_desc_bytes(&od) + 4);
    memcpy(out, enn_session_output_buffer(s, 0), enn_tensor_desc_bytes(&od));
    enn_node_profile p;
    CHECK_OK(enn_session_node_profile(s, 0, &p));
    snprintf(kernel, kcap, "%s", p.kernel ? p.kernel : "");
  }
  enn_session_destroy(s);
  enn_graph_destroy(g);
  enn_kernel_set_isa_cap(ENN_ISA_AVX512);
  return out;
}

#if defined(__aarch64__)
static const enn_isa kLevels[] = {ENN_ISA_NEON};
#else
static const enn_isa kLevels[] = {ENN_ISA_AVX2, ENN_ISA_AVX512};
#endif

/* Runs the node at ref and at every supported SIMD level with 1..3
 * threads; family = substring the fast kernel's name must contain (NULL:
 * the reference must be kept at every level). */
static void compare(const char *what, enn_op op, const enn_attrs *at, const tin *ins, int n_in, const char *family,
                    double rtol) {
  char kref[96] = "", kfast[96] = "";
  long n_ref = 0, n = 0;
  float *ref = run_node(op, at, ins, n_in, ENN_ISA_REF, 1, &n_ref, kref, sizeof kref);
  if (!ref) return;
  CHECK_MSG(strstr(kref, "__ref") != NULL, "%s: reference level ran %s", what, kref);
  double mx = 0;
  for (long i = 0; i < n_ref; i++) mx = fmax(mx, fabs((double)ref[i]));
  for (size_t l = 0; l < sizeof kLevels / sizeof kLevels[0]; l++) {
    if (!enn_kernel_isa_supported(kLevels[l])) {
      fprintf(stderr, "  skip %s at %s: this CPU lacks it\n", what, enn_isa_name(kLevels[l]));
      continue;
    }
    float *first = NULL;
    for (int threads = 1; threads <= 3; threads++) {
      float *y = run_node(op, at, ins, n_in, kLevels[l], threads, &n, kfast, sizeof kfast);
      if (!y) continue;
      CHECK(n == n_ref);
      if (family) {
        CHECK_MSG(strstr(kfast, family) && strstr(kfast, enn_isa_name(kLevels[l])), "%s at %s ran %s (want %s)",
                  what, enn_isa_name(kLevels[l]), kfast, family);
      } else CHECK_MSG(strstr(kfast, "__ref") != NULL, "%s: expected the reference, ran %s", what, kfast);
      int bad = 0;
      for (long i = 0; i < n && i < n_ref; i++)
        if (!(fabs((double)y[i] - (double)ref[i]) <= rtol * mx + 1e-7)) {
          if (!bad)
            fprintf(stderr, "  %s [%s, %d threads] element %ld: %.9g vs ref %.9g (max |ref| %g)\n", what, kfast,
                    threads, i, (double)y[i], (double)ref[i], mx);
          bad++;
        }
      CHECK_MSG(bad == 0, "%s at %s, %d threads: %d elements differ", what, enn_isa_name(kLevels[l]), threads, bad);
      if (!first) first = y;
      else {
        CHECK_MSG(memcmp(first, y, sizeof(float) * (size_t)n) == 0, "%s at %s: %d threads differ from 1", what,
                  enn_isa_name(kLevels[l]), threads);
        free(y);
      }
    }
    free(first);
  }
  free(ref);
}

/* --------------------------------------------------------------- Conv2D */
typedef struct conv_case {
  int n, ih, iw, ic, oc, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, groups;
  const char *family;
} conv_case;

static const conv_case kConv[] = {
    /* 1x1 stride 1: GEMM */
    {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, "gemm"},
    {1, 5, 7, 3, 33, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, "gemm"},
    {2, 3, 3, 17, 70, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, "gemm"},
    {1, 9, 11, 32, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, "gemm"},
    {1, 7, 7, 13, 16, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, "gemm"},
    {1, 4, 5, 12, 18, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 3, "gemm"}, /* grouped 1x1 */
    /* depthwise 3x3 / 5x5: DWCONV */
    {1, 13, 11, 17, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 17, "dwconv_3x3"},
    {1, 9, 9, 40, 40, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 40, "dwconv_3x3"},
    {2, 6, 5, 1, 1, 3, 3, 1, 2, 1, 1, 2, 0, 0, 2, 1, "dwconv_3x3"},
    {1, 16, 16, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 32, "dwconv_3x3"},
    {1, 8, 7, 8, 8, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 8, "dwconv_5x5"},
    {1, 12, 10, 33, 33, 5, 5, 2, 2, 1, 1, 1, 2, 2, 1, 33, "dwconv_5x5"},
    {1, 3, 2, 16, 16, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 16, "dwconv_5x5"},
    /* IGEMM; with one group, dilation 1 and fewer than 16 input channels a
     * tap is a whole kernel row (ROWS) */
    {1, 17, 17, 3, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, "igemm"},  /* first layer */
    {1, 16, 16, 8, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, "igemm"},  /* big enough to split */
    {1, 9, 9, 5, 7, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, "igemm"},     /* strided 1x1 */
    {1, 6, 6, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, "igemm"},     /* padded 1x1 */
    {1, 7, 8, 6, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, "igemm"},    /* groups 2 */
    {1, 7, 7, 9, 9, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 9, "igemm"},     /* dilated depthwise */
    {1, 6, 6, 5, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 5, "igemm"},    /* depthwise, multiplier 2 */
    {1, 19, 19, 3, 8, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1, "igemm"},   /* 7x7 stem */
    {1, 10, 9, 4, 33, 2, 3, 1, 2, 1, 1, 0, 1, 1, 0, 1, "igemm"},   /* 2x3, asymmetric pads */
    {2, 5, 5, 7, 1, 3, 3, 1, 1, 2, 1, 2, 1, 2, 1, 1, "igemm"},     /* dilation 2x1, one output channel */
    {1, 5, 5, 7, 7, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 7, "igemm"},     /* depthwise 7x7 */
    /* IGEMM with one pointer per (ky, kx) tap */
    {1, 8, 9, 16, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, "igemm"},
    {1, 12, 12, 16, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, "igemm"}, /* big enough to split */
    {1, 9, 9, 17, 7, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, "igemm"},    /* strided 1x1 */
    {1, 6, 6, 16, 4, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, "igemm"},    /* padded 1x1 */
    {1, 7, 8, 32, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, "igemm"},   /* groups 2 */
    {1, 7, 7, 16, 16, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, "igemm"},   /* dilated */
    {1, 11, 11, 16, 8, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1, "igemm"},  /* 7x7 stride 2 */
    {1, 10, 9, 20, 33, 2, 3, 1, 2, 1, 1, 0, 1, 1, 0, 1, "igemm"},  /* 2x3, asymmetric pads */
    {2, 5, 5, 18, 1, 3, 3, 1, 1, 2, 1, 2, 1, 2, 1, 1, "igemm"},    /* dilation 2x1, one output channel */
    {1, 3, 3, 40, 200, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, "igemm"},  /* more panels than rows */
};

static const enn_act kActs[] = {ENN_ACT_NONE,         ENN_ACT_RELU,       ENN_ACT_RELU6, ENN_ACT_CLIP,
                                ENN_ACT_LEAKY_RELU,   ENN_ACT_SIGMOID,    ENN_ACT_HARD_SIGMOID,
                                ENN_ACT_HARD_SWISH,   ENN_ACT_SWISH,      ENN_ACT_TANH};
#define N_ACTS ((int)(sizeof kActs / sizeof kActs[0]))

static void set_act(enn_attrs *a, enn_act act) {
  a->act = act;
  if (act == ENN_ACT_CLIP) {
    a->act_min = -0.3f;
    a->act_max = 0.4f;
  }
}

static void test_conv(void) {
  enn_conv2d_set_winograd(0); /* the dense 3x3 stride-1 cases test IGEMM here (Winograd: test_f32_winograd.c) */
  for (size_t ci = 0; ci < sizeof kConv / sizeof kConv[0]; ci++) {
    const conv_case *c = &kConv[ci];
    for (int ai = 0; ai < N_ACTS; ai++) {
      if (ai > 2 && (ci + (size_t)ai) % 3 != 0) continue; /* every act on a third of the cases */
      const int64_t xd[4] = {c->n, c->ih, c->iw, c->ic}, wd[4] = {c->oc, c->kh, c->kw, c->ic / c->groups},
                    bd[1] = {c->oc};
      const long nx = (long)(xd[0] * xd[1] * xd[2] * xd[3]), nw = (long)(wd[0] * wd[1] * wd[2] * wd[3]);
      float *x = malloc(sizeof(float) * (size_t)nx), *w = malloc(sizeof(float) * (size_t)nw),
            *b = malloc(sizeof(float) * (size_t)c->oc);
      enn_t_fill(x, nx, 11u + ci, -1.0f, 1.0f);
      enn_t_fill(w, nw, 22u + ci, -0.5f, 0.5f);
      enn_t_fill(b, c->oc, 33u + ci, -0.5f, 0.5f);
      enn_attrs at;
      enn_attrs_init_op(&at, ENN_OP_CONV2D);
      at.stride[0] = c->sh, at.stride[1] = c->sw;
      at.dilation[0] = c->dh, at.dilation[1] = c->dw;
      at.pads[0] = c->pt, at.pads[1] = c->pl, at.pads[2] = c->pb, at.pads[3] = c->pr;
      at.groups = c->groups;
      set_act(&at, kActs[ai]);
      const tin ins[3] = {mk(4, xd, x, 0), mk(4, wd, w, 1), mk(1, bd, b, 1)};
      char what[96];
      snprintf(what, sizeof what, "conv case %zu act %d", ci, (int)kActs[ai]);
      compare(what, ENN_OP_CONV2D, &at, ins, (ai & 1) ? 2 : 3, c->family, 1e-5); /* odd acts: no bias */
      free(x), free(w), free(b);
    }
  }
  enn_conv2d_set_winograd(1);
}

/* Weights fed at run time: the reference keeps the node. */
static void test_conv_runtime_weights(void) {
  const int64_t xd[4] = {1, 4, 4, 3}, wd[4] = {5, 1, 1, 3};
  float x[48], w[15];
  enn_t_fill(x, 48, 1, -1, 1);
  enn_t_fill(w, 15, 2, -1, 1);
  enn_attrs at;
  enn_attrs_init_op(&at, ENN_OP_CONV2D);
  const tin ins[2] = {mk(4, xd, x, 0), mk(4, wd, w, 0)};
  compare("conv with run-time weights", ENN_OP_CONV2D, &at, ins, 2, NULL, 0.0);
}

/* ------------------------------------------------------- FullyConnected */
static void test_fc(void) {
  const int rows[] = {1, 3, 9}, ks[] = {1, 7, 40}, ns[] = {1, 17, 100, 130};
  int q = 0;
  for (size_t a = 0; a < 3; a++)
    for (size_t b = 0; b < 3; b++)
      for (size_t c = 0; c < 4; c++, q++) {
        const int64_t xd[3] = {1, rows[a], ks[b]}, wd[2] = {ns[c], ks[b]}, bd[1] = {ns[c]};
        float *x = malloc(sizeof(float) * (size_t)(rows[a] * ks[b])), *w = malloc(sizeof(float) * (size_t)(ns[c] * ks[b])),
              *bb = malloc(sizeof(float) * (size_t)ns[c]);
        enn_t_fill(x, rows[a] * ks[b], 5u + (unsigned)q, -1, 1);
        enn_t_fill(w, ns[c] * ks[b], 6u + (unsigned)q, -1, 1);
        enn_t_fill(bb, ns[c], 7u + (unsigned)q, -1, 1);
        enn_attrs at;
        enn_attrs_init_op(&at, ENN_OP_FULLY_CONNECTED);
        set_act(&at, kActs[q % N_ACTS]);
        const tin ins[3] = {mk(3, xd, x, 0), mk(2, wd, w, 1), mk(1, bd, bb, 1)};
        char what[64];
        snprintf(what, sizeof what, "fc rows %d k %d n %d", rows[a], ks[b], ns[c]);
        compare(what, ENN_OP_FULLY_CONNECTED, &at, ins, 3, "gemm", 1e-5);
        free(x), free(w), free(bb);
      }
}

/* -------------------------------------------- Add, GlobalAvgPool, Softmax */
static void test_vector_ops(void) {
  const int64_t d[4] = {1, 7, 5, 9}, big[4] = {1, 64, 40, 8}, bc[4] = {1, 1, 1, 9};
  float *a = malloc(sizeof(float) * 20480), *b = malloc(sizeof(float) * 20480);
  enn_t_fill(a, 20480, 3, -4, 4);
  enn_t_fill(b, 20480, 4, -4, 4);
  for (int ai = 0; ai < N_ACTS; ai++) {
    enn_attrs at;
    enn_attrs_init_op(&at, ENN_OP_ADD);
    set_act(&at, kActs[ai]);
    const tin ins[2] = {mk(4, d, a, 0), mk(4, d, b, 0)};
    compare("add", ENN_OP_ADD, &at, ins, 2, "vadd", 1e-6);
    const tin ins2[2] = {mk(4, big, a, 0), mk(4, big, b, 0)}; /* split over threads */
    compare("add (big)", ENN_OP_ADD, &at, ins2, 2, "vadd", 1e-6);
  }
  enn_attrs at;
  enn_attrs_init_op(&at, ENN_OP_ADD);
  const tin ins3[2] = {mk(4, d, a, 0), mk(4, bc, b, 0)};
  compare("broadcast add", ENN_OP_ADD, &at, ins3, 2, NULL, 0.0);
  enn_attrs_init_op(&at, ENN_OP_SUB);
  const tin ins4[2] = {mk(4, d, a, 0), mk(4, d, b, 0)};
  compare("sub", ENN_OP_SUB, &at, ins4, 2, NULL, 0.0);

  const int64_t pd[4] = {2, 5, 3, 37};
  for (int ai = 0; ai < N_ACTS; ai++) {
    enn_attrs_init_op(&at, ENN_OP_GLOBAL_AVG_POOL);
    set_act(&at, kActs[ai]);
    const tin pin[1] = {mk(4, pd, a, 0)};
    compare("global avg pool", ENN_OP_GLOBAL_AVG_POOL, &at, pin, 1, "gavgpool", 1e-6);
  }
  /* MaxPool: windows, strides, paddings, dilation, ceil mode, channel tails */
  static const int mp[][11] = {/* h, w, c, kh, kw, s, pad, dil, ceil, n, act index */
                               {9, 9, 16, 3, 3, 2, 1, 1, 0, 1, 0}, {112, 112, 64, 3, 3, 2, 1, 1, 0, 1, 1},
                               {7, 5, 17, 2, 2, 2, 0, 1, 1, 2, 2}, {10, 11, 33, 3, 2, 1, 1, 2, 0, 1, 3},
                               {5, 5, 8, 5, 5, 1, 2, 1, 0, 1, 7},   {6, 7, 3, 3, 3, 3, 1, 1, 1, 1, 5}};
  for (size_t i = 0; i < sizeof mp / sizeof mp[0]; i++) {
    const int *q = mp[i];
    const int64_t xd[4] = {q[9], q[0], q[1], q[2]};
    float *xp = malloc(sizeof(float) * (size_t)(q[9] * q[0] * q[1] * q[2]));
    enn_t_fill(xp, q[9] * q[0] * q[1] * q[2], 40u + (unsigned)i, -3, 3);
    enn_attrs_init_op(&at, ENN_OP_MAX_POOL);
    at.kernel[0] = q[3], at.kernel[1] = q[4];
    at.stride[0] = at.stride[1] = q[5];
    at.pads[0] = at.pads[1] = at.pads[2] = at.pads[3] = q[6];
    at.dilation[0] = at.dilation[1] = q[7];
    at.ceil_mode = q[8];
    set_act(&at, kActs[q[10]]);
    const tin min1[1] = {mk(4, xd, xp, 0)};
    char what[48];
    snprintf(what, sizeof what, "max pool case %zu", i);
    compare(what, ENN_OP_MAX_POOL, &at, min1, 1, "maxpool", 1e-6);
    free(xp);
  }

  /* AvgPool over the whole unpadded input: the GAVGPOOL kernel, same sums
   * as the reference (tolerance 1e-7 absolute); other windows keep it */
  static const int ap[][9] = {/* n, h, w, c, kh, kw, pad, act index, fast */
                              {2, 8, 8, 64, 8, 8, 0, 0, 1}, {1, 5, 3, 37, 5, 3, 0, 1, 1}, {1, 1, 1, 17, 1, 1, 0, 5, 1},
                              {1, 4, 4, 16, 4, 4, 0, 2, 1}, {1, 6, 6, 16, 3, 3, 1, 0, 0}, {1, 3, 3, 8, 5, 5, 1, 0, 0}};
  for (size_t i = 0; i < sizeof ap / sizeof ap[0]; i++) {
    const int *q = ap[i];
    const int64_t xd[4] = {q[0], q[1], q[2], q[3]};
    float *xp = malloc(sizeof(float) * (size_t)(q[0] * q[1] * q[2] * q[3]));
    enn_t_fill(xp, q[0] * q[1] * q[2] * q[3], 60u + (unsigned)i, -3, 3);
    enn_attrs_init_op(&at, ENN_OP_AVG_POOL);
    at.kernel[0] = q[4], at.kernel[1] = q[5];
    at.stride[0] = at.stride[1] = 1;
    at.pads[0] = at.pads[1] = at.pads[2] = at.pads[3] = q[6];
    set_act(&at, kActs[q[7]]);
    const tin ain[1] = {mk(4, xd, xp, 0)};
    char what[48];
    snprintf(what, sizeof what, "avg pool case %zu", i);
    compare(what, ENN_OP_AVG_POOL, &at, ain, 1, q[8] ? "gavgpool" : NULL, 0.0);
    free(xp);
  }

  const int64_t sd[2] = {3, 1001};
  enn_attrs_init_op(&at, ENN_OP_SOFTMAX);
  const tin sin1[1] = {mk(2, sd, a, 0)};
  compare("softmax", ENN_OP_SOFTMAX, &at, sin1, 1, "softmax", 1e-5);
  at.axis = 0;
  compare("softmax axis 0", ENN_OP_SOFTMAX, &at, sin1, 1, NULL, 0.0);
  free(a), free(b);
}

/* A session run several times with new input data each time: what the
 * paths cache from the first run (indirection tables, ROWS border copies)
 * must follow the data. Each run's output against the reference conv. */
static void test_conv_rerun(void) {
  static const int cases[][8] = {/* ih, iw, ic, oc, k, stride, pad, expected family index */
                                 {17, 17, 3, 16, 3, 2, 1, 0},  /* ROWS stem */
                                 {9, 9, 16, 24, 3, 2, 1, 0},   /* per-tap table */
                                 {12, 12, 16, 16, 3, 1, 1, 1}}; /* Winograd */
  static const char *fam[2] = {"igemm", "wino43"};
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    const int *q = cases[ci];
    if (!enn_kernel_isa_supported(ENN_ISA_AVX2)) {
      fprintf(stderr, "  skip rerun case %zu: no SIMD level\n", ci);
      return;
    }
    const int64_t xd[4] = {1, q[0], q[1], q[2]}, wd[4] = {q[3], q[4], q[4], q[2]}, bd[1] = {q[3]};
    const long nx = q[0] * q[1] * q[2], nw = q[3] * q[4] * q[4] * q[2];
    float *x = malloc(sizeof(float) * (size_t)nx), *w = malloc(sizeof(float) * (size_t)nw);
    float *b = malloc(sizeof(float) * (size_t)q[3]);
    enn_t_fill(w, nw, 70u + ci, -0.5f, 0.5f);
    enn_t_fill(b, q[3], 71u + ci, -0.5f, 0.5f);
    enn_graph *g = NULL;
    enn_session *s = NULL;
    enn_tensor_desc dx, dw, db;
    enn_tensor_desc_init(&dx, ENN_DTYPE_F32, 4, xd);
    enn_tensor_desc_init(&dw, ENN_DTYPE_F32, 4, wd);
    enn_tensor_desc_init(&db, ENN_DTYPE_F32, 1, bd);
    int32_t ids[3], y;
    CHECK_OK(enn_graph_create(NULL, &g));
    CHECK_OK(enn_graph_add_input(g, "x", &dx, &ids[0]));
    CHECK_OK(enn_graph_add_constant(g, "w", &dw, w, ENN_CONST_COPY, &ids[1]));
    CHECK_OK(enn_graph_add_constant(g, "b", &db, b, ENN_CONST_COPY, &ids[2]));
    enn_attrs at;
    enn_attrs_init_op(&at, ENN_OP_CONV2D);
    at.stride[0] = at.stride[1] = q[5];
    at.pads[0] = at.pads[1] = at.pads[2] = at.pads[3] = q[6];
    CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "conv", ids, 3, &at, 1, &y));
    CHECK_OK(enn_graph_add_output(g, y));
    enn_session_options o;
    enn_session_options_init(&o);
    o.optimize = 0;
    CHECK_OK(enn_session_create(g, &o, &s));
    if (s) {
      enn_node_profile np;
      CHECK_OK(enn_session_node_profile(s, 0, &np));
      CHECK_MSG(np.kernel && strstr(np.kernel, fam[q[7]]), "rerun case %zu ran %s", ci, np.kernel);
      enn_conv2d_params p;
      memset(&p, 0, sizeof p);
      p.n = 1, p.ih = q[0], p.iw = q[1], p.ic = q[2], p.oc = q[3], p.kh = p.kw = q[4];
      p.sh = p.sw = q[5], p.dh = p.dw = 1, p.pt = p.pl = q[6], p.groups = 1;
      p.oh = (q[0] + 2 * q[6] - q[4]) / q[5] + 1, p.ow = (q[1] + 2 * q[6] - q[4]) / q[5] + 1;
      const long ny = (long)p.oh * p.ow * p.oc;
      float *ref = malloc(sizeof(float) * (size_t)ny);
      for (int run = 0; run < 3; run++) {
        enn_t_fill(x, nx, 80u + (unsigned)(ci * 10 + (size_t)run), -1.0f, 1.0f);
        memcpy(enn_session_input_buffer(s, 0), x, sizeof(float) * (size_t)nx);
        CHECK_OK(enn_session_run(s));
        enn_f32_conv2d__ref(&p, x, w, b, ref);
        const float *got = enn_session_output_buffer(s, 0);
        double mx = 0, worst = 0;
        for (long i = 0; i < ny; i++) mx = fmax(mx, fabs((double)ref[i]));
        for (long i = 0; i < ny; i++) worst = fmax(worst, fabs((double)got[i] - (double)ref[i]));
        CHECK_MSG(worst <= 1e-5 * mx, "rerun case %zu run %d: max |fast - ref| %g (max |ref| %g)", ci, run, worst, mx);
      }
      free(ref);
    }
    enn_session_destroy(s);
    enn_graph_destroy(g);
    free(x), free(w), free(b);
  }
}

int main(void) {
  ENN_RUN(test_conv);
  ENN_RUN(test_conv_rerun);
  ENN_RUN(test_conv_runtime_weights);
  ENN_RUN(test_fc);
  ENN_RUN(test_vector_ops);
  return enn_test_finish();
}
