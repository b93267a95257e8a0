/* The lawqa subcommands.  Each takes argv with argv[0] = the subcommand's
 * name and returns the process exit status. */
#ifndef LAWQA_COMMANDS_H
#define LAWQA_COMMANDS_H

int cmd_index(int argc, char **argv);     /* cmd_index.c */
int cmd_search(int argc, char **argv);    /* cmd_search.c */
int cmd_article(int argc, char **argv);   /* cmd_search.c */
int cmd_eval(int argc, char **argv);      /* cmd_eval.c */
int cmd_generate(int argc, char **argv);  /* cmd_generate.c */
int cmd_bench_gen(int argc, char **argv); /* cmd_generate.c */
int cmd_serve(int argc, char **argv);     /* cmd_serve.c */
int cmd_ask(int argc, char **argv);       /* cmd_serve.c */

#endif
