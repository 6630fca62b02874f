/*
 * `edgenn convert MODEL -o OUT.enn`: loads or builds MODEL and writes the
 * native format (enn_model_save writes a temporary file and renames it, so
 * OUT is never left half-written). --optimize applies the graph passes the
 * session would (folding, fusion, dead-node removal) before saving.
 */
#include <string.h>
#include <strings.h>

#include "common.h"

const char cmd_convert_help[] =
    "usage: edgenn convert MODEL -o OUT.enn [--optimize]\n\n"
    "Writes MODEL (a file or a zoo:NAME spec) in edgenn's native .enn format.\n\n"
    "options:\n"
    "  -o, --output OUT.enn  the file to write (replaced atomically)\n"
    "  --optimize            fold batch norms and constants, fuse activations and\n"
    "                        drop dead nodes first (what a session does on load)\n"
    "  -h, --help\n";

int cmd_convert(int argc, char **argv) {
  int optimize = 0;
  const char *v_out[1];
  int c_out = 0;
  const cli_opt opts[] = {
      {"--output", "-o", true, NULL, v_out, 1, &c_out},
      {"--optimize", NULL, false, &optimize, NULL, 0, NULL},
  };
  const char *pos[1];
  int n_pos;
  bool help;
  int rc = cli_parse(argc, argv, "convert", opts, (int)(sizeof opts / sizeof opts[0]), pos, 1, &n_pos, &help);
  if (rc) return rc;
  if (help) {
    cli_print_help(cmd_convert_help);
    return CLI_EXIT_OK;
  }
  if (n_pos != 1) return cli_usage_error("'edgenn convert' needs a MODEL (see 'edgenn help convert')");
  if (!c_out) return cli_usage_error("'edgenn convert' needs -o OUT.enn");
  const char *spec = pos[0], *out = v_out[0];
  size_t l = strlen(out);
  if (l < 5 || strcasecmp(out + l - 4, ".enn") != 0)
    return cli_usage_error("convert writes the native format: name the output *.enn (got '%s')", out);
  enn_graph *g = NULL;
  if ((rc = cli_load_model(spec, &g))) return rc;
  enn_status st;
  enn_clear_error();
  if (optimize && (st = enn_graph_optimize(g, 1))) {
    rc = cli_lib_error(st, "optimising '%s'", spec);
    goto done;
  }
  enn_clear_error();
  if ((st = enn_model_save(g, out))) {
    rc = cli_lib_error(st, "cannot write '%s'", out);
    goto done;
  }
  enn_graph_stats gs;
  if (enn_graph_stats_get(g, &gs) == ENN_OK) {
    char a[32], b[32], c[32];
    printf("wrote %s: %d nodes, %s params, %s MACs, weights %s%s\n", out, gs.nodes,
           cli_count_str((double)gs.params, a, sizeof a), cli_count_str((double)gs.macs, b, sizeof b),
           cli_bytes_str((double)gs.weights_bytes, c, sizeof c), optimize ? " (optimised)" : "");
  }
  rc = CLI_EXIT_OK;
done:
  enn_graph_destroy(g);
  return rc;
}
