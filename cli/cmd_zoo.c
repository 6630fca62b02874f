/*
 * `edgenn zoo`: lists the built-in architectures. Each one is built at its
 * defaults (random weights) to report params, MACs, weight bytes and the
 * input it expects; an architecture that fails to build shows its error.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"

const char cmd_zoo_help[] =
    "usage: edgenn zoo [--json]\n\n"
    "Lists the built-in architectures with their parameter count, multiply-\n"
    "accumulates per inference (MACs) and input shape at the default width,\n"
    "resolution and class count. Use one as MODEL with\n"
    "zoo:NAME[,width=W][,res=R][,classes=C][,seed=S].\n\n"
    "options:\n"
    "  --json    print one JSON document: {\"architectures\": [{\"name\", \"description\",\n"
    "            \"params\", \"macs\", \"weights_bytes\", \"inputs\", \"outputs\"}, ...]}\n"
    "  -h, --help\n";

typedef struct zoo_row {
  const char *name, *desc;
  enn_status st;
  char err[512];
  enn_graph_stats gs;
  enn_tensor_desc in, out;
  char in_name[128], out_name[128];
  bool has_in, has_out;
} zoo_row;

static void collect(zoo_row *r, int32_t i) {
  memset(r, 0, sizeof *r);
  r->name = enn_zoo_name(i);
  r->desc = enn_zoo_description(i);
  enn_graph *g = NULL;
  enn_clear_error();
  r->st = enn_zoo_build(r->name, NULL, NULL, &g);
  if (!r->st) r->st = enn_graph_stats_get(g, &r->gs);
  if (r->st) {
    snprintf(r->err, sizeof r->err, "%s", enn_last_error()[0] ? enn_last_error() : enn_status_name(r->st));
    enn_graph_destroy(g);
    return;
  }
  if (enn_graph_num_inputs(g) > 0)
    r->has_in = enn_graph_tensor(g, enn_graph_input(g, 0), NULL, &r->in, NULL) == ENN_OK;
  if (enn_graph_num_outputs(g) > 0)
    r->has_out = enn_graph_tensor(g, enn_graph_output(g, 0), NULL, &r->out, NULL) == ENN_OK;
  const char *nm = NULL;
  if (r->has_in && enn_graph_tensor(g, enn_graph_input(g, 0), &nm, NULL, NULL) == ENN_OK)
    snprintf(r->in_name, sizeof r->in_name, "%s", nm ? nm : "");
  if (r->has_out && enn_graph_tensor(g, enn_graph_output(g, 0), &nm, NULL, NULL) == ENN_OK)
    snprintf(r->out_name, sizeof r->out_name, "%s", nm ? nm : "");
  enn_graph_destroy(g);
}

int cmd_zoo(int argc, char **argv) {
  int json = 0;
  const cli_opt opts[] = {{"--json", NULL, false, &json, NULL, 0, NULL}};
  const char *pos[1];
  int n_pos;
  bool help;
  int rc = cli_parse(argc, argv, "zoo", opts, 1, pos, 0, &n_pos, &help);
  if (rc) return rc;
  if (help) {
    cli_print_help(cmd_zoo_help);
    return CLI_EXIT_OK;
  }
  int32_t n = enn_zoo_count();
  if (n <= 0) return cli_error("this edgenn has no zoo architectures built in");
  zoo_row *rows = calloc((size_t)n, sizeof *rows);
  if (!rows) return cli_error("out of memory");
  int failed = 0;
  for (int32_t i = 0; i < n; i++) {
    collect(&rows[i], i);
    failed += rows[i].st != ENN_OK;
  }
  char a[32], b[32], c[32], s[96];
  if (json) {
    printf("{\n  \"architectures\": [\n");
    for (int32_t i = 0; i < n; i++) {
      const zoo_row *r = &rows[i];
      printf("    {\"name\": ");
      cli_json_str(stdout, r->name);
      printf(", \"description\": ");
      cli_json_str(stdout, r->desc);
      if (r->st) {
        printf(", \"params\": null, \"macs\": null, \"weights_bytes\": null, \"error\": ");
        cli_json_str(stdout, r->err);
      } else {
        printf(", \"params\": %lld, \"macs\": %lld, \"weights_bytes\": %lld, \"inputs\": [", (long long)r->gs.params,
               (long long)r->gs.macs, (long long)r->gs.weights_bytes);
        if (r->has_in) cli_json_desc(stdout, r->in_name, &r->in);
        printf("], \"outputs\": [");
        if (r->has_out) cli_json_desc(stdout, r->out_name, &r->out);
        printf("]");
      }
      printf("}%s\n", i + 1 < n ? "," : "");
    }
    printf("  ],\n  \"count\": %d\n}\n", n);
  } else {
    printf("%-20s %9s %9s %11s  %-16s %s\n", "architecture", "params", "MACs", "weights", "input", "description");
    for (int32_t i = 0; i < n; i++) {
      const zoo_row *r = &rows[i];
      if (r->st) {
        printf("%-20s error: %s\n", r->name, r->err);
        continue;
      }
      printf("%-20s %9s %9s %11s  %-16s %s\n", r->name, cli_count_str((double)r->gs.params, a, sizeof a),
             cli_count_str((double)r->gs.macs, b, sizeof b), cli_bytes_str((double)r->gs.weights_bytes, c, sizeof c),
             r->has_in ? cli_shape_str(&r->in, s, sizeof s) : "-", r->desc);
    }
    printf("\n(defaults: width 1.0, the architecture's own resolution and classes; MACs per inference)\n");
  }
  free(rows);
  if (failed) return cli_error("%d of %d zoo architectures failed to build", failed, n);
  return CLI_EXIT_OK;
}
