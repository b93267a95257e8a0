/* The "lawqa" FTS5 tokenizer: CJK unigrams + bigrams for documents, bigrams
 * for queries, folded ASCII words.  In a document each character after the
 * first of a run shares its position with the pair it ends (数 数额|额
 * 额较|较 …), so pairs follow each other position by position and an FTS5
 * phrase of a query's pairs finds the characters written together.
 *
 * Chinese has no spaces, so a document's run of ideographs is indexed as
 * every character (so that a one-character query still finds something)
 * and every overlapping pair of characters (which carries most of the
 * meaning: 借款, 合同, 盗窃).  A query run of two or more ideographs only
 * asks for its pairs: the single characters would match nearly every
 * article and both slow the search down and dilute BM25.  A query run of a
 * single ideograph asks for that character.
 *
 * ASCII letters and digits (full-width forms folded to ASCII, letters
 * lower-cased) form words.  Everything else separates tokens. */
#include <string.h>

#include <sqlite3.h>

#include "indexer.h"

#define IX_MAX_WORD 64 /* longer ASCII runs are cut into pieces */

/* Decodes one UTF-8 sequence at s[0..len).  Returns its byte length (>= 1)
 * and the code point, or length 1 and -1 for an invalid byte. */
static int utf8_decode(const unsigned char *s, int len, long *cp) {
  unsigned c = s[0];
  int n;
  long v;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    v = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    v = c & 0x07;
  } else {
    *cp = -1;
    return 1;
  }
  if (n > len) {
    *cp = -1;
    return 1;
  }
  for (int i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) {
      *cp = -1;
      return 1;
    }
    v = (v << 6) | (s[i] & 0x3F);
  }
  /* overlong forms and surrogates are invalid */
  if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
      (v >= 0xD800 && v <= 0xDFFF)) {
    *cp = -1;
    return 1;
  }
  *cp = v;
  return n;
}

static int is_cjk(long cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3134F) || cp == 0x3007;
}

/* Folds full-width ASCII to ASCII and upper-case letters to lower case;
 * returns the ASCII letter or digit, or 0 when cp is not one. */
static int ascii_word_char(long cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;
  if (cp >= 'A' && cp <= 'Z') return (int)(cp - 'A' + 'a');
  if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) return (int)cp;
  return 0;
}

/* Joins two adjacent ideographs into a bigram and emits it. */
static int emit_pair(const char *text, int pstart, int pend, int cstart, int cend, ix_token_fn fn,
                     void *ctx) {
  char tok[8];
  int l1 = pend - pstart, l2 = cend - cstart;
  memcpy(tok, text + pstart, (size_t)l1);
  memcpy(tok + l1, text + cstart, (size_t)l2);
  return fn(ctx, 0, tok, l1 + l2, pstart, cend);
}

int ix_tokenize(const char *text, int len, int query_mode, ix_token_fn fn, void *ctx) {
  const unsigned char *s = (const unsigned char *)text;
  char word[IX_MAX_WORD];
  int nword = 0, wstart = 0, wend = 0;
  int runlen = 0, pstart = 0, pend = 0; /* current ideograph run, its last char */
  int i = 0, rc = 0;
  while (i <= len) {
    long cp = -1;
    int n = 1;
    if (i < len) n = utf8_decode(s + i, len - i, &cp);
    int w = i < len ? ascii_word_char(cp) : 0;
    int c = i < len && is_cjk(cp);
    if ((!w || nword == IX_MAX_WORD) && nword) { /* a word ends here */
      if ((rc = fn(ctx, 0, word, nword, wstart, wend))) return rc;
      nword = 0;
    }
    if (!c && runlen) { /* a run of ideographs ends here */
      if (query_mode && runlen == 1 &&
          (rc = fn(ctx, 0, text + pstart, pend - pstart, pstart, pend)))
        return rc;
      runlen = 0;
    }
    if (i == len) break;
    if (w) {
      if (!nword) wstart = i;
      word[nword++] = (char)w;
      wend = i + n;
    }
    if (c) {
      if (runlen && (rc = emit_pair(text, pstart, pend, i, i + n, fn, ctx))) return rc;
      /* the character shares the position of the pair it ends, so that the
       * pairs of a run sit at consecutive positions: a query's phrase
       * (its pairs) then matches the same characters in a document */
      if (!query_mode && (rc = fn(ctx, runlen ? IX_TOKEN_COLOCATED : 0, text + i, n, i, i + n)))
        return rc;
      runlen++;
      pstart = i;
      pend = i + n;
    }
    i += n;
  }
  return 0;
}

/* ---- FTS5 glue ----------------------------------------------------------- */

typedef struct {
  void *pctx;
  int (*xtoken)(void *, int, const char *, int, int, int);
} fts_ctx;

static int fts_token(void *ctx, int flags, const char *tok, int len, int start, int end) {
  fts_ctx *f = ctx;
  return f->xtoken(f->pctx, flags & IX_TOKEN_COLOCATED ? FTS5_TOKEN_COLOCATED : 0, tok, len, start,
                   end);
}

static int tk_create(void *pctx, const char **argv, int argc, Fts5Tokenizer **out) {
  (void)pctx;
  (void)argv;
  if (argc) return SQLITE_ERROR; /* the tokenizer takes no options */
  static int dummy;
  *out = (Fts5Tokenizer *)&dummy; /* stateless: nothing to allocate */
  return SQLITE_OK;
}

static void tk_delete(Fts5Tokenizer *t) {
  (void)t;
}

static int tk_tokenize(Fts5Tokenizer *t, void *pctx, int flags, const char *text, int len,
                       int (*xtoken)(void *, int, const char *, int, int, int)) {
  (void)t;
  fts_ctx f = {pctx, xtoken};
  return ix_tokenize(text, len, (flags & FTS5_TOKENIZE_QUERY) != 0, fts_token, &f);
}

/* fts5_api is reached through "SELECT fts5(?1)" with a bound pointer: the
 * documented way to get it from a connection. */
static fts5_api *get_fts5_api(sqlite3 *db) {
  fts5_api *api = NULL;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK) return NULL;
  sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
  sqlite3_step(st);
  sqlite3_finalize(st);
  return api;
}

int ix_register_tokenizer(struct sqlite3 *db) {
  fts5_api *api = get_fts5_api(db);
  if (!api) return SQLITE_ERROR;
  fts5_tokenizer tk = {tk_create, tk_delete, tk_tokenize};
  return api->xCreateTokenizer(api, "lawqa", NULL, &tk, NULL);
}
