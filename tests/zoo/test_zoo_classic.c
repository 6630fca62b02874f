/*
 * Zoo: LeNet-5, ResNet-8 (MLPerf Tiny), ResNet-18, SqueezeNet 1.1,
 * ShuffleNet V2 x0.5 / x1.0, DS-CNN (MLPerf Tiny).
 *
 * - exact parameter / MAC counts at the default options (torchvision /
 *   Keras figures, or derived here by an independent formula);
 * - the MLPerf Tiny models' layer tables equal the ones extracted from the
 *   reference .tflite files (raw graph, and after enn_graph_optimize), and
 *   the reference files are the ones the tables were made from;
 * - option handling (width, resolution, classes, batch) through shapes;
 * - the ShuffleNet channel shuffle gives torchvision's channel order;
 * - every model runs with optimize 0 and 1, finite and agreeing outputs.
 */
#include <stdint.h>

#include "test.h"
#include "zoo/zoo.h"
#include "zoo_check.h"

/* ------------------------------------------------------------- helpers */
static enn_graph *build(const char *spec) {
  enn_graph *g = NULL;
  enn_status st = enn_zoo_build_spec(spec, NULL, &g);
  CHECK_MSG(st == ENN_OK, "%s: %s", spec, enn_last_error());
  return st == ENN_OK ? g : NULL;
}

static int find_node(const enn_graph *g, const char *name) {
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    const char *nm;
    if (enn_graph_node(g, i, NULL, &nm, NULL, NULL, NULL, NULL, NULL) == ENN_OK && strcmp(nm, name) == 0) return i;
  }
  return -1;
}

static int dims_eq(const enn_tensor_desc *d, int32_t rank, const int64_t *want) {
  if (d->rank != rank) return 0;
  for (int32_t i = 0; i < rank; i++)
    if (d->dims[i] != want[i]) return 0;
  return 1;
}

/* Checks the desc of input `input` (or output 0 when input < 0) of node `name`. */
static void check_node_dims(const enn_graph *g, const char *name, int input, int32_t rank, const int64_t *want) {
  int i = find_node(g, name);
  CHECK_MSG(i >= 0, "node %s not found", name);
  if (i < 0) return;
  const int32_t *ins, *outs;
  int32_t n_in, n_out;
  CHECK_OK(enn_graph_node(g, i, NULL, NULL, NULL, &ins, &n_in, &outs, &n_out));
  enn_tensor_desc d;
  CHECK_OK(enn_graph_tensor(g, input < 0 ? outs[0] : ins[input], NULL, &d, NULL));
  CHECK_MSG(dims_eq(&d, rank, want), "%s %s %d: rank %d [%lld %lld %lld %lld]", name, input < 0 ? "output" : "input",
            input, d.rank, (long long)d.dims[0], (long long)d.dims[1], (long long)d.dims[2], (long long)d.dims[3]);
}
#define CHECK_DIMS(g, name, input, ...)                                            \
  do {                                                                             \
    const int64_t w_[] = {__VA_ARGS__};                                            \
    check_node_dims((g), (name), (input), (int32_t)(sizeof w_ / sizeof w_[0]), w_); \
  } while (0)

static void check_output(const enn_graph *g, int64_t n, int64_t classes) {
  enn_tensor_desc d;
  CHECK_OK(enn_graph_tensor(g, enn_graph_output(g, 0), NULL, &d, NULL));
  const int64_t want[2] = {n, classes};
  CHECK_MSG(dims_eq(&d, 2, want), "output rank %d [%lld %lld]", d.rank, (long long)d.dims[0], (long long)d.dims[1]);
}

static void check_counts(const char *spec, int64_t params, int64_t macs) {
  enn_graph *g = build(spec);
  if (!g) return;
  enn_graph_stats s;
  CHECK_OK(enn_graph_stats_get(g, &s));
  CHECK_MSG(s.params == params, "%s params %lld, want %lld", spec, (long long)s.params, (long long)params);
  CHECK_MSG(s.macs == macs, "%s MACs %lld, want %lld", spec, (long long)s.macs, (long long)macs);
  enn_graph_destroy(g);
}

/* ------------------------------------------------ independent counts */
/* ShuffleNet V2 (torchvision) params and conv+fc MACs from the paper's
 * structure, written as plain arithmetic over the stage table. */
static void shufflenet_formula(const int64_t ch[3], int64_t res, int64_t classes, int64_t *params, int64_t *macs) {
  int64_t p = 0, m = 0;
  int64_t h = (res + 2 - 3) / 2 + 1; /* conv1 3x3/2 pad 1 */
  p += 24 * 27 + 2 * 24;
  m += h * h * 24 * 27;
  h = (h + 2 - 3) / 2 + 1; /* maxpool 3x3/2 pad 1 */
  int64_t c = 24;
  static const int repeats[3] = {4, 8, 4};
  for (int s = 0; s < 3; s++) {
    const int64_t b = ch[s] / 2, ho = (h + 2 - 3) / 2 + 1;
    /* branch1: dw 3x3/2 on c, BN(c), 1x1 c->b, BN(b) */
    p += c * 9 + 2 * c + c * b + 2 * b;
    m += ho * ho * c * 9 + ho * ho * c * b;
    /* branch2 (stride 2): 1x1 c->b at h, dw/2, 1x1 b->b, three BNs */
    p += c * b + b * 9 + b * b + 6 * b;
    m += h * h * c * b + ho * ho * b * 9 + ho * ho * b * b;
    h = ho;
    c = ch[s];
    for (int i = 1; i < repeats[s]; i++) {
      p += b * b + b * 9 + b * b + 6 * b;
      m += h * h * (b * b + b * 9 + b * b);
    }
  }
  p += c * 1024 + 2 * 1024 + 1024 * classes + classes;
  m += h * h * c * 1024 + 1024 * classes;
  *params = p;
  *macs = m;
}

static void test_counts(void) {
  /* torchvision figures (params exclude BN running stats; MACs = conv + fc). */
  check_counts("resnet18", 11689512, 1814073344);
  check_counts("squeezenet1_1", 1235496, 349151936);
  check_counts("shufflenet_v2_x1_0", 2278604, 144907992);
  /* x0.5: 1,366,792 params (torchvision). MACs derived stage by stage:
   * conv1 8,128,512; stage2 6,265,728; stage3 9,793,728; stage4 5,630,688;
   * conv5 9,633,792; fc 1,024,000 -> 40,476,448. */
  check_counts("shufflenet_v2_x0_5", 1366792, 40476448);
  const int64_t x05[3] = {48, 96, 192}, x10[3] = {116, 232, 464};
  int64_t p, m;
  shufflenet_formula(x05, 224, 1000, &p, &m);
  CHECK(p == 1366792 && m == 40476448);
  shufflenet_formula(x10, 224, 1000, &p, &m);
  CHECK(p == 2278604 && m == 144907992);
  shufflenet_formula(x10, 96, 17, &p, &m);
  check_counts("shufflenet_v2_x1_0,res=96,classes=17", p, m);

  /* LeNet-5: conv1 5*5*1*6+6 = 156, conv2 5*5*6*16+16 = 2,416, fc1 400*120+120
   * = 48,120, fc2 120*84+84 = 10,164, fc3 84*10+10 = 850 -> 61,706.
   * MACs: 28*28*6*25 = 117,600 + 10*10*16*150 = 240,000 + 48,000 + 10,080 +
   * 840 = 416,520. */
  check_counts("lenet5", 61706, 416520);

  /* ResNet-8 (Keras trainable params: conv/dense weights+biases and BN
   * gamma/beta): convs 448 + 2*2,320 + 4,640 + 9,248 + 544 + 18,496 + 36,928 +
   * 2,112 = 77,056, dense 650, BN 2*(16*3 + 32*2 + 64*2) = 480 -> 78,186;
   * plus the 480 moving mean/var values = 78,666, Keras' "Total params".
   * MACs: 442,368 + 2*2,359,296 + 1,179,648 + 2,359,296 + 131,072 +
   * 1,179,648 + 2,359,296 + 131,072 + 640 = 12,501,632. */
  check_counts("resnet8", 78186, 12501632);

  /* DS-CNN: conv 10*4*64+64 = 2,624; per block dw 9*64+64 = 640, pw
   * 64*64+64 = 4,160; 9 BNs * 128 = 1,152; dense 64*12+12 = 780 ->
   * 2,624 + 4*4,800 + 1,152 + 780 = 23,756 trainable (+1,152 moving stats =
   * 24,908 total). MACs: 25*5*64*40 = 320,000 + 4*(25*5*64*9 = 72,000 +
   * 25*5*64*64 = 512,000) + 768 = 2,656,768. */
  check_counts("ds_cnn", 23756, 2656768);

  /* Keras total params = every constant (BN moving stats included): the
   * graphs hold nothing else, so weights_bytes = 4 * total. */
  static const char *const keras[2] = {"resnet8", "ds_cnn"};
  static const int64_t total[2] = {78666, 24908};
  for (int i = 0; i < 2; i++) {
    enn_graph *g = build(keras[i]);
    if (!g) continue;
    enn_graph_stats s;
    CHECK_OK(enn_graph_stats_get(g, &s));
    CHECK_MSG(s.weights_bytes == 4 * total[i], "%s weights_bytes %lld", keras[i], (long long)s.weights_bytes);
    enn_graph_destroy(g);
  }
}

/* --------------------------------------------------------- layer tables */
typedef enum lkind {
  L_CONV_2D,
  L_DEPTHWISE_CONV_2D,
  L_FULLY_CONNECTED,
  L_AVERAGE_POOL_2D,
  L_MAX_POOL_2D,
  L_ADD,
  L_SOFTMAX,
  L_OTHER /* e.g. a grouped conv: never in these tables */
} lkind;
typedef enum lpad { P_NA, P_SAME, P_VALID, P_OTHER } lpad;
typedef enum lact { A_NONE, A_RELU, A_OTHER } lact;
typedef struct layer_row {
  lkind op;
  int64_t w[4];       /* filter shape as TFLite stores it (conv OHWI, depthwise [1,H,W,C], fc [out,in]) */
  int32_t sh, sw;     /* stride */
  lpad pad;
  int32_t ph, pw;     /* pool window */
  lact act;           /* fused activation (BN folded) */
  int64_t out[4];
} layer_row;

/* Rows printed by `python3 scripts/tflite_layers.py FILE --c` (RESHAPE, a
 * layout no-op, omitted) from
 * $EDGENN_DATA/mlperf-tiny/image_classification/pretrainedResnet.tflite
 * (318,144 bytes, sha256 b5c0046d...9d79, pinned in test_reference_files). */
static const layer_row resnet8_tflite[] = {
    {L_CONV_2D, {16, 3, 3, 3}, 1, 1, P_SAME, 0, 0, A_RELU, {1, 32, 32, 16}},
    {L_CONV_2D, {16, 3, 3, 16}, 1, 1, P_SAME, 0, 0, A_RELU, {1, 32, 32, 16}},
    {L_CONV_2D, {16, 3, 3, 16}, 1, 1, P_SAME, 0, 0, A_NONE, {1, 32, 32, 16}},
    {L_ADD, {0, 0, 0, 0}, 1, 1, P_NA, 0, 0, A_RELU, {1, 32, 32, 16}},
    {L_CONV_2D, {32, 3, 3, 16}, 2, 2, P_SAME, 0, 0, A_RELU, {1, 16, 16, 32}},
    {L_CONV_2D, {32, 3, 3, 32}, 1, 1, P_SAME, 0, 0, A_NONE, {1, 16, 16, 32}},
    {L_CONV_2D, {32, 1, 1, 16}, 2, 2, P_SAME, 0, 0, A_NONE, {1, 16, 16, 32}},
    {L_ADD, {0, 0, 0, 0}, 1, 1, P_NA, 0, 0, A_RELU, {1, 16, 16, 32}},
    {L_CONV_2D, {64, 3, 3, 32}, 2, 2, P_SAME, 0, 0, A_RELU, {1, 8, 8, 64}},
    {L_CONV_2D, {64, 3, 3, 64}, 1, 1, P_SAME, 0, 0, A_NONE, {1, 8, 8, 64}},
    {L_CONV_2D, {64, 1, 1, 32}, 2, 2, P_SAME, 0, 0, A_NONE, {1, 8, 8, 64}},
    {L_ADD, {0, 0, 0, 0}, 1, 1, P_NA, 0, 0, A_RELU, {1, 8, 8, 64}},
    {L_AVERAGE_POOL_2D, {0, 0, 0, 0}, 8, 8, P_VALID, 8, 8, A_NONE, {1, 1, 1, 64}},
    {L_FULLY_CONNECTED, {10, 64, 0, 0}, 1, 1, P_NA, 0, 0, A_NONE, {1, 10, 0, 0}},
    {L_SOFTMAX, {0, 0, 0, 0}, 1, 1, P_NA, 0, 0, A_NONE, {1, 10, 0, 0}},
};

/* Same script, from
 * $EDGENN_DATA/mlperf-tiny/keyword_spotting/kws_ref_model_float32.tflite
 * (43,392 bytes, sha256 e5004c6f...12d2). */
static const layer_row ds_cnn_tflite[] = {
    {L_CONV_2D, {64, 10, 4, 1}, 2, 2, P_SAME, 0, 0, A_RELU, {1, 25, 5, 64}},
    {L_DEPTHWISE_CONV_2D, {1, 3, 3, 64}, 1, 1, P_SAME, 0, 0, A_RELU, {1, 25, 5, 64}},
    {L_CONV_2D, {64, 1, 1, 64}, 1, 1, P_SAME, 0, 0, A_RELU, {1, 25, 5, 64}},
    {L_DEPTHWISE_CONV_2D, {1, 3, 3, 64}, 1, 1, P_SAME, 0, 0, A_RELU, {1, 25, 5, 64}},
    {L_CONV_2D, {64, 1, 1, 64}, 1, 1, P_SAME, 0, 0, A_RELU, {1, 25, 5, 64}},
    {L_DEPTHWISE_CONV_2D, {1, 3, 3, 64}, 1, 1, P_SAME, 0, 0, A_RELU, {1, 25, 5, 64}},
    {L_CONV_2D, {64, 1, 1, 64}, 1, 1, P_SAME, 0, 0, A_RELU, {1, 25, 5, 64}},
    {L_DEPTHWISE_CONV_2D, {1, 3, 3, 64}, 1, 1, P_SAME, 0, 0, A_RELU, {1, 25, 5, 64}},
    {L_CONV_2D, {64, 1, 1, 64}, 1, 1, P_SAME, 0, 0, A_RELU, {1, 25, 5, 64}},
    {L_AVERAGE_POOL_2D, {0, 0, 0, 0}, 25, 5, P_VALID, 25, 5, A_NONE, {1, 1, 1, 64}},
    {L_FULLY_CONNECTED, {12, 64, 0, 0}, 1, 1, P_NA, 0, 0, A_NONE, {1, 12, 0, 0}},
    {L_SOFTMAX, {0, 0, 0, 0}, 1, 1, P_NA, 0, 0, A_NONE, {1, 12, 0, 0}},
};

/* The only node reading tensor t, or -1 (none, several, or a graph output). */
static int sole_reader(const enn_graph *g, int32_t t) {
  for (int32_t i = 0; i < enn_graph_num_outputs(g); i++)
    if (enn_graph_output(g, i) == t) return -1;
  int found = -1;
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    const int32_t *ins;
    int32_t n_in;
    enn_graph_node(g, i, NULL, NULL, NULL, &ins, &n_in, NULL, NULL);
    for (int32_t k = 0; k < n_in; k++)
      if (ins[k] == t) {
        if (found >= 0 && found != i) return -1;
        found = i;
      }
  }
  return found;
}

static lpad pad_of(const enn_attrs *a) {
  if (a->pad_mode == ENN_PAD_SAME_UPPER) return P_SAME;
  if (a->pad_mode == ENN_PAD_VALID) return P_VALID;
  if (a->pad_mode == ENN_PAD_EXPLICIT && !a->pads[0] && !a->pads[1] && !a->pads[2] && !a->pads[3]) return P_VALID;
  return P_OTHER;
}

/* The activation TFLite would fuse into node i: its own attrs.act, or a Relu
 * reached through an optional BatchNorm (which TFLite folds). */
static lact act_after(const enn_graph *g, int i) {
  enn_op op;
  const enn_attrs *a;
  const int32_t *outs;
  enn_graph_node(g, i, &op, NULL, &a, NULL, NULL, &outs, NULL);
  if (a->act != ENN_ACT_NONE) return a->act == ENN_ACT_RELU ? A_RELU : A_OTHER;
  int r = sole_reader(g, outs[0]);
  if (r < 0) return A_NONE;
  enn_graph_node(g, r, &op, NULL, &a, NULL, NULL, &outs, NULL);
  if (op == ENN_OP_BATCH_NORM) {
    if (a->act != ENN_ACT_NONE) return a->act == ENN_ACT_RELU ? A_RELU : A_OTHER;
    r = sole_reader(g, outs[0]);
    if (r < 0) return A_NONE;
    enn_graph_node(g, r, &op, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  return op == ENN_OP_RELU ? A_RELU : A_NONE;
}

/* The zoo graph's layer table in TFLite's terms (BN and Relu folded into
 * the producing row; Flatten/Reshape skipped). Returns the row count. */
static int graph_table(const enn_graph *g, layer_row *rows, int cap) {
  int n = 0;
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    enn_op op;
    const enn_attrs *a;
    const int32_t *ins, *outs;
    int32_t n_in, n_out;
    enn_graph_node(g, i, &op, NULL, &a, &ins, &n_in, &outs, &n_out);
    layer_row r;
    memset(&r, 0, sizeof r);
    r.sh = r.sw = 1;
    enn_tensor_desc od, wd, xd;
    enn_graph_tensor(g, outs[0], NULL, &od, NULL);
    switch (op) {
    case ENN_OP_CONV2D:
      enn_graph_tensor(g, ins[0], NULL, &xd, NULL);
      enn_graph_tensor(g, ins[1], NULL, &wd, NULL);
      if (a->groups > 1 && a->groups == xd.dims[3] && wd.dims[3] == 1) {
        r.op = L_DEPTHWISE_CONV_2D;
        const int64_t w[4] = {1, wd.dims[1], wd.dims[2], wd.dims[0]};
        memcpy(r.w, w, sizeof w);
      } else {
        r.op = a->groups == 1 ? L_CONV_2D : L_OTHER;
        memcpy(r.w, wd.dims, sizeof r.w);
      }
      r.sh = a->stride[0];
      r.sw = a->stride[1];
      r.pad = pad_of(a);
      r.act = act_after(g, i);
      break;
    case ENN_OP_FULLY_CONNECTED:
      enn_graph_tensor(g, ins[1], NULL, &wd, NULL);
      r.op = L_FULLY_CONNECTED;
      r.w[0] = wd.dims[0];
      r.w[1] = wd.dims[1];
      r.act = act_after(g, i);
      break;
    case ENN_OP_AVG_POOL:
    case ENN_OP_MAX_POOL:
      r.op = op == ENN_OP_AVG_POOL ? L_AVERAGE_POOL_2D : L_MAX_POOL_2D;
      r.sh = a->stride[0];
      r.sw = a->stride[1];
      r.ph = a->kernel[0];
      r.pw = a->kernel[1];
      r.pad = pad_of(a);
      r.act = act_after(g, i);
      break;
    case ENN_OP_ADD:
      r.op = L_ADD;
      r.act = act_after(g, i);
      break;
    case ENN_OP_SOFTMAX: r.op = L_SOFTMAX; break;
    default: continue;
    }
    for (int32_t k = 0; k < od.rank && k < 4; k++) r.out[k] = od.dims[k];
    if (n < cap) rows[n] = r;
    n++;
  }
  return n;
}

static void compare_table(const char *what, const enn_graph *g, const layer_row *want, int n_want) {
  layer_row got[64];
  int n = graph_table(g, got, 64);
  CHECK_MSG(n == n_want, "%s: %d layers, reference has %d", what, n, n_want);
  for (int i = 0; i < n && i < n_want; i++) {
    const layer_row *a = &got[i], *b = &want[i];
    int same = a->op == b->op && a->sh == b->sh && a->sw == b->sw && a->pad == b->pad && a->ph == b->ph &&
               a->pw == b->pw && a->act == b->act && !memcmp(a->w, b->w, sizeof a->w) &&
               !memcmp(a->out, b->out, sizeof a->out);
    CHECK_MSG(same,
              "%s row %d: got op %d w [%lld %lld %lld %lld] s %d,%d pad %d pool %d,%d act %d out [%lld %lld %lld %lld]",
              what, i, a->op, (long long)a->w[0], (long long)a->w[1], (long long)a->w[2], (long long)a->w[3], a->sh,
              a->sw, a->pad, a->ph, a->pw, a->act, (long long)a->out[0], (long long)a->out[1], (long long)a->out[2],
              (long long)a->out[3]);
  }
}

static void test_mlperf_tables(void) {
  static const char *const names[2] = {"resnet8", "ds_cnn"};
  const layer_row *tables[2] = {resnet8_tflite, ds_cnn_tflite};
  const int counts[2] = {(int)ENN_ARRAY_LEN(resnet8_tflite), (int)ENN_ARRAY_LEN(ds_cnn_tflite)};
  for (int m = 0; m < 2; m++) {
    enn_graph *g = build(names[m]);
    if (!g) continue;
    compare_table(names[m], g, tables[m], counts[m]);
    /* The optimiser folds BN into the convs and fuses the Relus, which is
     * exactly TFLite's form: the table must not change. */
    CHECK_OK(enn_graph_optimize(g, 1));
    char what[64];
    snprintf(what, sizeof what, "%s (optimized)", names[m]);
    compare_table(what, g, tables[m], counts[m]);
    int bn = 0;
    for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
      enn_op op;
      enn_graph_node(g, i, &op, NULL, NULL, NULL, NULL, NULL, NULL);
      bn += op == ENN_OP_BATCH_NORM || op == ENN_OP_RELU;
    }
    CHECK_MSG(bn == 0, "%s: %d BatchNorm/Relu nodes left after optimize", names[m], bn);
    enn_graph_destroy(g);
  }
  /* Keras BN epsilon is 1e-3 (PyTorch-layout models use 1e-5). */
  enn_graph *g = build("ds_cnn");
  if (g) {
    int i = find_node(g, "batch_normalization_8");
    const enn_attrs *a = NULL;
    if (i >= 0) enn_graph_node(g, i, NULL, NULL, &a, NULL, NULL, NULL, NULL);
    CHECK(a && a->epsilon == 1e-3f);
    enn_graph_destroy(g);
  }
}

/* ---------------------------------------------------------- structure */
static void test_structure(void) {
  /* resnet18 at 224: torchvision's stage shapes, downsample placement. */
  enn_graph *g = build("resnet18");
  if (g) {
    CHECK_DIMS(g, "conv1", 1, 64, 7, 7, 3);
    CHECK_DIMS(g, "maxpool", -1, 1, 56, 56, 64);
    CHECK_DIMS(g, "layer1.1.add", -1, 1, 56, 56, 64);
    CHECK_DIMS(g, "layer2.0.downsample.0", 1, 128, 1, 1, 64);
    CHECK_DIMS(g, "layer4.1.add", -1, 1, 7, 7, 512);
    CHECK_DIMS(g, "fc", 1, 1000, 512);
    CHECK(find_node(g, "layer1.0.downsample.0") < 0);
    CHECK(find_node(g, "layer3.0.downsample.1") >= 0);
    check_output(g, 1, 1000);
    enn_graph_destroy(g);
  }
  /* squeezenet: Fire concat order (expand1x1 first) and ceil-mode pools
   * (res 225: conv 112x112 -> ceil((112-3)/2)+1 = 56, floor would give 55). */
  g = build("squeezenet1_1,res=225");
  if (g) {
    CHECK_DIMS(g, "features.2", -1, 1, 56, 56, 64);
    CHECK_DIMS(g, "features.3.cat", -1, 1, 56, 56, 128);
    CHECK_DIMS(g, "features.12.expand3x3", 1, 256, 3, 3, 64);
    CHECK_DIMS(g, "classifier.1", 1, 1000, 1, 1, 512);
    int i = find_node(g, "features.3.cat");
    const int32_t *ins = NULL;
    if (i >= 0) enn_graph_node(g, i, NULL, NULL, NULL, &ins, NULL, NULL, NULL);
    int e1 = find_node(g, "features.3.expand1x1.relu");
    const int32_t *e1out = NULL;
    if (e1 >= 0) enn_graph_node(g, e1, NULL, NULL, NULL, NULL, NULL, &e1out, NULL);
    CHECK(ins && e1out && ins[0] == e1out[0]);
    check_output(g, 1, 1000);
    enn_graph_destroy(g);
  }
  /* shufflenet: stride-1 units pass the FIRST half through and feed the
   * second to branch2 (torch chunk order); stride-2 units have branch1. */
  g = build("shufflenet_v2_x1_0");
  if (g) {
    int sp = find_node(g, "stage3.1.chunk"), cat = find_node(g, "stage3.1.cat"), b2 = find_node(g, "stage3.1.branch2.0");
    CHECK(sp >= 0 && cat >= 0 && b2 >= 0);
    if (sp >= 0 && cat >= 0 && b2 >= 0) {
      const int32_t *sp_out, *cat_in, *b2_in;
      int32_t n_sp;
      enn_graph_node(g, sp, NULL, NULL, NULL, NULL, NULL, &sp_out, &n_sp);
      enn_graph_node(g, cat, NULL, NULL, NULL, &cat_in, NULL, NULL, NULL);
      enn_graph_node(g, b2, NULL, NULL, NULL, &b2_in, NULL, NULL, NULL);
      CHECK(n_sp == 2 && cat_in[0] == sp_out[0] && b2_in[0] == sp_out[1]);
    }
    CHECK_DIMS(g, "stage2.0.branch1.0", 1, 24, 3, 3, 1);
    CHECK_DIMS(g, "stage2.0.branch1.2", 1, 58, 1, 1, 24);
    CHECK_DIMS(g, "stage2.0.branch2.0", 1, 58, 1, 1, 24);
    CHECK_DIMS(g, "stage2.1.branch2.0", 1, 58, 1, 1, 58);
    CHECK_DIMS(g, "stage4.3.shuffle.reshape_out", -1, 1, 7, 7, 464);
    CHECK_DIMS(g, "conv5.0", 1, 1024, 1, 1, 464);
    CHECK(find_node(g, "stage2.1.branch1.0") < 0);
    /* no activation after the depthwise BN: branch2.4 (BN) feeds branch2.5 */
    int bn = find_node(g, "stage2.1.branch2.4"), pw = find_node(g, "stage2.1.branch2.5");
    if (bn >= 0 && pw >= 0) {
      const int32_t *bn_out, *pw_in;
      enn_graph_node(g, bn, NULL, NULL, NULL, NULL, NULL, &bn_out, NULL);
      enn_graph_node(g, pw, NULL, NULL, NULL, &pw_in, NULL, NULL, NULL);
      CHECK(bn_out[0] == pw_in[0]);
    } else CHECK(0);
    check_output(g, 1, 1000);
    enn_graph_destroy(g);
  }
  g = build("lenet5");
  if (g) {
    CHECK_DIMS(g, "conv1", -1, 1, 28, 28, 6);
    CHECK_DIMS(g, "pool2", -1, 1, 5, 5, 16);
    CHECK_DIMS(g, "fc1", 1, 120, 400);
    check_output(g, 1, 10);
    enn_graph_destroy(g);
  }
}

/* ------------------------------------------------------------ options */
static void test_options(void) {
  enn_graph *g = build("resnet18,width=0.5,res=64,classes=7");
  if (g) {
    CHECK_DIMS(g, "conv1", 1, 32, 7, 7, 3);
    CHECK_DIMS(g, "layer4.1.add", -1, 1, 2, 2, 256);
    CHECK_DIMS(g, "fc", 1, 7, 256);
    check_output(g, 1, 7);
    enn_graph_destroy(g);
  }
  g = build("resnet8,width=2,res=64,classes=3,batch=2");
  if (g) {
    CHECK_DIMS(g, "conv2d", 1, 32, 3, 3, 3);
    CHECK_DIMS(g, "conv2d_8", 1, 128, 1, 1, 64);
    CHECK_DIMS(g, "average_pooling2d", 0, 2, 16, 16, 128);
    CHECK_DIMS(g, "average_pooling2d", -1, 2, 1, 1, 128);
    check_output(g, 2, 3);
    enn_graph_destroy(g);
  }
  g = build("ds_cnn,width=0.5,res=99,classes=35");
  if (g) {
    CHECK_DIMS(g, "conv2d", 1, 32, 10, 4, 1);
    CHECK_DIMS(g, "depthwise_conv2d_3", 1, 32, 3, 3, 1);
    CHECK_DIMS(g, "average_pooling2d", 0, 1, 50, 5, 32);
    CHECK_DIMS(g, "average_pooling2d", -1, 1, 1, 1, 32);
    check_output(g, 1, 35);
    enn_graph_destroy(g);
  }
  g = build("shufflenet_v2_x0_5,width=2,res=64,classes=5");
  if (g) {
    CHECK_DIMS(g, "stage2.0.branch1.2", 1, 48, 1, 1, 24);
    CHECK_DIMS(g, "conv5.0", 1, 1024, 1, 1, 384);
    CHECK_DIMS(g, "conv5.0", -1, 1, 2, 2, 1024);
    check_output(g, 1, 5);
    enn_graph_destroy(g);
  }
  g = build("squeezenet1_1,width=0.5,res=64,classes=10");
  if (g) {
    CHECK_DIMS(g, "features.0", 1, 32, 3, 3, 3);
    CHECK_DIMS(g, "features.12.cat", -1, 1, 3, 3, 256);
    CHECK_DIMS(g, "classifier.1", 1, 10, 1, 1, 256);
    check_output(g, 1, 10);
    enn_graph_destroy(g);
  }
  g = build("lenet5,width=2,res=32,classes=26");
  if (g) {
    CHECK_DIMS(g, "conv1", 1, 12, 5, 5, 1);
    CHECK_DIMS(g, "fc1", 1, 240, 6 * 6 * 32);
    check_output(g, 1, 26);
    enn_graph_destroy(g);
  }
  /* Too small for LeNet's two valid 5x5 / pool stages: an error, not a crash. */
  enn_graph *bad = NULL;
  CHECK_STATUS(enn_zoo_build_spec("lenet5,res=8", NULL, &bad), ENN_ERR_INVALID_ARG);
  CHECK(bad == NULL);
  CHECK_STATUS(enn_zoo_build_spec("squeezenet1_1,res=16", NULL, &bad), ENN_ERR_SHAPE);
  CHECK(bad == NULL);
}

/* ------------------------------------------------------ channel shuffle */
/* torchvision: x.view(N, g, C/g, H, W).transpose(1, 2).reshape(N, C, H, W),
 * simulated literally on an NCHW buffer. */
static void torch_shuffle_nchw(const float *x, float *y, int64_t n, int64_t c, int64_t hw, int64_t g) {
  const int64_t cpg = c / g;
  for (int64_t b = 0; b < n; b++)
    for (int64_t i = 0; i < g; i++)       /* view dim 1 */
      for (int64_t k = 0; k < cpg; k++)   /* view dim 2 */
        for (int64_t p = 0; p < hw; p++) {
          /* after transpose the element (b, k, i, p) sits at flat channel k*g + i */
          y[(b * c + (k * g + i)) * hw + p] = x[(b * c + (i * cpg + k)) * hw + p];
        }
}

static void test_channel_shuffle(void) {
  static const int64_t cases[][3] = {{6, 2, 3}, {12, 3, 2}, {10, 2, 1}, {2, 2, 5}};
  for (size_t t = 0; t < ENN_ARRAY_LEN(cases); t++) {
    const int64_t c = cases[t][0], g = cases[t][1], h = cases[t][2], w = 2, n = 2;
    enn_graph *gr;
    CHECK_OK(enn_graph_create(NULL, &gr));
    enn_zb zb;
    enn_zb_begin(&zb, gr, 1);
    int32_t x = enn_zb_input(&zb, "x", n, h, w, c);
    int32_t y = enn_zb_channel_shuffle(&zb, x, (int32_t)g, "shuffle");
    CHECK_OK(enn_zb_finish(&zb, y));
    enn_session *s = NULL;
    for (int opt = 0; opt <= 1; opt++) {
      CHECK_OK(zoo_session(gr, opt, &s));
      if (!s) break;
      const int64_t total = n * h * w * c, hw = h * w;
      float *in = enn_session_input_buffer(s, 0);
      float nchw[512], want_nchw[512], want[512];
      for (int64_t i = 0; i < total; i++) in[i] = (float)(i * 7 % 101) + 0.5f;
      /* NHWC input -> NCHW, shuffle the torch way, back to NHWC */
      for (int64_t b = 0; b < n; b++)
        for (int64_t p = 0; p < hw; p++)
          for (int64_t ch = 0; ch < c; ch++) nchw[(b * c + ch) * hw + p] = in[(b * hw + p) * c + ch];
      torch_shuffle_nchw(nchw, want_nchw, n, c, hw, g);
      for (int64_t b = 0; b < n; b++)
        for (int64_t p = 0; p < hw; p++)
          for (int64_t ch = 0; ch < c; ch++) want[(b * hw + p) * c + ch] = want_nchw[(b * c + ch) * hw + p];
      CHECK_OK(enn_session_run(s));
      CHECK_ALLCLOSE((const float *)enn_session_output_buffer(s, 0), want, total, 0, 0);
      enn_session_destroy(s);
      s = NULL;
    }
    enn_graph_destroy(gr);
  }
  /* The brief's closed form on C = 6, g = 2: output channel j holds input
   * channel (j % g) * (C / g) + j / g, i.e. [0, 3, 1, 4, 2, 5]. */
  const float x6[6] = {0, 1, 2, 3, 4, 5};
  float y6[6];
  torch_shuffle_nchw(x6, y6, 1, 6, 1, 2);
  const float want6[6] = {0, 3, 1, 4, 2, 5};
  CHECK_ALLCLOSE(y6, want6, 6, 0, 0);
}

/* --------------------------------------------------------------- running */
/* Builds `spec`, runs it with optimize 0 and 1 on the same input, checks
 * the outputs are finite, agree, and (softmax models) sum to 1 per row. */
static void run_model(const char *spec, int64_t batch, int64_t classes, int softmax) {
  enn_graph *g = build(spec);
  if (!g) return;
  float *out0 = NULL;
  const int64_t n_out = batch * classes;
  for (int opt = 0; opt <= 1; opt++) {
    enn_session *s;
    enn_status st = zoo_session(g, opt, &s);
    CHECK_MSG(st == ENN_OK, "%s optimize=%d: %s", spec, opt, enn_last_error());
    if (st) break;
    enn_tensor_desc in_d, out_d;
    CHECK_OK(enn_session_input_desc(s, 0, &in_d, NULL));
    CHECK_OK(enn_session_output_desc(s, 0, &out_d, NULL));
    CHECK(out_d.rank == 2 && out_d.dims[0] == batch && out_d.dims[1] == classes);
    enn_t_fill(enn_session_input_buffer(s, 0), (long)enn_tensor_desc_numel(&in_d), 42, -1.0f, 1.0f);
    CHECK_OK(enn_session_run(s));
    const float *o = enn_session_output_buffer(s, 0);
    CHECK_MSG(zoo_all_finite(o, (long)n_out), "%s optimize=%d: non-finite output", spec, opt);
    if (softmax)
      for (int64_t b = 0; b < batch; b++) {
        double sum = 0;
        for (int64_t k = 0; k < classes; k++) sum += o[b * classes + k];
        CHECK_NEAR(sum, 1.0, 1e-4);
      }
    if (opt == 0) {
      out0 = malloc((size_t)n_out * sizeof *out0);
      if (out0) memcpy(out0, o, (size_t)n_out * sizeof *out0);
    } else if (out0) {
      /* max |logit| sets the scale for the comparison */
      const double scale = zoo_max_abs(out0, (long)n_out);
      CHECK_MSG(enn_t_allclose(o, out0, (long)n_out, 1e-4 * (scale + 1e-3), 1e-3), "%s: optimize 1 vs 0", spec);
    }
    enn_session_destroy(s);
  }
  free(out0);
  enn_graph_destroy(g);
}

static void test_run(void) {
  run_model("lenet5,batch=2", 2, 10, 0);
  run_model("resnet8", 1, 10, 1);
  run_model("ds_cnn", 1, 12, 1);
  /* the 224-default models at reduced resolution (reference kernels) */
  run_model("resnet18,res=64,classes=10", 1, 10, 0);
  run_model("squeezenet1_1,res=64", 1, 1000, 0);
  run_model("shufflenet_v2_x0_5,res=64", 1, 1000, 0);
  run_model("shufflenet_v2_x1_0,res=96,classes=20", 1, 20, 0);
  run_model("ds_cnn,width=0.5,res=99,classes=35", 1, 35, 1);
}

/* ------------------------------------------------------ reference files */
/* SHA-256 (FIPS 180-4), to pin the reference .tflite files. */
static uint32_t ror32(uint32_t x, int r) { return (x >> r) | (x << (32 - r)); }

static void sha256_block(uint32_t h[8], const unsigned char *p) {
  static const uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = hh + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
    uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

static void sha256_hex(const unsigned char *data, size_t n, char hex[65]) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  size_t i = 0;
  for (; i + 64 <= n; i += 64) sha256_block(h, data + i);
  unsigned char tail[128];
  memset(tail, 0, sizeof tail);
  size_t rem = n - i;
  memcpy(tail, data + i, rem);
  tail[rem] = 0x80;
  size_t tl = rem + 9 <= 64 ? 64 : 128;
  uint64_t bits = (uint64_t)n * 8;
  for (int b = 0; b < 8; b++) tail[tl - 1 - (size_t)b] = (unsigned char)(bits >> (8 * b));
  sha256_block(h, tail);
  if (tl == 128) sha256_block(h, tail + 64);
  for (int k = 0; k < 8; k++) snprintf(hex + 8 * k, 9, "%08x", h[k]);
}

static void test_sha256(void) {
  char hex[65];
  sha256_hex((const unsigned char *)"abc", 3, hex);
  CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
  sha256_hex((const unsigned char *)"", 0, hex);
  CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
  const char *s56 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes: two tail blocks */
  sha256_hex((const unsigned char *)s56, strlen(s56), hex);
  CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
}

static void check_file(const char *rel, long size, const char *sha) {
  char path[4096];
  enn_test_require_data(rel, path, sizeof path);
  FILE *f = fopen(path, "rb");
  CHECK_MSG(f != NULL, "cannot open %s", path);
  if (!f) return;
  unsigned char *buf = malloc((size_t)size + 1);
  size_t got = buf ? fread(buf, 1, (size_t)size + 1, f) : 0;
  fclose(f);
  CHECK_MSG((long)got == size, "%s: %zu bytes, the layer table was made from %ld", rel, got, size);
  if (buf && (long)got == size) {
    char hex[65];
    sha256_hex(buf, got, hex);
    CHECK_MSG(strcmp(hex, sha) == 0, "%s: sha256 %s, the layer table was made from %s", rel, hex, sha);
  }
  free(buf);
}

/* Runs last: enn_test_require_data exits 77 (skip) when the data is absent. */
static void test_reference_files(void) {
  check_file("mlperf-tiny/image_classification/pretrainedResnet.tflite", 318144,
             "b5c0046d6e0328b4956afd6baa29555a29b1f1c65bdd45aaed75b7cd484d9f79");
  check_file("mlperf-tiny/keyword_spotting/kws_ref_model_float32.tflite", 43392,
             "e5004c6f1012246e33fa068d8488325538e0444073cd361f5a7edb40c73f12d2");
}

int main(void) {
  ENN_RUN(test_counts);
  ENN_RUN(test_mlperf_tables);
  ENN_RUN(test_structure);
  ENN_RUN(test_options);
  ENN_RUN(test_channel_shuffle);
  ENN_RUN(test_run);
  ENN_RUN(test_sha256);
  /* A skip (exit 77) must not hide an earlier failure. */
  if (enn_t_failed == 0) ENN_RUN(test_reference_files);
  return enn_test_finish();
}
