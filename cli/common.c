/*
 * Helpers shared by the sub-commands: one-line error reporting, a small
 * option parser (long/short options, --opt=value, repeated options, strict
 * numbers), model loading by spec / extension / magic, and formatting of
 * shapes, sizes and JSON.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "common.h"
#include "edgenn/import.h"

/* ------------------------------------------------------------- messages */
static void vreport(const char *fmt, va_list ap) CLI_PRINTF(1, 0);
static void vreport(const char *fmt, va_list ap) {
  char msg[2048];
  vsnprintf(msg, sizeof msg, fmt, ap);
  for (char *p = msg; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  fflush(stdout);
  fprintf(stderr, "edgenn: error: %s\n", msg);
}

int cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(fmt, ap);
  va_end(ap);
  return CLI_EXIT_FAIL;
}

int cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(fmt, ap);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

int cli_lib_error(enn_status st, const char *context_fmt, ...) {
  char ctx[1024];
  va_list ap;
  va_start(ap, context_fmt);
  vsnprintf(ctx, sizeof ctx, context_fmt, ap);
  va_end(ap);
  const char *m = enn_last_error();
  if (!m || !*m) m = enn_status_name(st);
  return cli_error("%s: %s", ctx, m);
}

int cli_finish(int rc) {
  if (fflush(stdout) != 0 || ferror(stdout)) {
    if (rc == CLI_EXIT_OK) return cli_error("cannot write to standard output: %s", strerror(errno));
  }
  return rc;
}

void cli_print_help(const char *text) { fputs(text, stdout); }

/* ------------------------------------------------------ argument parsing */
int cli_parse(int argc, char **argv, const char *cmd, const cli_opt *opts, int n_opts, const char **pos, int max_pos,
              int *n_pos, bool *help) {
  *n_pos = 0;
  *help = false;
  bool only_pos = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (only_pos || a[0] != '-' || a[1] == '\0') {
      if (*n_pos >= max_pos) {
        if (max_pos == 0) return cli_usage_error("'edgenn %s' takes no arguments (got '%s')", cmd, a);
        return cli_usage_error("unexpected argument '%s' for 'edgenn %s' (see 'edgenn help %s')", a, cmd, cmd);
      }
      pos[(*n_pos)++] = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_pos = true;
      continue;
    }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      *help = true;
      continue;
    }
    const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
    size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
    const cli_opt *o = NULL;
    for (int k = 0; k < n_opts && !o; k++) {
      if (strlen(opts[k].name) == nlen && strncmp(opts[k].name, a, nlen) == 0) o = &opts[k];
      else if (!eq && opts[k].alias && strcmp(opts[k].alias, a) == 0) o = &opts[k];
    }
    if (!o) {
      return cli_usage_error("unknown option '%.*s' for 'edgenn %s' (see 'edgenn help %s')", (int)nlen, a, cmd, cmd);
    }
    if (!o->has_arg) {
      if (eq) return cli_usage_error("option %s takes no value", o->name);
      *o->flag = 1;
      continue;
    }
    const char *v;
    if (eq) v = eq + 1;
    else if (i + 1 < argc) v = argv[++i];
    else return cli_usage_error("option %s needs a value", o->name);
    if (*o->count >= o->max_values) {
      if (o->max_values == 1) return cli_usage_error("option %s given more than once", o->name);
      return cli_usage_error("option %s given more than %d times", o->name, o->max_values);
    }
    o->values[(*o->count)++] = v;
  }
  return 0;
}

int cli_parse_i64(const char *s, const char *opt, int64_t lo, int64_t hi, int64_t *out) {
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  if (!isdigit((unsigned char)*p))
    return cli_usage_error("bad value '%s' for %s: expected an integer in %lld..%lld", s, opt, (long long)lo, (long long)hi);
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno == ERANGE || *end != '\0' || v < lo || v > hi)
    return cli_usage_error("bad value '%s' for %s: expected an integer in %lld..%lld", s, opt, (long long)lo, (long long)hi);
  *out = (int64_t)v;
  return 0;
}

int cli_parse_int(const char *s, const char *opt, int lo, int hi, int *out) {
  int64_t v = 0;
  int rc = cli_parse_i64(s, opt, lo, hi, &v);
  if (!rc) *out = (int)v;
  return rc;
}

int cli_parse_double(const char *s, const char *opt, double lo, double hi, double *out) {
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if ((!isdigit((unsigned char)*p) && *p != '.') || errno == ERANGE || *end != '\0' || !isfinite(v) || v < lo || v > hi)
    return cli_usage_error("bad value '%s' for %s: expected a number in %g..%g", s, opt, lo, hi);
  *out = v;
  return 0;
}

/* --------------------------------------------------------------- models */
/* A model file format: chosen by extension first, then by magic bytes.
 * The ONNX and TFLite importers plug in here as further rows
 * ({".onnx", ...}, {".tflite", "TFL3" at offset 4, ...}). */
typedef struct model_format {
  const char *ext;
  const char *magic;
  size_t magic_offset, magic_len;
  const char *what;
  enn_status (*load)(const char *path, enn_graph **out);
} model_format;

static enn_status load_enn(const char *path, enn_graph **out) { return enn_model_load(path, NULL, out); }

static enn_status load_onnx(const char *path, enn_graph **out) { return enn_onnx_load(path, NULL, out); }

static enn_status load_tflite(const char *path, enn_graph **out) { return enn_tflite_load(path, NULL, out); }

static const model_format model_formats[] = {
    {".enn", "ENNF", 0, 4, "edgenn model", load_enn},
    /* FlatBuffer file identifier after the root offset; before ONNX, whose
     * one-byte magic is less specific */
    {".tflite", "TFL3", 4, 4, "TFLite model", load_tflite},
    /* ModelProto starts with field 1 (ir_version, a varint): tag byte 0x08 */
    {".onnx", "\x08", 0, 1, "ONNX model", load_onnx},
};

/* The extensions of the table above, ", "-separated. */
const char *cli_model_formats(void) {
  static char buf[160];
  if (!buf[0])
    for (size_t i = 0, n = 0; i < sizeof model_formats / sizeof model_formats[0] && n < sizeof buf; i++)
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? ", " : "", model_formats[i].ext);
  return buf;
}

static bool has_ext(const char *path, const char *ext) {
  size_t n = strlen(path), e = strlen(ext);
  return n > e && strcasecmp(path + n - e, ext) == 0;
}

int cli_load_model(const char *spec, enn_graph **out) {
  *out = NULL;
  if (!spec || !*spec) return cli_usage_error("empty MODEL (a file such as model.enn, or zoo:NAME)");
  enn_clear_error();
  if (strncmp(spec, "zoo:", 4) == 0) {
    enn_status st = enn_zoo_build_spec(spec, NULL, out);
    if (st) return cli_lib_error(st, "cannot build '%s'", spec);
    return 0;
  }
  struct stat sb;
  if (stat(spec, &sb) != 0) return cli_error("cannot open model '%s': %s", spec, strerror(errno));
  if (S_ISDIR(sb.st_mode)) return cli_error("cannot open model '%s': it is a directory", spec);
  const model_format *fmt = NULL;
  for (size_t i = 0; i < sizeof model_formats / sizeof model_formats[0] && !fmt; i++)
    if (has_ext(spec, model_formats[i].ext)) fmt = &model_formats[i];
  if (!fmt) {
    unsigned char head[16] = {0};
    FILE *f = fopen(spec, "rb");
    if (!f) return cli_error("cannot open model '%s': %s", spec, strerror(errno));
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    for (size_t i = 0; i < sizeof model_formats / sizeof model_formats[0] && !fmt; i++) {
      const model_format *m = &model_formats[i];
      if (got >= m->magic_offset + m->magic_len && memcmp(head + m->magic_offset, m->magic, m->magic_len) == 0)
        fmt = m;
    }
    if (!fmt)
      return cli_error("'%s' is not a model edgenn can read (formats: %s files, or zoo:NAME)", spec,
                       cli_model_formats());
  }
  enn_status st = fmt->load(spec, out);
  if (st) return cli_lib_error(st, "cannot load %s '%s'", fmt->what, spec);
  return 0;
}

int cli_session(const enn_graph *g, const char *spec, int threads, bool profile, enn_session **out) {
  enn_session_options o;
  enn_session_options_init(&o);
  o.threads = threads;
  o.profile = profile ? 1 : 0;
  enn_clear_error();
  enn_status st = enn_session_create(g, &o, out);
  if (st) return cli_lib_error(st, "cannot prepare '%s' for running", spec);
  return 0;
}

/* ------------------------------------------------------- tensors, output */
const char *cli_shape_str(const enn_tensor_desc *d, char *buf, size_t cap) {
  size_t n = 0;
  if (cap == 0) return buf;
  buf[0] = '\0';
  n += (size_t)snprintf(buf + n, cap - n, "[");
  for (int32_t i = 0; i < d->rank && i < ENN_MAX_RANK && n < cap; i++)
    n += (size_t)snprintf(buf + n, cap - n, i ? ",%lld" : "%lld", (long long)d->dims[i]);
  if (n < cap) snprintf(buf + n, cap - n, "]");
  return buf;
}

bool cli_same_shape(const enn_tensor_desc *a, const enn_tensor_desc *b) {
  if (a->rank != b->rank) return false;
  for (int32_t i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

/* IEEE binary16 -> double (the public API has no converter). */
static double half_to_double(uint16_t h) {
  int sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  double v;
  if (exp == 0) v = ldexp((double)man, -24);
  else if (exp == 31) v = man ? NAN : INFINITY;
  else v = ldexp((double)(man | 0x400), exp - 25);
  return sign ? -v : v;
}

double cli_elem(const void *data, enn_dtype t, int64_t i) {
  const unsigned char *p = data;
  switch (t) {
  case ENN_DTYPE_F32: {
    float v;
    memcpy(&v, p + 4 * i, 4);
    return (double)v;
  }
  case ENN_DTYPE_F16: {
    uint16_t v;
    memcpy(&v, p + 2 * i, 2);
    return half_to_double(v);
  }
  case ENN_DTYPE_I8: return (double)((const int8_t *)data)[i];
  case ENN_DTYPE_U8: return (double)p[i];
  case ENN_DTYPE_I32: {
    int32_t v;
    memcpy(&v, p + 4 * i, 4);
    return (double)v;
  }
  case ENN_DTYPE_I64: {
    int64_t v;
    memcpy(&v, p + 8 * i, 8);
    return (double)v;
  }
  default: return NAN;
  }
}

static uint64_t rng_next(uint64_t *s) {
  /* splitmix64 */
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void cli_fill_random(void *data, const enn_tensor_desc *d, uint64_t seed) {
  int64_t n = enn_tensor_desc_numel(d);
  uint64_t s = seed;
  unsigned char *p = data;
  for (int64_t i = 0; i < n; i++) {
    uint64_t r = rng_next(&s);
    switch (d->dtype) {
    case ENN_DTYPE_F32: {
      float v = (float)((double)(r >> 11) * (2.0 / 9007199254740992.0) - 1.0);
      memcpy(p + 4 * i, &v, 4);
      break;
    }
    case ENN_DTYPE_F16: {
      /* sign, exponent 10..14, random mantissa: magnitudes in [2^-5, 1) */
      uint16_t h = (uint16_t)(((r & 1u) << 15) | ((10u + (unsigned)((r >> 1) % 5u)) << 10) | ((r >> 8) & 0x3ffu));
      memcpy(p + 2 * i, &h, 2);
      break;
    }
    case ENN_DTYPE_I8:
    case ENN_DTYPE_U8: p[i] = (unsigned char)(r >> 56); break;
    case ENN_DTYPE_I32: {
      int32_t v = (int32_t)(r % 10u);
      memcpy(p + 4 * i, &v, 4);
      break;
    }
    case ENN_DTYPE_I64: {
      int64_t v = (int64_t)(r % 10u);
      memcpy(p + 8 * i, &v, 8);
      break;
    }
    default: break;
    }
  }
}

const char *cli_count_str(double v, char *buf, size_t cap) {
  if (v >= 1e9) snprintf(buf, cap, "%.2fG", v / 1e9);
  else if (v >= 1e6) snprintf(buf, cap, "%.2fM", v / 1e6);
  else if (v >= 1e3) snprintf(buf, cap, "%.1fK", v / 1e3);
  else snprintf(buf, cap, "%.0f", v);
  return buf;
}

const char *cli_bytes_str(double v, char *buf, size_t cap) {
  if (v >= 1024.0 * 1024.0 * 1024.0) snprintf(buf, cap, "%.2f GiB", v / (1024.0 * 1024.0 * 1024.0));
  else if (v >= 1024.0 * 1024.0) snprintf(buf, cap, "%.2f MiB", v / (1024.0 * 1024.0));
  else if (v >= 1024.0) snprintf(buf, cap, "%.1f KiB", v / 1024.0);
  else snprintf(buf, cap, "%.0f B", v);
  return buf;
}

int64_t cli_node_params(const enn_graph *g, int32_t node, uint8_t *seen) {
  enn_op op;
  const int32_t *in;
  int32_t n_in;
  if (enn_graph_node(g, node, &op, NULL, NULL, &in, &n_in, NULL, NULL) != ENN_OK) return 0;
  int64_t total = 0;
  for (int32_t k = 0; k < n_in; k++) {
    enn_tensor_desc d;
    const void *data = NULL;
    if (enn_graph_tensor(g, in[k], NULL, &d, &data) != ENN_OK || !data) continue;
    if (seen[in[k]]) continue;
    seen[in[k]] = 1;
    if (op == ENN_OP_BATCH_NORM && k >= 3) continue; /* running mean / variance: buffers, not parameters */
    if (d.dtype == ENN_DTYPE_F32 || d.dtype == ENN_DTYPE_F16 || d.dtype == ENN_DTYPE_I8 || d.dtype == ENN_DTYPE_U8)
      total += enn_tensor_desc_numel(&d);
  }
  return total;
}

/* ------------------------------------------------------------------ JSON */
void cli_json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", f);
    else if (*p == '\t') fputs("\\t", f);
    else if (*p < 0x20 || *p == 0x7f) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

void cli_json_desc(FILE *f, const char *name, const enn_tensor_desc *d) {
  fputs("{\"name\": ", f);
  cli_json_str(f, name);
  fputs(", \"dtype\": ", f);
  cli_json_str(f, enn_dtype_name(d->dtype));
  fputs(", \"shape\": [", f);
  for (int32_t i = 0; i < d->rank; i++) fprintf(f, i ? ", %lld" : "%lld", (long long)d->dims[i]);
  fputs("]}", f);
}

void cli_json_num(FILE *f, double v) {
  if (isfinite(v)) fprintf(f, "%.6g", v);
  else fputs("null", f);
}

/* ----------------------------------------------------------------- misc */
double cli_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int64_t cli_peak_rss(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
#if defined(__APPLE__)
  return (int64_t)ru.ru_maxrss; /* bytes */
#else
  return (int64_t)ru.ru_maxrss * 1024; /* kilobytes */
#endif
}
