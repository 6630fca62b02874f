/*
 * PRelu: y = x < 0 ? slope * x : x with the slope broadcast to x's shape.
 * Hand-computed values, random unidirectional broadcasts against a naive
 * per-element loop, in-place kernel calls, and shape errors.
 */
#include "kernels/ref/binary_ref.h"
#include "op_harness.h"

static enn_status run_prelu(enn_tensor_desc x, const float *xv, enn_tensor_desc sl, const float *sv, uint32_t cmask,
                            const char *name, enn_tensor_desc *yd, float **y) {
  const oh_in in[2] = {oh_input(x, xv, (int)(cmask & 1u)), oh_input(sl, sv, (int)(cmask >> 1 & 1u))};
  return oh_run_n(ENN_OP_PRELU, name, NULL, in, 2, yd, y, 1, NULL);
}

static void test_hand_computed(void) {
  /* NHWC [1,2,2,3] with a per-channel slope [3] */
  const float x[12] = {-1, 2, -3, 4, -5, 6, 0, -2, 1, -4, -4, -4};
  const float s[3] = {0.5f, 0.25f, -1};
  enn_tensor_desc yd;
  float *y;
  CHECK_OK(run_prelu(oh_desc(4, (int64_t[]){1, 2, 2, 3}), x, oh_desc(1, (int64_t[]){3}), s, 2u, "p", &yd, &y));
  if (y) {
    const float want[12] = {-0.5f, 2, 3, 4, -1.25f, 6, 0, -0.5f, 1, -2, -1, 4};
    CHECK(oh_shape_is(&yd, 4, (int64_t[]){1, 2, 2, 3}));
    CHECK_ALLCLOSE(y, want, 12, 0, 0);
    free(y);
  }
  /* scalar slope, given as a graph input */
  const float s1[1] = {0.1f};
  CHECK_OK(run_prelu(oh_desc(2, (int64_t[]){3, 4}), x, oh_desc(1, (int64_t[]){1}), s1, 0, "p", &yd, &y));
  if (y) {
    for (int i = 0; i < 12; i++) CHECK(y[i] == (x[i] < 0 ? 0.1f * x[i] : x[i]));
    free(y);
  }
  /* slope [2,1] over x [3,2,2]: varies along axis 1 */
  const float s2[2] = {2, 3};
  CHECK_OK(run_prelu(oh_desc(3, (int64_t[]){3, 2, 2}), x, oh_desc(2, (int64_t[]){2, 1}), s2, 2u, "p", &yd, &y));
  if (y) {
    const float want[12] = {-2, 2, -9, 4, -10, 6, 0, -6, 1, -8, -12, -12};
    CHECK_ALLCLOSE(y, want, 12, 0, 0);
    free(y);
  }
}

static void test_random(void) {
  static const int64_t pool[] = {1, 2, 3, 5, 7, 11};
  unsigned long long rs = 4242;
  for (int it = 0; it < 120; it++) {
    const int32_t r = 1 + oh_rand(&rs, 5);
    int64_t xd[ENN_MAX_RANK], sd[ENN_MAX_RANK];
    for (int32_t k = 0; k < r; k++) xd[k] = pool[oh_rand(&rs, 6)];
    const int32_t drop = oh_rand(&rs, r + 1), sr = r - drop;
    for (int32_t k = 0; k < sr; k++) sd[k] = oh_rand(&rs, 2) ? xd[k + drop] : 1;
    enn_tensor_desc x = oh_desc(r, xd), sl = oh_desc(sr, sd);
    const long nx = oh_numel(&x), ns = oh_numel(&sl);
    float *xv = malloc((size_t)nx * 4), *sv = malloc((size_t)ns * 4), *want = malloc((size_t)nx * 4);
    enn_t_fill(xv, nx, (unsigned long long)it + 1, -3, 3);
    enn_t_fill(sv, ns, (unsigned long long)it + 1000, -1, 1);
    int64_t idx[ENN_MAX_RANK];
    for (long f = 0; f < nx; f++) {
      oh_unravel(f, r, xd, idx);
      long si = 0;
      for (int32_t k = 0; k < sr; k++) si = si * (long)sd[k] + (sd[k] == 1 ? 0 : (long)idx[k + drop]);
      want[f] = xv[f] < 0 ? (float)((double)sv[si] * (double)xv[f]) : xv[f];
    }
    enn_tensor_desc yd;
    float *y;
    CHECK_OK(run_prelu(x, xv, sl, sv, (uint32_t)(it & 1) << 1, "p", &yd, &y));
    if (y) {
      CHECK(oh_shape_is(&yd, r, xd));
      CHECK_MSG(oh_same_bits(y, want, nx), "iteration %d", it);
      free(y);
    }
    /* in place through the kernel */
    enn_binary_params p;
    enn_act_params none = {ENN_ACT_NONE, 0, 0, 0, 0};
    enn_binary_params_init(&p, ENN_BINOP_PRELU, &x, &sl, &none);
    enn_f32_binary__ref(&p, xv, sv, xv);
    CHECK_MSG(oh_same_bits(xv, want, nx), "in place, iteration %d", it);
    free(xv);
    free(sv);
    free(want);
  }
}

/* The slope sl cannot be broadcast to x: a shape error naming the node. */
static void expect_shape_error(enn_tensor_desc x, enn_tensor_desc sl, const char *name) {
  float z[64] = {0};
  enn_tensor_desc yd;
  float *y;
  OH_CHECK_FAILS(run_prelu(x, z, sl, z, 2u, name, &yd, &y), ENN_ERR_SHAPE, name);
}

static void test_errors(void) {
  /* slope does not broadcast */
  expect_shape_error(oh_desc(2, (int64_t[]){2, 3}), oh_desc(1, (int64_t[]){4}), "bad_prelu");
  /* slope would grow x (bidirectional broadcast is not allowed) */
  expect_shape_error(oh_desc(2, (int64_t[]){1, 3}), oh_desc(2, (int64_t[]){2, 3}), "bad_prelu2");
  expect_shape_error(oh_desc(1, (int64_t[]){3}), oh_desc(2, (int64_t[]){1, 3}), "bad_prelu3");
}

int main(void) {
  ENN_RUN(test_hand_computed);
  ENN_RUN(test_random);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
