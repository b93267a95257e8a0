/* embed_text — unit text, windows and the embedding progress bar. */
#include "embed_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "embed_store.h"

/* Bump when the text layout or windowing changes: every vector is then
 * embedded again (its key changes). */
#define EMBED_FORMAT "lawqa-embed-1"

uint64_t ix_embed_text_hash(const char *title, const char *path, const char *label,
                            const char *text) {
  char rules[64];
  snprintf(rules, sizeof rules, "%s/%d/%d", EMBED_FORMAT, IX_EMBED_WINDOW, IX_EMBED_OVERLAP);
  const char *parts[] = {rules, title, path, label, text};
  uint64_t h = IX_FNV_INIT;
  for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
    const char *s = parts[i] ? parts[i] : "";
    h = ix_fnv1a(s, strlen(s) + 1, h); /* the NUL separates the parts */
  }
  return h;
}

static char *header_of(const char *title, const char *path, const char *label) {
  size_t n = strlen(title) + strlen(path) + strlen(label) + 4;
  char *h = malloc(n);
  if (h) snprintf(h, n, "%s%s%s\n%s ", title, *path ? " " : "", path, label);
  return h;
}

static int count_tokens(const gen_model *m, const char *s, char *err, size_t errlen) {
  int32_t one;
  return gen_tokenize(m, s, 0, 0, &one, 0, err, errlen);
}

/* Byte offsets of the UTF-8 characters of s (plus the end). */
static size_t *char_offsets(const char *s, size_t *nchars) {
  size_t len = strlen(s), n = 0;
  size_t *off = malloc((len + 1) * sizeof *off);
  if (!off) return NULL;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) off[n++] = i;
  off[n] = len;
  *nchars = n;
  return off;
}

static int push_window(ix_windows *w, int cap, const char *header, const char *body, size_t len,
                       float weight, int tokens) {
  if (w->n == cap) return -1;
  size_t hl = strlen(header);
  char *t = malloc(hl + len + 1);
  if (!t) return -1;
  memcpy(t, header, hl);
  memcpy(t + hl, body, len);
  t[hl + len] = '\0';
  w->texts[w->n] = t;
  w->weights[w->n] = weight;
  w->tokens[w->n] = tokens;
  w->n++;
  return 0;
}

static int alloc_windows(ix_windows *w, int n) {
  w->texts = calloc((size_t)n, sizeof *w->texts);
  w->weights = calloc((size_t)n, sizeof *w->weights);
  w->tokens = calloc((size_t)n, sizeof *w->tokens);
  return w->texts && w->weights && w->tokens ? 0 : -1;
}

/* Splits body into windows of about `per` body tokens with `overlap`
 * tokens shared, cutting on character boundaries in proportion to the
 * measured tokens per character (statute text is uniform enough). */
static int split(ix_windows *w, int window, const char *header, int htok, const char *body,
                 int btok) {
  size_t nch = 0;
  size_t *off = char_offsets(body, &nch);
  if (!off) return -1;
  int per = window - htok - 8; /* slack for BOS and boundary effects */
  if (per < 2 * IX_EMBED_OVERLAP) per = 2 * IX_EMBED_OVERLAP;
  int stride = per - IX_EMBED_OVERLAP;
  int nwin = (btok - IX_EMBED_OVERLAP + stride - 1) / stride;
  if (nwin < 1) nwin = 1;
  double cpt = (double)nch / btok; /* characters per token */
  int rc = alloc_windows(w, nwin);
  for (int i = 0; rc == 0 && i < nwin; i++) {
    size_t c0 = (size_t)(i * stride * cpt);
    size_t c1 = i == nwin - 1 ? nch : (size_t)((i * stride + per) * cpt);
    if (c1 > nch) c1 = nch;
    if (c0 >= c1) break;
    int tok = (int)((c1 - c0) / cpt) + htok;
    rc = push_window(w, nwin, header, body + off[c0], off[c1] - off[c0],
                     (float)(c1 - c0) / (float)nch, tok);
  }
  free(off);
  return rc;
}

int ix_embed_window(const gen_info *gi) {
  int w = IX_EMBED_WINDOW;
  if (gi->n_ctx_train > 0 && gi->n_ctx_train - 8 < w) w = gi->n_ctx_train - 8;
  return w < 4 * IX_EMBED_OVERLAP ? 4 * IX_EMBED_OVERLAP : w;
}

int ix_embed_windows(const gen_model *m, int window, const char *title, const char *path,
                     const char *label, const char *text, ix_windows *w, char *err, size_t errlen) {
  memset(w, 0, sizeof *w);
  char *header = header_of(title ? title : "", path ? path : "", label ? label : "");
  if (!header) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (!text) text = "";
  int htok = count_tokens(m, header, err, errlen);
  int btok = htok < 0 ? -1 : count_tokens(m, text, err, errlen);
  int rc = -1;
  if (htok >= 0 && btok >= 0) {
    if (htok + btok <= window - 8 || !*text)
      rc = alloc_windows(w, 1) || push_window(w, 1, header, text, strlen(text), 1.0f, htok + btok)
               ? -1
               : 0;
    else
      rc = split(w, window, header, htok, text, btok);
    if (rc) snprintf(err, errlen, "out of memory");
  }
  free(header);
  if (rc) ix_windows_free(w);
  return rc;
}

void ix_windows_free(ix_windows *w) {
  for (int i = 0; w->texts && i < w->n; i++)
    free(w->texts[i]);
  free(w->texts);
  free(w->weights);
  free(w->tokens);
  memset(w, 0, sizeof *w);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void draw(ix_progress *p) {
  double dt = now_s() - p->t0;
  int filled = p->total ? (int)(p->done * 30 / p->total) : 30;
  double rate = dt > 0 ? p->tokens / dt : 0;
  double eta = p->done ? dt * (double)(p->total - p->done) / (double)p->done : 0;
  long e = (long)eta;
  fprintf(stderr, "\rembedding [%.*s%*s] %zu/%zu  %.0f tok/s  ETA %ld:%02ld:%02ld ", filled,
          "##############################", 30 - filled, "", p->done, p->total, rate, e / 3600,
          e / 60 % 60, e % 60);
}

void ix_progress_begin(ix_progress *p, int enabled, size_t total) {
  memset(p, 0, sizeof *p);
  p->on = enabled && total > 0 && isatty(STDERR_FILENO);
  p->total = total;
  p->t0 = p->last = now_s();
  if (p->on) draw(p);
}

void ix_progress_add(ix_progress *p, size_t units, int tokens) {
  p->done += units;
  p->tokens += (uint64_t)(tokens > 0 ? tokens : 0);
  if (!p->on) return;
  double t = now_s();
  if (t - p->last < 0.2 && p->done < p->total) return; /* redraw 5 times a second */
  p->last = t;
  draw(p);
}

void ix_progress_end(ix_progress *p) {
  if (!p->on) return;
  draw(p);
  fputc('\n', stderr);
  p->on = 0;
}
