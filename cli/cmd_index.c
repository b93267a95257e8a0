/* lawqa index — builds or updates a database from a statute corpus. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "indexer.h"

#define MAX_EXCLUDE 32

static void usage(FILE *f) {
  fprintf(f,
          "usage: lawqa index --corpus DIR --db FILE [--exclude FOLDER]...\n"
          "                   [--model M.gguf [--embed-layers N] [--pooling mean|last]]\n"
          "Unchanged files are skipped; a new or changed file adds a version.\n");
}

int cmd_index(int argc, char **argv) {
  const char *corpus = NULL, *db = NULL;
  const char *exclude[MAX_EXCLUDE];
  ix_opts opts = {.exclude = exclude, .progress = 1};
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
      usage(stdout);
      return 0;
    }
    if (!v) {
      fprintf(stderr, "lawqa index: %s needs a value\n", o);
      usage(stderr);
      return 2;
    }
    i++;
    if (!strcmp(o, "--corpus")) {
      corpus = v;
    } else if (!strcmp(o, "--db")) {
      db = v;
    } else if (!strcmp(o, "--exclude")) {
      if (opts.n_exclude == MAX_EXCLUDE) {
        fprintf(stderr, "lawqa index: at most %d --exclude\n", MAX_EXCLUDE);
        return 2;
      }
      exclude[opts.n_exclude++] = v;
    } else if (!strcmp(o, "--model")) {
      opts.model_path = v;
    } else if (!strcmp(o, "--embed-layers")) {
      opts.embed_layers = atoi(v);
    } else if (!strcmp(o, "--pooling")) {
      if (strcmp(v, "mean") && strcmp(v, "last")) {
        fprintf(stderr, "lawqa index: --pooling is mean or last\n");
        return 2;
      }
      opts.pooling_last = !strcmp(v, "last");
    } else {
      fprintf(stderr, "lawqa index: unknown option %s\n", o);
      usage(stderr);
      return 2;
    }
  }
  if (!corpus || !db) {
    usage(stderr);
    return 2;
  }
  ix_stats st;
  char err[1024];
  if (ix_index_corpus(db, corpus, &opts, &st, err, sizeof err)) {
    fprintf(stderr, "lawqa index: %s\n", err);
    return 1;
  }
  printf("%zu laws, %zu versions (%zu added, %zu files unchanged, %zu skipped), "
         "%zu current articles, %zu case documents, %.2f s\n",
         st.laws, st.versions, st.versions_added, st.files_unchanged, st.files_skipped,
         st.current_articles, st.case_documents, st.seconds);
  return 0;
}
