/*
 * `edgenn info MODEL`: inputs, outputs, a per-layer table and totals.
 * Params / MACs / weights describe the graph as built or loaded (before any
 * optimisation); the peak arena comes from an optimised session, whose own
 * node count and weight bytes are shown beside it.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"

const char cmd_info_help[] =
    "usage: edgenn info MODEL [--json]\n\n"
    "Shows a model's inputs and outputs, one row per layer (name, operator,\n"
    "output shape, parameters of its constant inputs, MACs) and totals.\n"
    "params, MACs and weights are those of the graph as built or loaded; the\n"
    "peak arena (activations + scratch) is that of the optimised session that\n"
    "would run it.\n\n"
    "options:\n"
    "  --json    one JSON document with at least the keys params, macs,\n"
    "            weights_bytes, peak_arena_bytes, nodes, inputs, outputs\n"
    "            (lists of {name, dtype, shape}) and layers\n"
    "  -h, --help\n";

static void print_io_text(const enn_graph *g, bool inputs) {
  int32_t n = inputs ? enn_graph_num_inputs(g) : enn_graph_num_outputs(g);
  for (int32_t i = 0; i < n; i++) {
    const char *name = NULL;
    enn_tensor_desc d;
    int32_t id = inputs ? enn_graph_input(g, i) : enn_graph_output(g, i);
    if (enn_graph_tensor(g, id, &name, &d, NULL) != ENN_OK) continue;
    char s[128];
    printf("%-10s %-24s %-4s %s\n", i == 0 ? (inputs ? "inputs" : "outputs") : "", name ? name : "?",
           enn_dtype_name(d.dtype), cli_shape_str(&d, s, sizeof s));
  }
}

static void print_io_json(const enn_graph *g, bool inputs) {
  int32_t n = inputs ? enn_graph_num_inputs(g) : enn_graph_num_outputs(g);
  printf("  \"%s\": [", inputs ? "inputs" : "outputs");
  for (int32_t i = 0; i < n; i++) {
    const char *name = NULL;
    enn_tensor_desc d;
    int32_t id = inputs ? enn_graph_input(g, i) : enn_graph_output(g, i);
    if (enn_graph_tensor(g, id, &name, &d, NULL) != ENN_OK) continue;
    if (i) printf(", ");
    cli_json_desc(stdout, name, &d);
  }
  printf("],\n");
}

/* What a layer row shows of node i: its op, name (may be NULL) and first
 * output's desc (all zero when it has none). False when i is no node. */
static bool node_row(const enn_graph *g, int32_t i, enn_op *op, const char **name, enn_tensor_desc *od) {
  const int32_t *outs;
  int32_t n_out;
  *name = NULL;
  if (enn_graph_node(g, i, op, name, NULL, NULL, NULL, &outs, &n_out) != ENN_OK) return false;
  memset(od, 0, sizeof *od);
  if (n_out > 0) enn_graph_tensor(g, outs[0], NULL, od, NULL);
  return true;
}

int cmd_info(int argc, char **argv) {
  int json = 0;
  const cli_opt opts[] = {{"--json", NULL, false, &json, NULL, 0, NULL}};
  const char *pos[1];
  int n_pos;
  bool help;
  int rc = cli_parse(argc, argv, "info", opts, 1, pos, 1, &n_pos, &help);
  if (rc) return rc;
  if (help) {
    cli_print_help(cmd_info_help);
    return CLI_EXIT_OK;
  }
  if (n_pos != 1) return cli_usage_error("'edgenn info' needs a MODEL (see 'edgenn help info')");
  const char *spec = pos[0];
  enn_graph *g = NULL;
  if ((rc = cli_load_model(spec, &g))) return rc;

  enn_graph_stats gs;
  enn_status st = enn_graph_stats_get(g, &gs);
  if (st) {
    rc = cli_lib_error(st, "'%s': statistics", spec);
    enn_graph_destroy(g);
    return rc;
  }
  /* The optimised session, for the memory plan. A model that cannot be
   * prepared is still described, then reported as an error. */
  enn_session *s = NULL;
  enn_session_stats ss;
  memset(&ss, 0, sizeof ss);
  char sess_err[1024] = "";
  enn_session_options so;
  enn_session_options_init(&so);
  enn_clear_error();
  st = enn_session_create(g, &so, &s);
  if (st) snprintf(sess_err, sizeof sess_err, "%s", enn_last_error()[0] ? enn_last_error() : enn_status_name(st));
  else enn_session_stats_get(s, &ss);

  const int32_t nn = enn_graph_num_nodes(g), nt = enn_graph_num_tensors(g);
  uint8_t *seen = calloc((size_t)nt + 1, 1);
  if (!seen) {
    enn_session_destroy(s);
    enn_graph_destroy(g);
    return cli_error("out of memory");
  }
  const char *source = enn_graph_get_meta(g, "source"), *arch = enn_graph_get_meta(g, "architecture");
  char a[32], b[32], c[32], sh[160];

  if (json) {
    printf("{\n  \"model\": ");
    cli_json_str(stdout, spec);
    if (source) {
      printf(",\n  \"source\": ");
      cli_json_str(stdout, source);
    }
    if (arch) {
      printf(",\n  \"architecture\": ");
      cli_json_str(stdout, arch);
    }
    printf(",\n  \"params\": %lld,\n  \"macs\": %lld,\n  \"weights_bytes\": %lld,\n  \"nodes\": %d,\n",
           (long long)gs.params, (long long)gs.macs, (long long)gs.weights_bytes, gs.nodes);
    if (s) printf("  \"peak_arena_bytes\": %lld,\n", (long long)ss.peak_arena_bytes);
    else printf("  \"peak_arena_bytes\": null,\n");
    print_io_json(g, true);
    print_io_json(g, false);
    if (s)
      printf("  \"session\": {\"optimized\": true, \"nodes\": %d, \"peak_arena_bytes\": %lld, \"weights_bytes\": %lld, "
             "\"persistent_bytes\": %lld, \"macs\": %lld, \"threads\": %d},\n",
             ss.nodes, (long long)ss.peak_arena_bytes, (long long)ss.weights_bytes, (long long)ss.persistent_bytes,
             (long long)ss.macs, ss.threads);
    else {
      printf("  \"session\": null,\n  \"session_error\": ");
      cli_json_str(stdout, sess_err);
      printf(",\n");
    }
    printf("  \"layers\": [");
    for (int32_t i = 0; i < nn; i++) {
      enn_op op;
      const char *name;
      enn_tensor_desc od;
      if (!node_row(g, i, &op, &name, &od)) continue;
      printf("%s\n    {\"index\": %d, \"name\": ", i ? "," : "", i);
      cli_json_str(stdout, name);
      printf(", \"op\": ");
      cli_json_str(stdout, enn_op_name(op));
      printf(", \"output\": ");
      cli_json_desc(stdout, "", &od);
      printf(", \"params\": %lld, \"macs\": %lld}", (long long)cli_node_params(g, i, seen),
             (long long)enn_graph_node_macs(g, i));
    }
    printf("%s]\n}\n", nn ? "\n  " : "");
  } else {
    printf("%-10s %s\n", "model", spec);
    if (source || arch) printf("%-10s %s%s%s%s\n", "source", source ? source : "", arch ? " (" : "", arch ? arch : "", arch ? ")" : "");
    print_io_text(g, true);
    print_io_text(g, false);
    int w = 4;
    for (int32_t i = 0; i < nn; i++) {
      const char *name = NULL;
      if (enn_graph_node(g, i, NULL, &name, NULL, NULL, NULL, NULL, NULL) == ENN_OK && name) {
        int l = (int)strlen(name);
        if (l > w) w = l;
      }
    }
    if (w > 48) w = 48;
    printf("\nlayers (the graph as built/loaded, before optimisation):\n");
    printf("%5s  %-*s  %-16s %-20s %12s %14s\n", "#", w, "name", "op", "output", "params", "MACs");
    for (int32_t i = 0; i < nn; i++) {
      enn_op op;
      const char *name;
      enn_tensor_desc od;
      if (!node_row(g, i, &op, &name, &od)) continue;
      printf("%5d  %-*.*s  %-16s %-20s %12lld %14lld\n", i, w, w, name ? name : "", enn_op_name(op),
             cli_shape_str(&od, sh, sizeof sh), (long long)cli_node_params(g, i, seen),
             (long long)enn_graph_node_macs(g, i));
    }
    printf("\ntotals (the graph as built/loaded): %d nodes, %s params (%lld), %s MACs (%lld), weights %s (%lld bytes)\n",
           gs.nodes, cli_count_str((double)gs.params, a, sizeof a), (long long)gs.params,
           cli_count_str((double)gs.macs, b, sizeof b), (long long)gs.macs, cli_bytes_str((double)gs.weights_bytes, c, sizeof c),
           (long long)gs.weights_bytes);
    printf("  params: learnable constant elements (batch-norm running statistics and integer tensors excluded)\n");
    if (s) {
      printf("optimised session (%d thread%s): %d nodes, peak arena %s (%lld bytes)", ss.threads, ss.threads == 1 ? "" : "s",
             ss.nodes, cli_bytes_str((double)ss.peak_arena_bytes, a, sizeof a), (long long)ss.peak_arena_bytes);
      printf(", weights %s, persistent %s\n", cli_bytes_str((double)ss.weights_bytes, b, sizeof b),
             cli_bytes_str((double)ss.persistent_bytes, c, sizeof c));
    } else printf("optimised session: not available (see the error below)\n");
  }
  free(seen);
  enn_session_destroy(s);
  enn_graph_destroy(g);
  if (sess_err[0]) return cli_error("cannot prepare '%s' for running: %s", spec, sess_err);
  return CLI_EXIT_OK;
}
