/*
 * Shared helpers of the `edgenn` command-line tool. The tool is a client of
 * the public API only (the headers in include/edgenn/); nothing here
 * reaches into src/.
 *
 * Conventions every sub-command follows:
 *   - exit status 0 on success, CLI_EXIT_FAIL (1) when the work failed,
 *     CLI_EXIT_USAGE (2) for a bad command line;
 *   - on failure exactly one line "edgenn: error: ..." on stderr (cli_error);
 *   - normal output on stdout; --json output is a single JSON document.
 */
#ifndef EDGENN_CLI_COMMON_H
#define EDGENN_CLI_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "edgenn/data.h"
#include "edgenn/edgenn.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

#if defined(__GNUC__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

/* ------------------------------------------------------------- commands */
typedef struct cli_command {
  const char *name;
  const char *summary; /* one line for `edgenn --help` */
  const char *help;    /* full text for `edgenn help NAME` / NAME --help */
  int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command;

int cmd_zoo(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_demo(int argc, char **argv);
extern const char cmd_zoo_help[], cmd_info_help[], cmd_bench_help[], cmd_run_help[], cmd_convert_help[],
    cmd_demo_help[];
int cmd_eval(int argc, char **argv);
extern const char cmd_eval_help[];
int cmd_verify(int argc, char **argv);
extern const char cmd_verify_help[];
int cmd_quantize(int argc, char **argv);
extern const char cmd_quantize_help[];

/* ------------------------------------- preprocessing options (cmd_eval.c) */
/* The preprocessing flags shared by `eval` and `run` (images): put
 * CLI_PP_OPTS(f) in the command's cli_opt array, CLI_PP_HELP in its help. */
typedef struct cli_pp_flags {
  const char *v_mean[1], *v_std[1], *v_scale[1], *v_resize[1], *v_crop[1], *v_layout[1];
  int c_mean, c_std, c_scale, c_resize, c_crop, c_layout, bgr, rgb;
} cli_pp_flags;
#define CLI_PP_OPTS(f)                                                     \
  {"--mean", NULL, true, NULL, (f).v_mean, 1, &(f).c_mean},                \
  {"--std", NULL, true, NULL, (f).v_std, 1, &(f).c_std},                   \
  {"--scale", NULL, true, NULL, (f).v_scale, 1, &(f).c_scale},             \
  {"--resize", NULL, true, NULL, (f).v_resize, 1, &(f).c_resize},          \
  {"--center-crop", NULL, true, NULL, (f).v_crop, 1, &(f).c_crop},         \
  {"--layout", NULL, true, NULL, (f).v_layout, 1, &(f).c_layout},          \
  {"--bgr", NULL, false, &(f).bgr, NULL, 0, NULL},                         \
  {"--rgb", NULL, false, &(f).rgb, NULL, 0, NULL}
#define CLI_PP_HELP                                                                            \
  "preprocessing (the model's preprocess.* metadata, then these flags; docs/data.md):\n"      \
  "  --scale S          multiply the 0..255 pixel values first (e.g. 1/255)\n"               \
  "  --mean M[,M,M]     then subtract (per channel, in the model's channel order)\n"         \
  "  --std S[,S,S]      then divide\n"                                                         \
  "  --bgr | --rgb      channel order the model takes (default rgb)\n"                         \
  "  --resize N         first resize the shorter side to N\n"                                  \
  "  --center-crop N    then crop N x N from the centre (then resize to the input)\n"        \
  "  --layout L         the input's layout: nhwc, nchw or auto (default)\n"                    \
  "Without --scale/--mean/--std an int8/uint8 input gets the pixels themselves\n"             \
  "(uint8 = pixel, int8 = pixel - 128); float inputs get 0..255.\n"
/* The model's metadata, then the flags, into pp. Prints errors; returns 0
 * or an exit code. */
int cli_pp_resolve(const cli_pp_flags *f, const enn_graph *g, enn_preprocess *pp);
/* Decodes image `path` into session input i (resized, preprocessed and
 * converted to the input's dtype). Prints errors; returns 0 or an exit code. */
int cli_image_input(const char *path, const enn_preprocess *pp, enn_session *s, int32_t i);

/* ------------------------------------------------------------- messages */
/* Prints "edgenn: error: <message>" as one line on stderr (newlines in the
 * message are flattened) and returns CLI_EXIT_FAIL. */
int cli_error(const char *fmt, ...) CLI_PRINTF(1, 2);
/* The same, returning CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) CLI_PRINTF(1, 2);
/* cli_error with the library's last message: "<context>: <enn_last_error>". */
int cli_lib_error(enn_status st, const char *context_fmt, ...) CLI_PRINTF(2, 3);
/* Checks stdout for write errors (full disk, closed pipe); returns rc or an error. */
int cli_finish(int rc);

/* ------------------------------------------------------ argument parsing */
/* One option of a command. Flags set *flag = 1; valued options store the
 * argument in values[*count] (up to max_values; max_values 1 means "given
 * at most once"). Accepted spellings: --name VALUE, --name=VALUE, and the
 * short alias ("-o VALUE"). */
typedef struct cli_opt {
  const char *name;  /* "--threads" */
  const char *alias; /* "-t" or NULL */
  bool has_arg;
  int *flag;
  const char **values;
  int max_values;
  int *count;
} cli_opt;

/* Parses argv[1..argc) against opts; positional arguments go to pos (at
 * most max_pos). "--help"/"-h" sets *help. "--" ends the options. Returns
 * 0 or an exit code after printing the error (unknown option, missing
 * value, repeated option, too many positional arguments). */
int cli_parse(int argc, char **argv, const char *cmd, const cli_opt *opts, int n_opts, const char **pos, int max_pos,
              int *n_pos, bool *help);

/* Strict integer / float parsing for option values: the whole string must
 * be a number inside [lo, hi]. On failure prints the usage error naming the
 * option and returns CLI_EXIT_USAGE; 0 on success. */
int cli_parse_i64(const char *s, const char *opt, int64_t lo, int64_t hi, int64_t *out);
int cli_parse_int(const char *s, const char *opt, int lo, int hi, int *out);
int cli_parse_double(const char *s, const char *opt, double lo, double hi, double *out);

/* Prints a command's help text to stdout. */
void cli_print_help(const char *text);

/* --------------------------------------------------------------- models */
/* Loads MODEL: "zoo:NAME[,k=v...]" builds from the zoo; otherwise a file
 * whose loader is chosen by extension (then by magic bytes). Errors are
 * printed; returns 0 or an exit code. */
int cli_load_model(const char *spec, enn_graph **out);
/* The file extensions cli_load_model understands (", "-separated). */
const char *cli_model_formats(void);
/* Creates a session; prints the error and returns non-zero on failure. */
int cli_session(const enn_graph *g, const char *spec, int threads, bool profile, enn_session **out);

/* ------------------------------------ precision on the fly (cmd_bench.c) */
/* The canonical name of a --dtype value: "f32" (also fp32, float32), "f16"
 * (fp16, float16) or "int8" (i8); NULL if unknown. */
const char *cli_dtype_name(const char *s);
/* The `dtype` version of g (not modified) in *out: "f32" gives *out = NULL
 * (use g itself), "f16" converts the weights (enn_convert_f16), "int8"
 * quantises (enn_quantize_graph) with n_calib SYNTHETIC random-normal
 * calibration samples from `seed`: such a model is for speed and size
 * measurements only. dtype is a cli_dtype_name result. Errors: the
 * library's status and message. */
enn_status cli_convert_dtype(const enn_graph *g, const char *dtype, int32_t n_calib, uint64_t seed, enn_graph **out);

/* ------------------------------------------------------- tensors, output */
/* "[1,224,224,3]" into buf. */
const char *cli_shape_str(const enn_tensor_desc *d, char *buf, size_t cap);
bool cli_same_shape(const enn_tensor_desc *a, const enn_tensor_desc *b);
/* Element i of a dense tensor as a double (f16 decoded; quantised values
 * raw). */
double cli_elem(const void *data, enn_dtype t, int64_t i);
/* Deterministic pseudo-random contents for benchmarking (f32/f16 in
 * [-1, 1), integers over their range or small for i32/i64). */
void cli_fill_random(void *data, const enn_tensor_desc *d, uint64_t seed);

/* Human-readable numbers: "1.23M", "4.56 MiB", "0.123 ms". */
const char *cli_count_str(double v, char *buf, size_t cap);
const char *cli_bytes_str(double v, char *buf, size_t cap);

/* Params of node i's constant inputs, counted the way enn_graph_stats_get
 * counts them (learnable dtypes, BatchNorm running statistics excluded)
 * and each constant only at its first reader (seen: per-tensor marks). */
int64_t cli_node_params(const enn_graph *g, int32_t node, uint8_t *seen);

/* Minimal JSON writing (one document per command run). */
void cli_json_str(FILE *f, const char *s);
void cli_json_desc(FILE *f, const char *name, const enn_tensor_desc *d);
/* A double or null when it is not finite. */
void cli_json_num(FILE *f, double v);

/* Wall clock in seconds (monotonic). */
double cli_now(void);
/* Peak resident set size of this process in bytes (0 if unknown). */
int64_t cli_peak_rss(void);

#endif
