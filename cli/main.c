/* lawqa — retrieval-augmented legal question answering for Chinese law. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"index", cmd_index, "index a statute corpus into a database"},
    {"search", cmd_search, "rank articles for a query"},
    {"article", cmd_article, "print one article: LAW NUMBER"},
    {"ask", cmd_ask, "answer a legal question with cited articles"},
    {"serve", cmd_serve, "run the REST service"},
    {"eval", cmd_eval, "measure retrieval on an evaluation set"},
    {"generate", cmd_generate, "run a GGUF model on a prompt"},
    {"bench-gen", cmd_bench_gen, "measure prefill and decode speed of a GGUF model"},
};

static void usage(FILE *f) {
  fprintf(f, "usage: lawqa COMMAND [options]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\n'lawqa COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "lawqa: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
