/*
 * `edgenn`: the command-line front end. Dispatches to one sub-command per
 * file (cli/cmd_*.c); handles --help, --version and `help CMD` itself.
 */
#include <string.h>

#include "common.h"

static const cli_command commands[] = {
    {"zoo", "list the built-in architectures with their params and MACs", cmd_zoo_help, cmd_zoo},
    {"info", "show a model's inputs, outputs, layers, params, MACs and memory", cmd_info_help, cmd_info},
    {"bench", "measure a model's latency, throughput and memory", cmd_bench_help, cmd_bench},
    {"run", "run a model on .npy inputs and write or summarise its outputs", cmd_run_help, cmd_run},
    {"eval", "measure a classifier's top-1 / top-5 accuracy on a dataset", cmd_eval_help, cmd_eval},
    {"convert", "write a model in the native .enn format", cmd_convert_help, cmd_convert},
    {"quantize", "post-training int8 quantisation with calibration data", cmd_quantize_help, cmd_quantize},
    {"verify", "check a model against ONNX test cases (reference outputs)", cmd_verify_help, cmd_verify},
    {"demo", "build, optimise and benchmark a few zoo models", cmd_demo_help, cmd_demo},
};
#define N_COMMANDS ((int)(sizeof commands / sizeof commands[0]))

static void print_usage(void) {
  printf("edgenn %s - CNN inference for edge devices\n\n"
         "usage: edgenn COMMAND [OPTIONS] [ARGS]\n"
         "       edgenn help COMMAND | edgenn COMMAND --help\n"
         "       edgenn --version\n\n"
         "commands:\n",
         enn_version());
  for (int i = 0; i < N_COMMANDS; i++) printf("  %-9s %s\n", commands[i].name, commands[i].summary);
  printf("\nMODEL is a file (%s) or a zoo spec: zoo:NAME[,width=W][,res=R][,classes=C][,seed=S]\n"
         "(see 'edgenn zoo' for the names).\n\n"
         "Exit status: 0 on success, 1 when the work failed, 2 for a bad command line;\n"
         "errors are one line on stderr, starting 'edgenn: error:'.\n",
         cli_model_formats());
}

static const cli_command *find_command(const char *name) {
  for (int i = 0; i < N_COMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0) return &commands[i];
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) return cli_usage_error("no command given (try 'edgenn --help')");
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    if (argc > 2) return cli_usage_error("unexpected argument '%s' after %s", argv[2], cmd);
    print_usage();
    return cli_finish(CLI_EXIT_OK);
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
    if (argc > 2) return cli_usage_error("unexpected argument '%s' after %s", argv[2], cmd);
    printf("edgenn %s\n", enn_version());
    return cli_finish(CLI_EXIT_OK);
  }
  if (strcmp(cmd, "help") == 0) {
    if (argc == 2) {
      print_usage();
      return cli_finish(CLI_EXIT_OK);
    }
    if (argc > 3) return cli_usage_error("'edgenn help' takes one command name");
    const cli_command *c = find_command(argv[2]);
    if (!c) return cli_usage_error("unknown command '%s' (try 'edgenn --help')", argv[2]);
    cli_print_help(c->help);
    return cli_finish(CLI_EXIT_OK);
  }
  if (cmd[0] == '-') return cli_usage_error("unknown option '%s' (try 'edgenn --help')", cmd);
  const cli_command *c = find_command(cmd);
  if (!c) return cli_usage_error("unknown command '%s' (try 'edgenn --help')", cmd);
  return cli_finish(c->run(argc - 1, argv + 1));
}
