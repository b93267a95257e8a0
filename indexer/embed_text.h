/* embed_text — what the indexer embeds for one unit, cut into windows that
 * fit the model, and the progress bar of the embedding step. */
#ifndef LAWQA_INDEXER_EMBED_TEXT_H
#define LAWQA_INDEXER_EMBED_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "generator.h"

/* Tokens per window.  Most articles fit in one; long case sections and
 * interpretations are split so that mean pooling does not wash out their
 * parts, and each window repeats the law title and hierarchy (the context
 * a reader needs to place the text).  Consecutive windows overlap so a
 * sentence cut at a boundary is whole in one of them. */
#define IX_EMBED_WINDOW 384
#define IX_EMBED_OVERLAP 48
/* KV cache of the embedding model.  gen_embed packs several windows into
 * it back to back (each attends only to itself), so a larger cache means
 * fewer partly filled forward calls. */
#define IX_EMBED_CTX 2048

/* Window length for a model: IX_EMBED_WINDOW, or less when the model was
 * trained on a shorter context. */
int ix_embed_window(const gen_info *gi);

/* Hash of the text a unit is embedded from (and of the windowing rules),
 * the key of its stored vector. */
uint64_t ix_embed_text_hash(const char *title, const char *path, const char *label,
                            const char *text);

typedef struct {
  char **texts;   /* malloc'd windows */
  float *weights; /* share of the unit's text in each window */
  int *tokens;    /* estimated tokens of each window */
  int n;
} ix_windows;

/* Cuts "title path\nlabel text" into windows of at most `window` tokens
 * of m's tokenizer.  0 or -1 with err. */
int ix_embed_windows(const gen_model *m, int window, const char *title, const char *path, const char *label,
                     const char *text, ix_windows *w, char *err, size_t errlen);
void ix_windows_free(ix_windows *w);

/* Progress bar with rate and ETA on stderr, only when enabled and stderr
 * is a terminal. */
typedef struct {
  int on;
  size_t total, done;
  uint64_t tokens;
  double t0, last;
} ix_progress;

void ix_progress_begin(ix_progress *p, int enabled, size_t total);
void ix_progress_add(ix_progress *p, size_t units, int tokens);
void ix_progress_end(ix_progress *p);

#endif
