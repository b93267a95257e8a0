/* Quoted phrases: the parts of a query in quotes ("…", “…”, 「…」, 『…』)
 * must appear in an article as written, the way a lawyer expects from any
 * search box.  FTS5 answers that from its positions: each phrase becomes
 * an FTS5 string, and the rows that hold every one of them are the only
 * ones the arms may return.
 *
 * A phrase is cut where the tokenizer starts a new run (at punctuation,
 * and between ASCII words and ideographs): a run's first character is a
 * position of its own in a document, so a phrase across runs would never
 * match.  The pieces are AND-ed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indexer.h"
#include "internal.h"

/* Phrase pieces looked up at most: each is a lookup in FTS5, and a hostile
 * query could hold thousands.  More than a person quotes. */
#define MAX_PIECES 32

typedef struct {
  const char *text;
  rt_buf *out;
  int start, end; /* the piece being built, -1 when none */
  int *n_pieces;  /* written so far, over the whole query */
} pieces;

/* Writes the current piece as an FTS5 string ("" inside is doubled). */
static void flush_piece(pieces *p) {
  if (p->start < 0) return;
  if (*p->n_pieces == MAX_PIECES) { /* the rest of the quotes only rank as words */
    p->start = -1;
    return;
  }
  (*p->n_pieces)++;
  if (p->out->len) rt_buf_put(p->out, " AND ", 5);
  rt_buf_put(p->out, "\"", 1);
  for (int i = p->start; i < p->end; i++)
    rt_buf_put(p->out, p->text[i] == '"' ? "\"\"" : p->text + i, p->text[i] == '"' ? 2 : 1);
  rt_buf_put(p->out, "\"", 1);
  p->start = -1;
}

/* Tokens that overlap (the pairs of one run) belong to one piece. */
static int piece_token(void *ctx, int flags, const char *tok, int len, int start, int end) {
  (void)flags;
  (void)tok;
  (void)len;
  pieces *p = ctx;
  if (p->start >= 0 && start >= p->end) flush_piece(p);
  if (p->start < 0) {
    p->start = start;
    p->end = end;
  } else if (end > p->end) {
    p->end = end;
  }
  return 0;
}

static void add_phrase(rt_buf *out, int *n_pieces, const char *s, size_t n) {
  pieces p = {.text = s, .out = out, .start = -1, .end = -1, .n_pieces = n_pieces};
  if (n > 1 << 20) return;
  ix_tokenize(s, (int)n, 1, piece_token, &p);
  flush_piece(&p);
}

static const char *const opens[] = {"\"", "\xe2\x80\x9c", "\xe3\x80\x8c", "\xe3\x80\x8e"};
static const char *const closes[] = {"\"", "\xe2\x80\x9d", "\xe3\x80\x8d", "\xe3\x80\x8f"};

int rt_phrase_expr(const char *query, char **expr) {
  rt_buf out = {0};
  int n_pieces = 0;
  *expr = NULL;
  for (const char *s = query; *s;) {
    size_t q = 0;
    while (q < 4 && strncmp(s, opens[q], strlen(opens[q])))
      q++;
    if (q == 4) {
      s++;
      continue;
    }
    const char *body = s + strlen(opens[q]), *close = strstr(body, closes[q]);
    if (!close) break; /* an unclosed quote quotes nothing */
    add_phrase(&out, &n_pieces, body, (size_t)(close - body));
    s = close + strlen(closes[q]);
  }
  if (out.oom) {
    free(out.p);
    return -1;
  }
  *expr = out.p; /* NULL when nothing was quoted */
  return 0;
}

int rt_phrase_rows(rt_handle *h, const char *expr, bool *rows, size_t n_rows, size_t *n_found,
                   char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  *n_found = 0;
  memset(rows, 0, n_rows * sizeof *rows);
  if (sqlite3_prepare_v2(h->db, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?1", -1,
                         &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "phrase search: %s", sqlite3_errmsg(h->db));
    return -1;
  }
  sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0);
    if (id > 0 && (uint64_t)id < n_rows && !rows[id]) {
      rows[id] = true;
      (*n_found)++;
    }
  }
  if (rc != SQLITE_DONE) snprintf(err, errlen, "phrase search: %s", sqlite3_errmsg(h->db));
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}
