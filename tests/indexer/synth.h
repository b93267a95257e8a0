/* Synthetic data for the indexer and retriever tests: hand-built st_doc
 * structs (no parser involved) and small Markdown corpora in a temp dir.
 * Everything here is made up for the tests. */
#ifndef LAWQA_TESTS_SYNTH_H
#define LAWQA_TESTS_SYNTH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "statutes.h"

/* A temp directory, removed with rm -rf by synth_rmdir. */
static inline char *synth_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  char tmpl[512];
  snprintf(tmpl, sizeof tmpl, "%s/lawqa-test-XXXXXX", base && *base ? base : "/tmp");
  char *d = mkdtemp(tmpl);
  return d ? strdup(d) : NULL;
}

static inline void synth_rmdir(char *dir) {
  if (!dir) return;
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  free(dir);
}

static inline void synth_write(const char *dir, const char *rel, const char *text) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  char *slash = strrchr(path, '/');
  *slash = '\0';
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
  if (system(cmd) != 0) abort();
  *slash = '/';
  FILE *f = fopen(path, "w");
  if (!f) abort();
  fputs(text, f);
  fclose(f);
}

/* A document of n articles with the given texts, built without a parser. */
typedef struct {
  st_doc doc;
  st_unit units[16];
  char labels[16][64];
} synth_doc;

static inline void synth_make(synth_doc *s, const char *title, const char *category,
                              const char *version_date, uint64_t hash, const char *const *texts,
                              size_t n) {
  memset(s, 0, sizeof *s);
  s->doc.title = title;
  s->doc.category = category;
  s->doc.source_path = title;
  s->doc.version_date = version_date;
  s->doc.first_date = version_date;
  s->doc.content_hash = hash;
  s->doc.units = s->units;
  s->doc.n_units = n;
  for (size_t i = 0; i < n && i < 16; i++) {
    char cn[32];
    st_int_to_cn((long)i + 1, cn, sizeof cn);
    snprintf(s->labels[i], sizeof s->labels[i], "第%s条", cn);
    s->units[i] = (st_unit){.kind = ST_UNIT_ARTICLE,
                            .number = (int)i + 1,
                            .label = s->labels[i],
                            .path = "第一章 总则",
                            .text = texts[i],
                            .n_paragraphs = 1};
  }
}

#endif
