/* citation — finds article references in free text: 《刑法》第二百六十四条,
 * 刑法第264条, 本法第十条第二款第三项, lists and ranges.  Works on bytes:
 * anything that is not a reference, including invalid UTF-8, is skipped. */
#include <stdio.h>
#include <string.h>

#include "label.h"
#include "statutes.h"
#include "utf8.h"

#define MAX_EXPAND 64   /* articles one list or range may stand for */
#define MAX_RUN 30      /* CJK characters of an unquoted law name */
#define MAX_QUOTED 300  /* bytes between 《 and 》 */

typedef struct {
  size_t start;  /* where the citation text begins (the 《, 本, or 第) */
  size_t law_start, law_len;
  bool quoted, this_law;
} law_ctx;

typedef struct {
  st_citation *out;
  size_t cap, n;
} sink;

static bool at(const char *s, size_t len, size_t i, const char *lit) {
  size_t l = strlen(lit);
  return i <= len && len - i >= l && memcmp(s + i, lit, l) == 0;
}

static bool ends_at(const char *s, size_t i, const char *lit) {
  size_t l = strlen(lit);
  return i >= l && memcmp(s + i - l, lit, l) == 0;
}

/* Start of the code point that ends at i (walks back over continuation
 * bytes, at most three). */
static size_t prev_cp(const char *s, size_t i) {
  size_t j = i - 1;
  while (j > 0 && i - j < 4 && ((unsigned char)s[j] & 0xC0) == 0x80) j--;
  return j;
}

static int32_t cp_before(const char *s, size_t i, size_t *start) {
  if (i == 0) return -1;
  size_t j = prev_cp(s, i), n;
  int32_t c = utf8_decode(s + j, i - j, &n);
  if (c < 0 || j + n != i) return -1;
  *start = j;
  return c;
}

static size_t skip_blanks_back(const char *s, size_t i) {
  size_t j;
  int32_t c;
  while ((c = cp_before(s, i, &j)) >= 0 && utf8_is_blank(c)) i = j;
  return i;
}

static size_t skip_blanks(const char *s, size_t len, size_t i) {
  size_t n;
  while (i < len && utf8_is_blank(utf8_decode(s + i, len - i, &n))) i += n;
  return i;
}

/* A numeral at i: returns its end, 0 if none or out of range.  Blanks
 * around it are taken with it: generated and pasted text writes 第 22 条. */
static size_t numeral(const char *s, size_t len, size_t i, long *v) {
  i = skip_blanks(s, len, i);
  size_t n = numeral_prefix(s + i, len - i);
  if (n == 0 || n > 30 || !st_cn_to_int(s + i, n, v) || *v < 1 || *v > 100000) return 0;
  return skip_blanks(s, len, i + n);
}

/* ---- the reference after 第 ------------------------------------------- */

typedef struct {
  long nums[MAX_EXPAND];
  size_t n;         /* articles listed (第234、275条) */
  long range_to;    /* 第X条至第Y条 / 第X至Y条, 0 if none */
  int suffix;
  int paragraph, item;
  size_t end;
} ref;

static size_t parse_suffix(const char *s, size_t len, size_t i, int *suffix) {
  long v;
  size_t e;
  if (at(s, len, i, "之") && (e = numeral(s, len, i + 3, &v)) && v < 100) {
    *suffix = (int)v;
    return skip_blanks_back(s, e); /* the blanks after 之一 are not the citation's */
  }
  return i;
}

/* 第Y款 and 第Z项 / （Z）项 / 第（Z）项 after an article. */
static size_t parse_sub(const char *s, size_t len, size_t i, ref *r) {
  long v;
  size_t e;
  if (at(s, len, i, "第") && (e = numeral(s, len, i + 3, &v)) && at(s, len, e, "款")) {
    r->paragraph = (int)v;
    i = e + 3;
  }
  size_t j = at(s, len, i, "第") ? i + 3 : i;
  if ((e = numeral(s, len, j, &v)) && at(s, len, e, "项")) {
    r->item = (int)v;
    return e + 3;
  }
  size_t open = at(s, len, j, "（") ? 3 : at(s, len, j, "(") ? 1 : 0;
  if (open && (e = numeral(s, len, j + open, &v))) {
    size_t close = at(s, len, e, "）") ? 3 : at(s, len, e, ")") ? 1 : 0;
    if (close && at(s, len, e + close, "项")) {
      r->item = (int)v;
      return e + close + 3;
    }
  }
  return i;
}

/* Parses 第…条… at i (which holds 第).  Returns false if it is not an
 * article reference (第三人, 第一款, 第二次). */
static bool parse_ref(const char *s, size_t len, size_t i, ref *r) {
  memset(r, 0, sizeof *r);
  long v;
  size_t e = numeral(s, len, i + 3, &v);
  if (!e) return false;
  r->nums[r->n++] = v;
  /* 第234、275条 */
  while (at(s, len, e, "、") && r->n < MAX_EXPAND) {
    size_t e2 = numeral(s, len, e + 3, &v);
    if (!e2) break;
    r->nums[r->n++] = v;
    e = e2;
  }
  /* 第X至Y条 */
  if (r->n == 1 && (at(s, len, e, "至") || at(s, len, e, "到"))) {
    size_t e2 = numeral(s, len, e + 3, &v);
    if (e2 && at(s, len, e2, "条")) r->range_to = v, e = e2;
  }
  if (!at(s, len, e, "条")) return false;
  e += 3;
  e = parse_suffix(s, len, e, &r->suffix);
  /* 第X条至第Y条 */
  if (r->n == 1 && !r->range_to && (at(s, len, e, "至第") || at(s, len, e, "到第"))) {
    size_t e2 = numeral(s, len, e + 6, &v);
    if (e2 && at(s, len, e2, "条")) {
      int ignored = 0;
      r->range_to = v;
      e = parse_suffix(s, len, e2 + 3, &ignored);
    }
  }
  if (r->n == 1 && !r->range_to) e = parse_sub(s, len, e, r);
  r->end = e;
  return true;
}

/* ---- the law before 第 ------------------------------------------------- */

/* Words that join list items and let a reference inherit the law named
 * before: 第二百三十四条、第二百七十五条; 第五条和第六条. */
static bool is_connector(const char *s, size_t from, size_t to) {
  static const char *const words[] = {"、", "，", ",", "和", "及", "以及", "或", "或者", "与", "、以及"};
  size_t a = skip_blanks(s, to, from), b = skip_blanks_back(s, to);
  if (b <= a) return true;
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (b - a == strlen(words[i]) && memcmp(s + a, words[i], b - a) == 0) return true;
  return false;
}

static bool quoted_law(const char *s, size_t j, law_ctx *ctx) {
  if (!ends_at(s, j, "》")) return false;
  size_t close = j - 3, k = close;
  while (k >= 3 && close - k < MAX_QUOTED) {
    if (ends_at(s, k, "《")) {
      ctx->start = k - 3;
      ctx->law_start = k;
      ctx->law_len = close - k;
      ctx->quoted = true;
      return true;
    }
    if (ends_at(s, k, "》")) return false;
    k--;
  }
  return false;
}

/* The run of CJK characters ending at j, allowing one trailing （…） group
 * (刑法修正案（十一）).  Returns its start. */
static size_t cjk_run(const char *s, size_t j) {
  size_t i = j, p;
  int chars = 0;
  int32_t c = cp_before(s, i, &p);
  if (c == 0xFF09 || c == ')') {
    size_t k = p;
    int n = 0;
    int32_t d;
    while ((d = cp_before(s, k, &p)) >= 0 && d != 0xFF08 && d != '(' && n < 12) k = p, n++;
    if (d != 0xFF08 && d != '(') return j;
    i = p;
    chars = n + 2;
  }
  while (chars < MAX_RUN && (c = cp_before(s, i, &p)) >= 0 && utf8_is_cjk(c)) i = p, chars++;
  return i;
}

static const char *const THIS_LAW[] = {"本法", "本条例", "本规定", "本解释", "本办法", "本决定",
                                       "本细则", "本规则", "本准则", "本修正案", "本章", "本节",
                                       "本编"};

/* Structure named between a law and its article, which the law name must
 * not include: 刑法分则第九章第三百九十八条, 民法典合同编第五百条. */
static const char *const STRUCTURE[] = {"分则", "总则", "附则", "通则", "总则编", "物权编",
                                        "合同编", "人格权编", "婚姻家庭编", "继承编",
                                        "侵权责任编"};

/* Where 第X编/分编/章/节 ending at j starts, or j. */
static size_t numbered_part_start(const char *s, size_t r, size_t j) {
  static const char *const units[] = {"分编", "编", "章", "节"};
  for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
    if (j - r < strlen(units[u]) || !ends_at(s, j, units[u])) continue;
    size_t k = j - strlen(units[u]), p;
    long v;
    int digits = 0;
    while (k > r && cp_before(s, k, &p) >= 0 && st_cn_to_int(s + p, k - p, &v)) k = p, digits++;
    if (digits && k - r >= 3 && ends_at(s, k, "第")) return k - 3;
    return j;
  }
  return j;
}

static size_t strip_structure(const char *s, size_t r, size_t j) {
  for (;;) {
    size_t before = j;
    j = numbered_part_start(s, r, j);
    for (size_t i = 0; i < sizeof STRUCTURE / sizeof STRUCTURE[0]; i++) {
      size_t l = strlen(STRUCTURE[i]);
      if (j - r >= l && ends_at(s, j, STRUCTURE[i])) {
        j -= l;
        break;
      }
    }
    if (j == before) return j;
  }
}
static const char *const THAT_LAW[] = {"该法", "该条例", "该规定", "该解释", "该办法"};

static law_ctx law_before(const char *s, size_t p, const law_ctx *prev, size_t prev_end) {
  law_ctx ctx = {.start = p};
  size_t j = skip_blanks_back(s, p);
  if (prev && is_connector(s, prev_end, p)) {
    ctx = *prev;
    ctx.start = p;
    return ctx;
  }
  if (quoted_law(s, j, &ctx)) return ctx;
  /* Unquoted names must touch the 第: "见 第五条" names no law. */
  j = p;
  size_t r = cjk_run(s, j);
  if (r == j) return ctx;
  for (size_t i = 0; i < sizeof THIS_LAW / sizeof THIS_LAW[0]; i++) {
    size_t l = strlen(THIS_LAW[i]);
    if (j - r >= l && ends_at(s, j, THIS_LAW[i])) {
      ctx.start = ctx.law_start = j - l;
      ctx.law_len = l;
      ctx.this_law = true;
      return ctx;
    }
  }
  for (size_t i = 0; prev && i < sizeof THAT_LAW / sizeof THAT_LAW[0]; i++) {
    if (j - r >= strlen(THAT_LAW[i]) && ends_at(s, j, THAT_LAW[i])) {
      ctx = *prev;
      ctx.start = p;
      return ctx;
    }
  }
  j = strip_structure(s, r, j);
  ctx.law_start = r;
  ctx.law_len = j - r;
  return ctx;
}

/* ---- results ----------------------------------------------------------- */

static void emit(sink *k, const law_ctx *law, size_t start, size_t end, long article,
                 int suffix, int paragraph, int item) {
  if (k->n < k->cap) {
    st_citation *c = &k->out[k->n];
    c->start = start;
    c->end = end;
    c->law_start = law->law_len ? law->law_start : 0;
    c->law_len = law->law_len;
    c->law_quoted = law->quoted;
    c->this_law = law->this_law;
    c->article = (int)article;
    c->suffix = suffix;
    c->paragraph = paragraph;
    c->item = item;
  }
  k->n++;
}

static void emit_ref(sink *k, const law_ctx *law, const ref *r) {
  if (r->range_to > r->nums[0]) {
    long last = r->range_to;
    if (last - r->nums[0] >= MAX_EXPAND) last = r->nums[0] + MAX_EXPAND - 1;
    for (long a = r->nums[0]; a <= last; a++)
      emit(k, law, law->start, r->end, a, a == r->nums[0] ? r->suffix : 0, 0, 0);
    return;
  }
  for (size_t i = 0; i < r->n; i++) {
    bool last = i + 1 == r->n;
    emit(k, law, law->start, r->end, r->nums[i], last ? r->suffix : 0,
         r->n == 1 ? r->paragraph : 0, r->n == 1 ? r->item : 0);
  }
}

size_t st_find_citations(const char *text, size_t len, st_citation *out, size_t cap) {
  sink k = {.out = out, .cap = out ? cap : 0};
  if (!text) return 0;
  law_ctx prev;
  bool have_prev = false;
  size_t prev_end = 0, i = 0;
  while (i < len) {
    const char *hit = memmem(text + i, len - i, "第", 3);
    if (!hit) break;
    size_t p = (size_t)(hit - text);
    ref r;
    if (!parse_ref(text, len, p, &r)) {
      i = p + 3;
      continue;
    }
    law_ctx law = law_before(text, p, have_prev ? &prev : NULL, prev_end);
    emit_ref(&k, &law, &r);
    prev = law;
    have_prev = true;
    prev_end = r.end;
    i = r.end;
  }
  return k.n;
}

size_t st_format_citation(const char *title, int article, int suffix, char *buf, size_t cap) {
  if (!title || !buf || article < 1) return 0;
  char num[64], suf[64] = "";
  if (!st_int_to_cn(article, num, sizeof num)) return 0;
  if (suffix > 0) {
    char sn[32];
    if (!st_int_to_cn(suffix, sn, sizeof sn)) return 0;
    snprintf(suf, sizeof suf, "之%s", sn);
  }
  int n = snprintf(buf, cap, "《%s》第%s条%s", title, num, suf);
  if (n < 0 || (size_t)n >= cap) {
    if (cap) buf[0] = '\0';
    return 0;
  }
  return (size_t)n;
}
