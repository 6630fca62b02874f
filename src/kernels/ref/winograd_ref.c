/*
 * Winograd F(4x4, 3x3) reference transforms (winograd_ref.h): each matrix
 * product written out as a loop over the constant matrices.
 */
#include "kernels/ref/winograd_ref.h"

const float enn_wino43_bt[6][6] = {
    {4, 0, -5, 0, 1, 0}, {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
    {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1},
};
const float enn_wino43_g[6][3] = {
    {1.0f / 4, 0, 0},
    {-1.0f / 6, -1.0f / 6, -1.0f / 6},
    {-1.0f / 6, 1.0f / 6, -1.0f / 6},
    {1.0f / 24, 1.0f / 12, 1.0f / 6},
    {1.0f / 24, -1.0f / 12, 1.0f / 6},
    {0, 0, 1},
};
const float enn_wino43_at[4][6] = {
    {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1},
};

void enn_f32_wino43_in__ref(const float *const *rows, ptrdiff_t x0, size_t iw, size_t c, float *v, size_t v_stride) {
  for (size_t ch = 0; ch < c; ch++) {
    float d[6][6], t[6][6];
    for (int r = 0; r < 6; r++)
      for (int j = 0; j < 6; j++) {
        const ptrdiff_t ix = x0 + j;
        d[r][j] = (rows[r] && ix >= 0 && ix < (ptrdiff_t)iw) ? rows[r][(size_t)ix * c + ch] : 0.0f;
      }
    for (int i = 0; i < 6; i++) /* t = B^T d */
      for (int j = 0; j < 6; j++) {
        float s = 0.0f;
        for (int k = 0; k < 6; k++) s += enn_wino43_bt[i][k] * d[k][j];
        t[i][j] = s;
      }
    for (int i = 0; i < 6; i++) /* v = t B */
      for (int j = 0; j < 6; j++) {
        float s = 0.0f;
        for (int k = 0; k < 6; k++) s += t[i][k] * enn_wino43_bt[j][k];
        v[(size_t)(i * 6 + j) * v_stride + ch] = s;
      }
  }
}

void enn_f32_wino43_out__ref(const float *m, size_t m_stride, size_t c, const float *bias, float *y,
                             size_t y_row_stride, size_t nrows, size_t ncols, const enn_act_params *act) {
  for (size_t ch = 0; ch < c; ch++) {
    float t[4][6];
    for (int i = 0; i < 4; i++) /* t = A^T M */
      for (int j = 0; j < 6; j++) {
        float s = 0.0f;
        for (int k = 0; k < 6; k++) s += enn_wino43_at[i][k] * m[(size_t)(k * 6 + j) * m_stride + ch];
        t[i][j] = s;
      }
    for (size_t i = 0; i < nrows; i++) /* y = t A */
      for (size_t j = 0; j < ncols; j++) {
        float s = 0.0f;
        for (int k = 0; k < 6; k++) s += t[i][k] * enn_wino43_at[j][k];
        y[i * y_row_stride + j * c + ch] = enn_act_f32((bias ? bias[ch] : 0.0f) + s, act);
      }
  }
}

/* G in double (1/6 and 1/24 are not floats). */
static const double g_exact[6][3] = {
    {1.0 / 4, 0, 0},         {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1},
};

void enn_f32_wino43_filter(const float *g, ptrdiff_t gs_y, ptrdiff_t gs_x, float *u) {
  double t[6][3];
  for (int i = 0; i < 6; i++) /* t = G g */
    for (int j = 0; j < 3; j++) {
      double s = 0.0;
      for (int k = 0; k < 3; k++) s += g_exact[i][k] * (double)g[k * gs_y + j * gs_x];
      t[i][j] = s;
    }
  for (int i = 0; i < 6; i++) /* u = t G^T */
    for (int j = 0; j < 6; j++) {
      double s = 0.0;
      for (int k = 0; k < 3; k++) s += t[i][k] * g_exact[j][k];
      u[i * 6 + j] = (float)s;
    }
}
