/* All passes together on a small network made of the blocks the model zoo
 * uses: a MobileNet stem and inverted residual (conv -> bn -> relu6), a
 * MobileNetV3 squeeze-excite block (global pool -> conv -> relu -> conv ->
 * hard-sigmoid -> mul -> hard-swish), a ResNet basic block (add -> relu),
 * a ShuffleNet unit (split, branch, concat, reshape -> transpose ->
 * reshape), a SqueezeNet fire module (concat of two expand convs), an
 * importer-style constant subgraph (transposed FC weights) and an
 * Identity; two graph outputs sit in the middle of the network. */
#include "opt_check.h"

static int32_t conv_bn_act(enn_graph *g, const char *name, int32_t x, int64_t ic, int64_t oc, int64_t k, int32_t s,
                           int32_t groups, enn_op act, unsigned long long seed) {
  char nm[64];
  snprintf(nm, sizeof nm, "%s_conv", name);
  int32_t c = oc_conv(g, nm, x, ic, oc, k, s, groups, 0, seed);
  snprintf(nm, sizeof nm, "%s_bn", name);
  int32_t b = oc_bn(g, nm, c, oc, seed + 50);
  snprintf(nm, sizeof nm, "%s_act", name);
  if (act == ENN_OP_CLIP) return oc_clip(g, nm, b, 0, 6);
  if (act == ENN_OP_RELU) return oc_unary(g, ENN_OP_RELU, nm, b, NULL);
  return b;
}

static enn_graph *build_net(int64_t batch, int32_t *n_convs) {
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t xd[4] = {batch, 16, 16, 3};
  int32_t x = oc_input(g, "image", 4, xd);
  /* MobileNet stem + inverted residual */
  int32_t stem = conv_bn_act(g, "stem", x, 3, 16, 3, 2, 1, ENN_OP_CLIP, 1);
  int32_t e = conv_bn_act(g, "expand", stem, 16, 32, 1, 1, 1, ENN_OP_CLIP, 2);
  int32_t dw = conv_bn_act(g, "dw", e, 32, 32, 3, 1, 32, ENN_OP_CLIP, 3);
  int32_t pr = conv_bn_act(g, "project", dw, 32, 16, 1, 1, 1, ENN_OP_COUNT, 4);
  int32_t ir = oc_binary(g, ENN_OP_ADD, "ir_add", pr, stem);
  /* squeeze-excite */
  int32_t gp = oc_unary(g, ENN_OP_GLOBAL_AVG_POOL, "se_pool", ir, NULL);
  int32_t s1 = oc_unary(g, ENN_OP_RELU, "se_relu", oc_conv(g, "se_reduce", gp, 16, 4, 1, 1, 1, 1, 5), NULL);
  enn_attrs hs;
  enn_attrs_init_op(&hs, ENN_OP_HARD_SIGMOID);
  hs.alpha = 1.0f / 6.0f;
  int32_t s2 = oc_unary(g, ENN_OP_HARD_SIGMOID, "se_gate", oc_conv(g, "se_expand", s1, 4, 16, 1, 1, 1, 1, 6), &hs);
  int32_t se = oc_unary(g, ENN_OP_HARD_SWISH, "se_out", oc_binary(g, ENN_OP_MUL, "se_mul", ir, s2), NULL);
  /* ResNet basic block */
  int32_t r1 = conv_bn_act(g, "res1", se, 16, 16, 3, 1, 1, ENN_OP_RELU, 7);
  int32_t r2 = conv_bn_act(g, "res2", r1, 16, 16, 3, 1, 1, ENN_OP_COUNT, 8);
  int32_t res = oc_unary(g, ENN_OP_RELU, "res_out", oc_binary(g, ENN_OP_ADD, "res_add", r2, se), NULL);
  /* ShuffleNet unit */
  enn_attrs sa;
  enn_attrs_init_op(&sa, ENN_OP_SPLIT);
  sa.axis = 3;
  int32_t halves[2] = {-1, -1};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SPLIT, "shuffle_split", &res, 1, &sa, 2, halves));
  int32_t br = conv_bn_act(g, "branch", halves[1], 8, 8, 1, 1, 1, ENN_OP_RELU, 9);
  enn_attrs ca;
  enn_attrs_init_op(&ca, ENN_OP_CONCAT);
  ca.axis = 3;
  int32_t cat_in[2] = {halves[0], br};
  int32_t cat = oc_node(g, ENN_OP_CONCAT, "shuffle_cat", cat_in, 2, &ca);
  const int64_t s5[5] = {batch, 8, 8, 2, 8}, s4[4] = {batch, 8, 8, 16};
  enn_attrs ta;
  enn_attrs_init_op(&ta, ENN_OP_TRANSPOSE);
  ta.perm[3] = 4;
  ta.perm[4] = 3;
  int32_t sh =
      oc_reshape(g, "shuffle_merge",
                 oc_unary(g, ENN_OP_TRANSPOSE, "shuffle_t", oc_reshape(g, "shuffle_split5", cat, 5, s5), &ta), 4, s4);
  /* SqueezeNet fire */
  int32_t sq = oc_unary(g, ENN_OP_RELU, "fire_sq_relu", oc_conv(g, "fire_sq", sh, 16, 4, 1, 1, 1, 1, 10), NULL);
  int32_t e1 = oc_unary(g, ENN_OP_RELU, "fire_e1_relu", oc_conv(g, "fire_e1", sq, 4, 8, 1, 1, 1, 1, 11), NULL);
  int32_t e3 = oc_unary(g, ENN_OP_RELU, "fire_e3_relu", oc_conv(g, "fire_e3", sq, 4, 8, 3, 1, 1, 1, 12), NULL);
  int32_t fire_in[2] = {e1, e3};
  int32_t fire = oc_unary(g, ENN_OP_IDENTITY, "fire_id", oc_node(g, ENN_OP_CONCAT, "fire_cat", fire_in, 2, &ca), NULL);
  /* head: pool, flatten, FC with importer-style transposed weights */
  int32_t hp = oc_unary(g, ENN_OP_GLOBAL_AVG_POOL, "head_pool", fire, NULL);
  const int64_t flat[2] = {batch, 16}, wkn[2] = {16, 10}, bd[1] = {10};
  int32_t hf = oc_reshape(g, "head_flat", hp, 2, flat);
  enn_attrs t2;
  enn_attrs_init_op(&t2, ENN_OP_TRANSPOSE);
  t2.perm[0] = 1;
  t2.perm[1] = 0;
  int32_t wt = oc_unary(g, ENN_OP_TRANSPOSE, "fc_w_nk", oc_const(g, "fc_w_kn", 2, wkn, 13, -1, 1), &t2);
  int32_t fc_in[3] = {hf, wt, oc_const(g, "fc_b", 1, bd, 14, -1, 1)};
  int32_t logits = oc_node(g, ENN_OP_FULLY_CONNECTED, "logits", fc_in, 3, NULL);
  CHECK_OK(enn_graph_add_output(g, logits));
  CHECK_OK(enn_graph_add_output(g, se)); /* outputs in the middle */
  CHECK_OK(enn_graph_add_output(g, res));
  *n_convs = 12;
  return g;
}

static void test_all_passes_on_zoo_blocks(void) {
  NEED_OPS(ENN_OP_BATCH_NORM, ENN_OP_CLIP, ENN_OP_RELU, ENN_OP_ADD, ENN_OP_MUL, ENN_OP_GLOBAL_AVG_POOL,
           ENN_OP_HARD_SIGMOID, ENN_OP_HARD_SWISH, ENN_OP_SPLIT, ENN_OP_CONCAT, ENN_OP_RESHAPE, ENN_OP_TRANSPOSE,
           ENN_OP_IDENTITY, ENN_OP_FULLY_CONNECTED);
  for (int64_t batch = 1; batch <= 2; batch++) {
    int32_t n_convs = 0;
    enn_graph *g = build_net(batch, &n_convs);
    CHECK_OK(enn_graph_verify(g));
    enn_graph *o = oc_optimized(g);
    /* every bn folded, every activation fused, identity and constant
     * transpose gone; the shuffle transpose and all convs stay */
    const enn_op gone[] = {ENN_OP_BATCH_NORM,   ENN_OP_CLIP,       ENN_OP_RELU,
                           ENN_OP_HARD_SIGMOID, ENN_OP_HARD_SWISH, ENN_OP_IDENTITY};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
      CHECK_MSG(oc_count_op(o, gone[i]) == 0, "%s left", enn_op_name(gone[i]));
    CHECK(oc_count_op(o, ENN_OP_TRANSPOSE) == 1);
    CHECK(oc_count_op(o, ENN_OP_CONV2D) == n_convs);
    int32_t t = oc_find_op(o, ENN_OP_TRANSPOSE);
    if (t >= 0) {
      const char *nm = NULL;
      CHECK_OK(enn_graph_node(o, t, NULL, &nm, NULL, NULL, NULL, NULL, NULL));
      CHECK(nm && strcmp(nm, "shuffle_t") == 0);
    }
    /* 13 convs + ir_add + se_pool + se_mul + res_add + split + 2 concat +
     * 2 shuffle reshapes + transpose + head pool + flatten + fc */
    CHECK_MSG(enn_graph_num_nodes(o) == n_convs + 13, "%d nodes", enn_graph_num_nodes(o));
    if (enn_graph_num_nodes(o) != n_convs + 13) oc_dump(o);
    const char *want_out[3] = {"logits", "se_out", "res_out"};
    for (int i = 0; i < 3; i++) CHECK(strcmp(oc_tensor_name(o, enn_graph_output(o, i)), want_out[i]) == 0);
    /* activations landed where expected */
    const struct {
      const char *node;
      int32_t act;
    } fused[] = {{"stem_conv", ENN_ACT_RELU6}, {"dw_conv", ENN_ACT_RELU6},          {"project_conv", ENN_ACT_NONE},
                 {"se_reduce", ENN_ACT_RELU},  {"se_expand", ENN_ACT_HARD_SIGMOID}, {"se_mul", ENN_ACT_HARD_SWISH},
                 {"res_add", ENN_ACT_RELU},    {"branch_conv", ENN_ACT_RELU},       {"fire_e3", ENN_ACT_RELU}};
    for (size_t i = 0; i < sizeof fused / sizeof fused[0]; i++) {
      int32_t ni = oc_find_named(o, fused[i].node);
      CHECK_MSG(ni >= 0, "node %s missing", fused[i].node);
      if (ni < 0) continue;
      const enn_attrs *at;
      CHECK_OK(enn_graph_node(o, ni, NULL, NULL, &at, NULL, NULL, NULL, NULL));
      CHECK_MSG(at->act == fused[i].act, "%s: act %s", fused[i].node, enn_act_name((enn_act)at->act));
      if (fused[i].act == ENN_ACT_HARD_SIGMOID) CHECK(at->alpha == 1.0f / 6.0f && at->beta == 0.5f);
    }
    enn_graph_destroy(o);
    check_opt_equiv(g, 200u + (unsigned)batch, 1e-5);
    /* optimising twice changes nothing more */
    enn_graph *o2 = oc_optimized(g);
    if (o2) {
      int32_t before = enn_graph_num_nodes(o2);
      CHECK_OK(enn_graph_optimize(o2, 1));
      CHECK(enn_graph_num_nodes(o2) == before);
      CHECK(check_same_function(g, 0, o2, 0, 210, 1e-5));
      enn_graph_destroy(o2);
    }
    enn_graph_destroy(g);
  }
}

/* An allocator that fails from the n-th call on. */
typedef struct fail_alloc {
  long calls, fail_at, live;
} fail_alloc;
static void *fa_alloc(void *ctx, size_t size, size_t align) {
  fail_alloc *f = ctx;
  if (f->calls++ >= f->fail_at) return NULL;
  void *p = enn_default_allocator()->alloc(NULL, size, align);
  if (p) f->live++;
  return p;
}
static void fa_free(void *ctx, void *p) {
  fail_alloc *f = ctx;
  if (p) f->live--;
  enn_default_allocator()->free(NULL, p);
}

/* Session creation (clone, every pass, compaction, constant evaluation)
 * with the allocator failing at each successive call: every failure is
 * reported as ENN_ERR_NO_MEMORY and everything allocated is given back. */
static void test_out_of_memory_everywhere(void) {
  NEED_OPS(ENN_OP_BATCH_NORM, ENN_OP_CLIP, ENN_OP_RELU, ENN_OP_ADD, ENN_OP_MUL, ENN_OP_GLOBAL_AVG_POOL,
           ENN_OP_HARD_SIGMOID, ENN_OP_HARD_SWISH, ENN_OP_SPLIT, ENN_OP_CONCAT, ENN_OP_RESHAPE, ENN_OP_TRANSPOSE,
           ENN_OP_IDENTITY, ENN_OP_FULLY_CONNECTED);
  int32_t n_convs;
  enn_graph *g = build_net(1, &n_convs);
  long total = -1;
  int bad = 0;
  for (long n = 0; n < 200000 && total < 0; n++) {
    fail_alloc f = {0, n, 0};
    enn_allocator a = {fa_alloc, fa_free, &f};
    enn_session_options o;
    enn_session_options_init(&o);
    o.alloc = &a;
    enn_session *s = NULL;
    enn_status st = enn_session_create(g, &o, &s);
    if (st == ENN_OK) {
      total = n;
      enn_session_destroy(s);
    } else if (st != ENN_ERR_NO_MEMORY && bad++ < 5)
      CHECK_MSG(0, "failing at allocation %ld gave %s: %s", n, enn_status_name(st), enn_last_error());
    if (f.live != 0 && bad++ < 5) CHECK_MSG(0, "failing at allocation %ld leaked %ld blocks", n, f.live);
  }
  CHECK(total > 0);
  fprintf(stderr, "  session creation needs %ld allocations; each failure handled\n", total);
  enn_graph_destroy(g);
}

int main(void) {
  ENN_RUN(test_all_passes_on_zoo_blocks);
  ENN_RUN(test_out_of_memory_everywhere);
  return oc_finish();
}
