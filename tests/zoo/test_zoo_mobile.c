/*
 * Zoo: MobileNet V1 / V2 / V3-Small / V3-Large and EfficientNet-Lite0.
 *
 * Counts (params exclude BN running stats; MACs = conv + FC) were derived
 * independently of the C builders (a separate layer-by-layer tally of each
 * reference architecture):
 *   mobilenet_v2 / v3_small / v3_large at 224 / 1000 classes / width 1 are
 *   torchvision's published figures (3,504,872 / 2,542,856 / 5,483,032
 *   parameters; 300.77M / 56.51M / 216.59M MACs, SE 1x1 convs included).
 *   mobilenet_v1: Keras MobileNet 1.0/224 reports 4,231,976 trainable
 *   parameters (4,253,864 total minus 21,888 BN moving statistics); MACs
 *   568,740,352 (the paper's "569M mult-adds").
 *   efficientnet_lite0: 4,652,008 = EfficientNet-B0's 5,288,548 trainable
 *   parameters minus its 636,540 SE parameters (Lite drops SE; stem/head are
 *   the same at width 1); MACs 385,187,552 (derivation in
 *   src/zoo/efficientnet_lite.c).
 * Variants (width / resolution / classes) use the same tally.
 *
 * Structure: per-op node counts derived by hand from the block tables
 * (e.g. V3-Small has 9 SE blocks -> 9 HardSigmoid and 9 Mul nodes). Runs:
 * each architecture runs at a reduced resolution with optimize 0 and 1
 * (outputs finite and equal within float tolerance), batch rows are
 * independent, and each runs once at its default 224x224.
 */
#include <stdbool.h>

#include "test.h"
#include "zoo_check.h"

typedef struct {
  const char *name;
  float width;
  int32_t res, classes, batch;
  long long params, macs;
} count_case;

static enn_graph *build(const char *name, float width, int32_t res, int32_t classes, int32_t batch) {
  enn_zoo_options o;
  enn_zoo_options_init(&o);
  o.width = width;
  o.resolution = res;
  o.classes = classes;
  o.batch = batch;
  enn_graph *g = NULL;
  CHECK_OK(enn_zoo_build(name, &o, NULL, &g));
  return g;
}

static void check_output_shape(const enn_graph *g, int64_t n, int64_t classes, const char *what) {
  CHECK(enn_graph_num_outputs(g) == 1);
  enn_tensor_desc d;
  memset(&d, 0, sizeof d);
  CHECK_OK(enn_graph_tensor(g, enn_graph_output(g, 0), NULL, &d, NULL));
  CHECK_MSG(d.rank == 2 && d.dims[0] == n && d.dims[1] == classes, "%s: output rank %d [%lld, %lld], want [%lld, %lld]",
            what, d.rank, (long long)d.dims[0], (long long)(d.rank > 1 ? d.dims[1] : -1), (long long)n,
            (long long)classes);
  CHECK(d.dtype == ENN_DTYPE_F32);
}

static void check_counts(const count_case *c) {
  enn_graph *g = build(c->name, c->width, c->res, c->classes, c->batch);
  if (!g) return;
  enn_graph_stats st;
  CHECK_OK(enn_graph_stats_get(g, &st));
  CHECK_MSG(st.params == c->params, "%s w%g r%d c%d: params %lld, want %lld", c->name, (double)c->width, c->res,
            c->classes, (long long)st.params, c->params);
  CHECK_MSG(st.macs == c->macs, "%s w%g r%d c%d: MACs %lld, want %lld", c->name, (double)c->width, c->res, c->classes,
            (long long)st.macs, c->macs);
  check_output_shape(g, c->batch, c->classes, c->name);
  /* The input is NHWC [batch, res, res, 3]. */
  enn_tensor_desc d;
  CHECK_OK(enn_graph_tensor(g, enn_graph_input(g, 0), NULL, &d, NULL));
  CHECK(d.rank == 4 && d.dims[0] == c->batch && d.dims[1] == c->res && d.dims[2] == c->res && d.dims[3] == 3);
  CHECK_OK(enn_graph_verify(g));
  enn_graph_destroy(g);
}

static void test_reference_counts(void) {
  static const count_case cases[] = {
      {"mobilenet_v1", 1.0f, 224, 1000, 1, 4231976LL, 568740352LL},
      {"mobilenet_v2", 1.0f, 224, 1000, 1, 3504872LL, 300774272LL},
      {"mobilenet_v3_small", 1.0f, 224, 1000, 1, 2542856LL, 56510400LL},
      {"mobilenet_v3_large", 1.0f, 224, 1000, 1, 5483032LL, 216589760LL},
      {"efficientnet_lite0", 1.0f, 224, 1000, 1, 4652008LL, 385187552LL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_counts(&cases[i]);
}

static void test_defaults_are_224_1000(void) {
  static const char *const names[] = {"mobilenet_v1", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
                                      "efficientnet_lite0"};
  static const long long params[] = {4231976LL, 3504872LL, 2542856LL, 5483032LL, 4652008LL};
  for (int i = 0; i < 5; i++) {
    enn_graph *g = NULL;
    CHECK_OK(enn_zoo_build(names[i], NULL, NULL, &g));
    if (!g) continue;
    enn_graph_stats st;
    CHECK_OK(enn_graph_stats_get(g, &st));
    CHECK_MSG(st.params == params[i], "%s default params %lld", names[i], (long long)st.params);
    check_output_shape(g, 1, 1000, names[i]);
    const char *arch = enn_graph_get_meta(g, "architecture");
    CHECK(arch && strcmp(arch, names[i]) == 0);
    enn_graph_destroy(g);
  }
}

static void test_variant_counts(void) {
  static const count_case cases[] = {
      /* width 0.35: stem _make_divisible(11.2, 8) = 16; head stays 1280 (max(1, w)) */
      {"mobilenet_v2", 0.35f, 96, 10, 1, 408938LL, 10666928LL},
      /* width 1.4: head _make_divisible(1792, 8) = 1792 */
      {"mobilenet_v2", 1.4f, 224, 1000, 1, 6108776LL, 582195824LL},
      {"mobilenet_v3_small", 0.75f, 224, 1000, 1, 1653920LL, 39115576LL},
      {"mobilenet_v3_small", 1.0f, 64, 10, 1, 1528106LL, 5502720LL},
      /* classifier hidden width scales too: _make_divisible(1280 * 0.5, 8) = 640 */
      {"mobilenet_v3_large", 0.5f, 160, 100, 1, 1157676LL, 33220368LL},
      /* Keras truncation int(c * alpha) */
      {"mobilenet_v1", 0.25f, 128, 10, 1, 215642LL, 13316608LL},
      {"mobilenet_v1", 0.75f, 160, 1000, 1, 2585560LL, 166396800LL},
      /* stem 32 and head 1280 fixed; blocks round_filters(c * 0.5) */
      {"efficientnet_lite0", 0.5f, 128, 7, 1, 1021639LL, 43470848LL},
      /* batch multiplies MACs, not parameters */
      {"mobilenet_v3_small", 1.0f, 64, 10, 3, 1528106LL, 3 * 5502720LL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_counts(&cases[i]);
}

static void test_spec_string(void) {
  enn_graph *g = NULL;
  CHECK_OK(enn_zoo_build_spec("zoo:mobilenet_v2,width=0.35,res=96,classes=10", NULL, &g));
  if (!g) return;
  enn_graph_stats st;
  CHECK_OK(enn_graph_stats_get(g, &st));
  CHECK(st.params == 408938LL);
  check_output_shape(g, 1, 10, "spec");
  enn_graph_destroy(g);
}

/* ----------------------------------------------------------- structure */
typedef struct {
  const char *name;
  int conv, bn, fc, add, mul, relu, clip, hswish, hsig, gap;
} op_census;

static void check_census(const op_census *want) {
  enn_graph *g = build(want->name, 1.0f, 224, 1000, 1);
  if (!g) return;
  op_census got;
  memset(&got, 0, sizeof got);
  int other = 0;
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    enn_op op;
    const enn_attrs *a;
    const int32_t *ins, *outs;
    int32_t nin, nout;
    CHECK_OK(enn_graph_node(g, i, &op, NULL, &a, &ins, &nin, &outs, &nout));
    switch (op) {
    case ENN_OP_CONV2D: got.conv++; break;
    case ENN_OP_BATCH_NORM: got.bn++; break;
    case ENN_OP_FULLY_CONNECTED: got.fc++; break;
    case ENN_OP_ADD: got.add++; break;
    case ENN_OP_MUL: got.mul++; break;
    case ENN_OP_RELU: got.relu++; break;
    case ENN_OP_CLIP:
      got.clip++;
      CHECK(a->act_min == 0.0f && a->act_max == 6.0f);
      break;
    case ENN_OP_HARD_SWISH: got.hswish++; break;
    case ENN_OP_HARD_SIGMOID:
      got.hsig++;
      /* PyTorch's Hardsigmoid relu6(x + 3) / 6, not ONNX's default 0.2 */
      CHECK_NEAR(a->alpha, 1.0 / 6.0, 1e-7);
      CHECK_NEAR(a->beta, 0.5, 0);
      break;
    case ENN_OP_GLOBAL_AVG_POOL: got.gap++; break;
    case ENN_OP_FLATTEN: break;
    default: other++; break;
    }
  }
  CHECK_MSG(other == 0, "%s: %d unexpected ops", want->name, other);
#define CENSUS(f) CHECK_MSG(got.f == want->f, "%s: %d " #f " nodes, want %d", want->name, got.f, want->f)
  CENSUS(conv);
  CENSUS(bn);
  CENSUS(fc);
  CENSUS(add);
  CENSUS(mul);
  CENSUS(relu);
  CENSUS(clip);
  CENSUS(hswish);
  CENSUS(hsig);
  CENSUS(gap);
#undef CENSUS
  enn_graph_destroy(g);
}

static void test_structure(void) {
  static const op_census want[] = {
      /* stem + 13 x (dw, pw): 27 conv/BN/ReLU6; pool, FC */
      {"mobilenet_v1", 27, 27, 1, 0, 0, 0, 27, 0, 0, 1},
      /* stem, 17 blocks (first without expand: 2 convs, others 3), head: 52 convs,
         ReLU6 on all but the 17 projections; residuals: 1+2+3+2+2 = 10 */
      {"mobilenet_v2", 52, 52, 1, 10, 0, 0, 35, 0, 0, 1},
      /* stem, block 1 (no expand: dw + project), 10 blocks x 3 convs, 9 SE x 2
         convs (with bias, no BN), head: 1 + 2 + 30 + 18 + 1 = 52 convs, 34 BN;
         residuals at blocks 3, 5, 6, 8, 10, 11; ReLU: 5 in blocks 1-3 + 9 SE;
         Hardswish: stem, 8 blocks x 2, head, classifier = 19 */
      {"mobilenet_v3_small", 52, 34, 2, 6, 9, 14, 0, 19, 9, 10},
      /* 1 + 2 + 14 x 3 + 8 SE x 2 + 1 = 62 convs, 46 BN; residuals at blocks
         1, 3, 5, 6, 8, 9, 10, 12, 14, 15; ReLU 1 + 5 x 2 + 8 SE = 19;
         Hardswish 1 + 9 x 2 + 1 + 1 = 21 */
      {"mobilenet_v3_large", 62, 46, 2, 10, 8, 19, 0, 21, 8, 9},
      /* stem, 16 MBConv (first: 2 convs, others 3), head: 49 convs; ReLU6 on
         all but the 16 projections = 33; skips 1+1+2+2+3 = 9 */
      {"efficientnet_lite0", 49, 49, 1, 9, 0, 0, 33, 0, 0, 1},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) check_census(&want[i]);
}

/* Walks back from every Mul in a V3 graph: it must be x * HardSigmoid(conv(
 * ReLU(conv(GlobalAvgPool(x))))) with the same x, both 1x1 convs with bias,
 * squeeze width _make_divisible(C / 4, 8) and x [1,H,W,C] first. */
static int32_t producer(const enn_graph *g, int32_t t, enn_op *op, const int32_t **ins, int32_t *nin) {
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    const int32_t *outs;
    int32_t nout;
    if (enn_graph_node(g, i, op, NULL, NULL, ins, nin, &outs, &nout)) return -1;
    for (int32_t k = 0; k < nout; k++)
      if (outs[k] == t) return i;
  }
  return -1;
}

static int64_t round8(int64_t v) { /* _make_divisible(v, 8) by hand */
  int64_t r = (v + 4) / 8 * 8;
  if (r < 8) r = 8;
  if (10 * r < 9 * v) r += 8;
  return r;
}

static void check_se_wiring(const char *name, int want_se) {
  enn_graph *g = build(name, 1.0f, 224, 1000, 1);
  if (!g) return;
  int se = 0;
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    enn_op op;
    const int32_t *ins, *outs;
    int32_t nin, nout;
    CHECK_OK(enn_graph_node(g, i, &op, NULL, NULL, &ins, &nin, &outs, &nout));
    if (op != ENN_OP_MUL) continue;
    se++;
    int32_t x = ins[0];
    enn_tensor_desc dx, ds, dq;
    CHECK_OK(enn_graph_tensor(g, x, NULL, &dx, NULL));
    CHECK_OK(enn_graph_tensor(g, ins[1], NULL, &ds, NULL));
    int64_t c = dx.dims[3];
    CHECK(dx.rank == 4 && ds.rank == 4 && ds.dims[1] == 1 && ds.dims[2] == 1 && ds.dims[3] == c && dx.dims[1] > 1);
    static const enn_op chain[5] = {ENN_OP_HARD_SIGMOID, ENN_OP_CONV2D, ENN_OP_RELU, ENN_OP_CONV2D,
                                    ENN_OP_GLOBAL_AVG_POOL};
    int32_t t = ins[1];
    bool ok = true;
    for (int k = 0; k < 5 && ok; k++) {
      enn_op pop;
      const int32_t *pin;
      int32_t pn;
      if (producer(g, t, &pop, &pin, &pn) < 0 || pop != chain[k]) {
        ok = false;
        break;
      }
      if (pop == ENN_OP_CONV2D) {
        CHECK(pn == 3); /* bias */
        if (k == 3) { /* fc1: weights [squeeze, 1, 1, C] */
          CHECK_OK(enn_graph_tensor(g, pin[1], NULL, &dq, NULL));
          CHECK_MSG(dq.dims[0] == round8(c / 4) && dq.dims[3] == c, "%s: SE on %lld channels squeezes to %lld", name,
                    (long long)c, (long long)dq.dims[0]);
        }
      }
      t = pin[0];
    }
    CHECK_MSG(ok && t == x, "%s: Mul node %d is not an SE block over its first input", name, i);
  }
  CHECK_MSG(se == want_se, "%s: %d SE blocks, want %d", name, se, want_se);
  enn_graph_destroy(g);
}

static void test_se_wiring(void) {
  check_se_wiring("mobilenet_v3_small", 9);
  check_se_wiring("mobilenet_v3_large", 8);
}

/* ---------------------------------------------------------------- runs */
/* Runs g with the given optimisation level on input `in`; copies the output
 * (n_out floats) to out. Returns false when the session failed. */
static bool run_graph(const enn_graph *g, int32_t optimize, const float *in, long n_in, float *out, long n_out) {
  enn_session *s;
  CHECK_OK(zoo_session(g, optimize, &s));
  if (!s) return false;
  enn_tensor_desc d;
  CHECK_OK(enn_session_output_desc(s, 0, &d, NULL));
  CHECK(enn_tensor_desc_numel(&d) == n_out);
  CHECK_OK(enn_session_input_desc(s, 0, &d, NULL));
  CHECK(enn_tensor_desc_numel(&d) == n_in);
  memcpy(enn_session_input_buffer(s, 0), in, (size_t)n_in * sizeof(float));
  enn_status st = enn_session_run(s);
  CHECK_OK(st);
  memcpy(out, enn_session_output_buffer(s, 0), (size_t)n_out * sizeof(float));
  enn_session_destroy(s);
  return st == ENN_OK;
}

/* Builds, runs with optimize 0 and 1, checks shape/finiteness/agreement. */
static void run_case(const char *name, float width, int32_t res, int32_t classes) {
  enn_graph *g = build(name, width, res, classes, 1);
  if (!g) return;
  check_output_shape(g, 1, classes, name);
  long n_in = (long)res * res * 3;
  float *in = malloc((size_t)n_in * sizeof(float));
  float *o0 = calloc((size_t)classes, sizeof(float));
  float *o1 = calloc((size_t)classes, sizeof(float));
  if (!in || !o0 || !o1) {
    CHECK(!"out of memory");
  } else {
    enn_t_fill(in, n_in, (unsigned long long)res * 7u + (unsigned long long)classes, -1.0f, 1.0f);
    bool ok0 = run_graph(g, 0, in, n_in, o0, classes);
    bool ok1 = run_graph(g, 1, in, n_in, o1, classes);
    if (ok0 && ok1) {
      CHECK_MSG(zoo_all_finite(o0, classes) && zoo_all_finite(o1, classes), "%s: non-finite logits", name);
      double m = zoo_max_abs(o0, classes);
      CHECK_MSG(m > 0, "%s: all-zero logits", name);
      /* Folding BN and fusing activations reassociates float math only. */
      CHECK_MSG(enn_t_allclose(o1, o0, classes, 1e-4 * m + 1e-6, 1e-3), "%s w%g r%d: optimize 1 differs from 0", name,
                (double)width, res);
      /* Logits must depend on the class (not a constant vector). */
      bool varied = classes == 1;
      for (int32_t i = 1; i < classes; i++) varied |= o0[i] != o0[0];
      CHECK_MSG(varied, "%s: constant logits", name);
    }
  }
  free(in);
  free(o0);
  free(o1);
  enn_graph_destroy(g);
}

static void test_run_reduced(void) {
  run_case("mobilenet_v1", 0.5f, 64, 10);
  run_case("mobilenet_v2", 0.35f, 96, 10);
  run_case("mobilenet_v3_small", 0.75f, 96, 10);
  run_case("mobilenet_v3_large", 1.0f, 64, 17);
  run_case("efficientnet_lite0", 1.0f, 64, 5);
  /* odd resolution: every stride-2 layer rounds up ((n + 2p - k) / 2 + 1) */
  run_case("mobilenet_v3_small", 1.0f, 33, 3);
  /* a single class */
  run_case("mobilenet_v2", 0.5f, 32, 1);
}

/* One image per row of a batch gives the same logits as running it alone. */
static void test_batch_rows_independent(void) {
  const int32_t res = 48, classes = 6;
  const long img = (long)res * res * 3;
  enn_graph *g1 = build("mobilenet_v3_small", 1.0f, res, classes, 1);
  enn_graph *g2 = build("mobilenet_v3_small", 1.0f, res, classes, 2);
  float *in = malloc((size_t)(2 * img) * sizeof(float));
  float ob[12], oa[6], oc[6];
  if (g1 && g2 && in) {
    check_output_shape(g2, 2, classes, "batch 2");
    enn_t_fill(in, 2 * img, 99, -1.0f, 1.0f);
    if (run_graph(g2, 1, in, 2 * img, ob, 12) && run_graph(g1, 1, in, img, oa, 6) &&
        run_graph(g1, 1, in + img, img, oc, 6)) {
      double m = zoo_max_abs(ob, 12);
      CHECK_ALLCLOSE(ob, oa, 6, 1e-5 * m, 1e-4);
      CHECK_ALLCLOSE(ob + 6, oc, 6, 1e-5 * m, 1e-4);
      bool differ = false;
      for (int i = 0; i < 6; i++) differ |= oa[i] != oc[i];
      CHECK_MSG(differ, "different images gave identical logits");
    }
  }
  free(in);
  enn_graph_destroy(g1);
  enn_graph_destroy(g2);
}

/* Each architecture once at its default 224x224 / 1000 classes. */
static void test_run_224(void) {
  static const char *const names[] = {"mobilenet_v1", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
                                      "efficientnet_lite0"};
  const long n_in = 224L * 224 * 3;
  float *in = malloc((size_t)n_in * sizeof(float));
  float *out = malloc(1000 * sizeof(float));
  if (in && out) {
    enn_t_fill(in, n_in, 5, -1.0f, 1.0f);
    for (int i = 0; i < 5; i++) {
      enn_graph *g = build(names[i], 1.0f, 224, 1000, 1);
      if (!g) continue;
      if (run_graph(g, 1, in, n_in, out, 1000)) {
        CHECK_MSG(zoo_all_finite(out, 1000), "%s: non-finite logits at 224", names[i]);
        CHECK_MSG(zoo_max_abs(out, 1000) > 0, "%s: zero logits at 224", names[i]);
      }
      enn_graph_destroy(g);
    }
  }
  free(in);
  free(out);
}

int main(void) {
  ENN_RUN(test_reference_counts);
  ENN_RUN(test_defaults_are_224_1000);
  ENN_RUN(test_variant_counts);
  ENN_RUN(test_spec_string);
  ENN_RUN(test_structure);
  ENN_RUN(test_se_wiring);
  ENN_RUN(test_run_reduced);
  ENN_RUN(test_batch_rows_independent);
  ENN_RUN(test_run_224);
  return enn_test_finish();
}
