/* The BM25 postings: for every term of the lawqa tokenizer, the rows that
 * contain it with the term's count in each FTS column, plus each row's
 * token count.  They hold exactly what FTS5's bm25() reads from its own
 * index, in a form the retriever can score without running bm25() once per
 * matching row (which cost 20 ms a question: a question's terms match tens
 * of thousands of rows).  The layout is the contract in indexer.h.
 *
 * They are rebuilt from the articles table whenever a build changed
 * something: tokenizing the whole corpus again takes about a second, much
 * less than keeping an incremental structure right across versions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { COL_TITLE, COL_PATH, COL_TEXT, N_COLS };

typedef struct {
  unsigned char *p;
  size_t n, cap;
} bytes;

typedef struct {
  uint32_t key;      /* offset of the term's bytes in the key arena */
  uint16_t len;      /* its length */
  uint32_t df;       /* rows seen so far */
  uint32_t last_row; /* the last row written to post */
  int32_t slot;      /* index in the current row's tally, -1 when absent */
  bytes post;
} term;

typedef struct {
  uint32_t term;
  uint32_t tf[N_COLS];
} tally;

typedef struct {
  term *terms;
  size_t n_terms, cap_terms;
  uint32_t *table; /* open addressing: term index + 1, 0 = empty */
  size_t table_cap;
  bytes keys;
  tally *row; /* the current row's distinct terms */
  size_t n_row, cap_row;
  uint32_t row_tokens; /* positions in the current row */
  int col;
  int oom;
} builder;

static int bytes_reserve(bytes *b, size_t extra) {
  if (b->n + extra <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 16;
  while (cap < b->n + extra)
    cap *= 2;
  unsigned char *p = realloc(b->p, cap);
  if (!p) return -1;
  b->p = p;
  b->cap = cap;
  return 0;
}

static int put_varint(bytes *b, uint64_t v) {
  if (bytes_reserve(b, 10)) return -1;
  while (v >= 0x80) {
    b->p[b->n++] = (unsigned char)(v | 0x80);
    v >>= 7;
  }
  b->p[b->n++] = (unsigned char)v;
  return 0;
}

static uint32_t hash_bytes(const char *s, int len) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (int i = 0; i < len; i++)
    h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static int grow_table(builder *b) {
  size_t cap = b->table_cap ? 2 * b->table_cap : 1 << 16;
  uint32_t *t = calloc(cap, sizeof *t);
  if (!t) return -1;
  for (size_t i = 0; i < b->n_terms; i++) {
    const term *x = &b->terms[i];
    size_t j = hash_bytes((const char *)b->keys.p + x->key, x->len) & (cap - 1);
    while (t[j])
      j = (j + 1) & (cap - 1);
    t[j] = (uint32_t)i + 1;
  }
  free(b->table);
  b->table = t;
  b->table_cap = cap;
  return 0;
}

/* The index of a term, added when new; -1 when out of memory. */
static int64_t intern(builder *b, const char *tok, int len) {
  if (2 * (b->n_terms + 1) > b->table_cap && grow_table(b)) return -1;
  size_t j = hash_bytes(tok, len) & (b->table_cap - 1);
  for (; b->table[j]; j = (j + 1) & (b->table_cap - 1)) {
    const term *x = &b->terms[b->table[j] - 1];
    if (x->len == len && !memcmp(b->keys.p + x->key, tok, (size_t)len)) return b->table[j] - 1;
  }
  if (b->n_terms == b->cap_terms) {
    size_t cap = b->cap_terms ? 2 * b->cap_terms : 1 << 14;
    term *p = realloc(b->terms, cap * sizeof *p);
    if (!p) return -1;
    b->terms = p;
    b->cap_terms = cap;
  }
  if (bytes_reserve(&b->keys, (size_t)len)) return -1;
  term *x = &b->terms[b->n_terms];
  *x = (term){.key = (uint32_t)b->keys.n, .len = (uint16_t)len, .slot = -1};
  memcpy(b->keys.p + b->keys.n, tok, (size_t)len);
  b->keys.n += (size_t)len;
  b->table[j] = (uint32_t)++b->n_terms;
  return (int64_t)b->n_terms - 1;
}

static int count_token(void *ctx, int flags, const char *tok, int len, int start, int end) {
  (void)start;
  (void)end;
  builder *b = ctx;
  int64_t t = intern(b, tok, len);
  if (t < 0) return b->oom = 1;
  term *x = &b->terms[t];
  if (x->slot < 0) {
    if (b->n_row == b->cap_row) {
      size_t cap = b->cap_row ? 2 * b->cap_row : 1024;
      tally *p = realloc(b->row, cap * sizeof *p);
      if (!p) return b->oom = 1;
      b->row = p;
      b->cap_row = cap;
    }
    x->slot = (int32_t)b->n_row;
    b->row[b->n_row++] = (tally){.term = (uint32_t)t};
  }
  b->row[x->slot].tf[b->col]++;
  /* FTS5's column sizes count positions: colocated tokens add none */
  if (!(flags & IX_TOKEN_COLOCATED)) b->row_tokens++;
  return 0;
}

/* Appends the current row to the postings of each of its terms. */
static int flush_row(builder *b, uint32_t row) {
  for (size_t i = 0; i < b->n_row; i++) {
    const tally *c = &b->row[i];
    term *x = &b->terms[c->term];
    uint64_t head =
        (uint64_t)c->tf[COL_TEXT] << 2 | (c->tf[COL_TITLE] ? 2u : 0u) | (c->tf[COL_PATH] ? 1u : 0u);
    if (put_varint(&x->post, row - x->last_row) || put_varint(&x->post, head) ||
        (c->tf[COL_TITLE] && put_varint(&x->post, c->tf[COL_TITLE])) ||
        (c->tf[COL_PATH] && put_varint(&x->post, c->tf[COL_PATH])))
      return -1;
    x->last_row = row;
    x->df++;
    x->slot = -1;
  }
  b->n_row = 0;
  return 0;
}

static void put_u32le(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}

typedef struct {
  unsigned char *blob; /* doc_stats.data */
  uint32_t n;          /* rows: article ids 0 .. n-1 */
  uint64_t tokens;     /* over every row */
} rows;

/* Tokenizes every article as the FTS table has it (law title, path, text)
 * into the builder, and fills the per-row statistics. */
static int read_rows(sqlite3 *db, builder *b, rows *r, char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  int rc = -1;
  if (sqlite3_prepare_v2(db, "SELECT max(id) FROM articles", -1, &st, NULL) != SQLITE_OK)
    goto sql_error;
  r->n = sqlite3_step(st) == SQLITE_ROW ? (uint32_t)sqlite3_column_int64(st, 0) + 1 : 1;
  sqlite3_finalize(st);
  if (!(r->blob = calloc(r->n, IX_DOC_STATS_BYTES))) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  static const char *const sql =
      "SELECT a.id, a.version_id, a.kind, l.title, a.path, a.text FROM articles a"
      " JOIN versions v ON v.id=a.version_id JOIN laws l ON l.id=v.law_id ORDER BY a.id";
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) goto sql_error;
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    uint32_t id = (uint32_t)sqlite3_column_int64(st, 0);
    b->row_tokens = 0;
    for (int c = 0; c < N_COLS; c++) {
      b->col = c;
      const char *text = (const char *)sqlite3_column_text(st, 3 + c);
      if (text && ix_tokenize(text, sqlite3_column_bytes(st, 3 + c), 0, count_token, b) < 0)
        b->oom = 1;
    }
    if (b->oom || flush_row(b, id)) {
      snprintf(err, errlen, "out of memory");
      goto done;
    }
    unsigned char *p = r->blob + (size_t)id * IX_DOC_STATS_BYTES;
    put_u32le(p, b->row_tokens);
    put_u32le(p + 4, (uint32_t)sqlite3_column_int64(st, 1));
    p[8] = (unsigned char)sqlite3_column_int(st, 2);
    r->tokens += b->row_tokens;
  }
  if (step != SQLITE_DONE) goto sql_error;
  rc = 0;
  goto done;
sql_error:
  snprintf(err, errlen, "reading articles: %s", sqlite3_errmsg(db));
done:
  sqlite3_finalize(st);
  return rc;
}

static int write_all(sqlite3 *db, const builder *b, const rows *r, char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  char *msg = NULL;
  if (sqlite3_exec(db, "DELETE FROM postings; DELETE FROM doc_stats", NULL, NULL, &msg) !=
      SQLITE_OK)
    goto exec_error;
  if (sqlite3_prepare_v2(db, "INSERT INTO postings(term, df, data) VALUES(?1,?2,?3)", -1, &st,
                         NULL) != SQLITE_OK)
    goto sql_error;
  for (size_t i = 0; i < b->n_terms; i++) {
    const term *x = &b->terms[i];
    sqlite3_bind_text(st, 1, (const char *)b->keys.p + x->key, x->len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, x->df);
    sqlite3_bind_blob(st, 3, x->post.p, (int)x->post.n, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) goto sql_error;
  }
  sqlite3_finalize(st);
  st = NULL;
  if (sqlite3_prepare_v2(db, "INSERT INTO doc_stats(id, n, data) VALUES(1,?1,?2)", -1, &st, NULL) !=
      SQLITE_OK)
    goto sql_error;
  sqlite3_bind_int64(st, 1, r->n);
  sqlite3_bind_blob64(st, 2, r->blob, (sqlite3_uint64)r->n * IX_DOC_STATS_BYTES, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_DONE) goto sql_error;
  sqlite3_finalize(st);
  char sql[128];
  snprintf(sql, sizeof sql,
           "INSERT OR REPLACE INTO meta VALUES('n_tokens','%llu');"
           "INSERT OR REPLACE INTO meta SELECT 'n_docs', count(*) FROM articles",
           (unsigned long long)r->tokens);
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) goto exec_error;
  return 0;
sql_error:
  snprintf(err, errlen, "writing postings: %s", sqlite3_errmsg(db));
  sqlite3_finalize(st);
  return -1;
exec_error:
  snprintf(err, errlen, "writing postings: %s", msg ? msg : sqlite3_errmsg(db));
  sqlite3_free(msg);
  return -1;
}

int ix_postings_build(sqlite3 *db, char *err, size_t errlen) {
  builder b = {0};
  rows r = {0};
  int rc = read_rows(db, &b, &r, err, errlen);
  if (!rc) rc = write_all(db, &b, &r, err, errlen);
  for (size_t i = 0; i < b.n_terms; i++)
    free(b.terms[i].post.p);
  free(b.terms);
  free(b.table);
  free(b.keys.p);
  free(b.row);
  free(r.blob);
  return rc;
}
