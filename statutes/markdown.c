/* markdown — one corpus Markdown file to an st_doc.
 *
 * The format (LawRefBook): a '# ' title; the promulgation/amendment history
 * as dated paragraphs up to <!-- INFO END -->; then ## / ### / #### headings
 * (编/章/节) and one paragraph per line, where an article starts with
 * "第X条 ".  Files without articles number their sections 一、 / （一） /
 * 1. instead; typical cases (category 案例) are cut at their ## headings.
 * Every non-blank line is one paragraph: the corpus separates paragraphs by
 * blank lines and never wraps one over several lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dates.h"
#include "internal.h"
#include "label.h"
#include "strbuf.h"
#include "utf8.h"
#include "vec.h"

#define MAX_LEVEL 6
#define ALL_LEVELS (MAX_LEVEL + 1)
#define INFO_END "<!-- INFO END -->"

typedef enum { MODE_ARTICLE, MODE_SECTION, MODE_CASE } md_mode;

typedef struct {
  st_arena *a;
  const char *title;
  md_mode mode;
  num_style style;         /* section mode: the numbering that starts units */
  vec units, history, warnings;
  bool open;               /* cur is being filled */
  st_unit cur;
  strbuf text;
  const char *heads[MAX_LEVEL + 1]; /* heading text per level, NULL if none */
  const char *path;        /* cached join of heads; NULL when stale */
  const char *heading;     /* the latest heading's text, "" if none yet */
  const char *part;        /* first level-1 heading after the title */
  int case_ordinal;
  long last_article;       /* number of the latest article, 0 before any */
  bool oom;
} md;

/* ---- small helpers ----------------------------------------------------- */

static bool next_line(const char *buf, size_t len, size_t *pos, const char **line, size_t *n) {
  if (*pos >= len) return false;
  const char *s = buf + *pos;
  size_t rest = len - *pos, i = 0;
  while (i < rest && s[i] != '\n' && s[i] != '\r') i++;
  *line = s;
  *n = i;
  if (i < rest && s[i] == '\r' && i + 1 < rest && s[i + 1] == '\n') i++;
  *pos += i + (i < rest ? 1 : 0);
  return true;
}

static char *dup(md *m, const char *s, size_t n) {
  char *p = arena_strndup(m->a, s, n);
  if (!p) m->oom = true;
  return p;
}

static void warn(md *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(md *m, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char **slot = vec_push(&m->warnings, sizeof *slot);
  char *s = dup(m, msg, strlen(msg));
  if (!slot || !s) {
    if (slot) m->warnings.n--;
    m->oom = true;
    return;
  }
  *slot = s;
}

/* Collapses runs of blanks into one ASCII space: headings like
 * "第一章  一般规定" use two. */
static char *dup_collapsed(md *m, const char *s, size_t n) {
  char *out = arena_alloc(m->a, n + 1);
  if (!out) {
    m->oom = true;
    return NULL;
  }
  size_t o = 0, i = 0, k;
  bool blank = false;
  while (i < n) {
    int32_t c = utf8_decode(s + i, n - i, &k);
    if (utf8_is_blank(c)) {
      blank = true;
    } else {
      if (blank && o) out[o++] = ' ';
      blank = false;
      memcpy(out + o, s + i, k);
      o += k;
    }
    i += k;
  }
  out[o] = '\0';
  return out;
}

/* 1..6 for a Markdown heading line ("## 第一章 总则"), else 0. */
static int heading_level(const char *s, size_t n, const char **text, size_t *tn) {
  size_t i = 0;
  while (i < n && s[i] == '#') i++;
  if (i == 0 || i > MAX_LEVEL) return 0;
  if (i < n && s[i] != ' ' && s[i] != '\t') return 0;
  *text = s + i;
  *tn = n - i;
  utf8_trim(text, tn);
  return (int)i;
}

/* The headings above level `below` joined with '/'; with ALL_LEVELS the
 * full path, cached until the next heading. */
static const char *current_path(md *m, int below) {
  if (m->path && below == ALL_LEVELS) return m->path;
  strbuf b = {0};
  for (int l = 1; l <= MAX_LEVEL && l < below; l++) {
    if (!m->heads[l] || !m->heads[l][0]) continue;
    if (b.len) sb_putc(&b, '/');
    sb_append(&b, m->heads[l], strlen(m->heads[l]));
  }
  const char *p = b.oom ? NULL : dup(m, b.p ? b.p : "", b.len);
  if (b.oom) m->oom = true;
  sb_free(&b);
  if (below == ALL_LEVELS) m->path = p;
  return p ? p : "";
}

/* The label of a paragraph that starts an article.  "第X条" must be
 * followed by a blank, 【, [ or nothing: "第一款规定…" and "第三十一条的决
 * 定》" (a history line cut in two) continue the paragraph before. */
static size_t article_label(const char *s, size_t n, long *num, int *suffix) {
  size_t l = label_article(s, n, num, suffix), k;
  if (!l || l == n) return l;
  int32_t c = utf8_decode(s + l, n - l, &k);
  return utf8_is_blank(c) || c == 0x3010 || c == '[' ? l : 0;
}

/* ---- units ------------------------------------------------------------- */

static void close_unit(md *m) {
  if (!m->open) return;
  m->open = false;
  /* A case section or preamble without text says nothing worth indexing. */
  if (m->cur.n_paragraphs == 0 && m->cur.kind != ST_UNIT_ARTICLE &&
      m->cur.kind != ST_UNIT_SECTION)
    return;
  if (m->text.oom) m->oom = true;
  /* Ordinals count the case sections kept, so they have no gaps. */
  if (m->cur.kind == ST_UNIT_CASE) m->cur.number = ++m->case_ordinal;
  m->cur.text = dup(m, m->text.p ? m->text.p : "", m->text.len);
  st_unit *u = vec_push(&m->units, sizeof *u);
  if (!u || !m->cur.text) {
    m->oom = true;
    return;
  }
  *u = m->cur;
}

static void open_unit(md *m, st_unit_kind kind, int number, int suffix, const char *label,
                      size_t label_len, const char *path) {
  close_unit(m);
  memset(&m->cur, 0, sizeof m->cur);
  m->cur.kind = kind;
  m->cur.number = number;
  m->cur.suffix = suffix;
  m->cur.label = dup(m, label, label_len);
  m->cur.path = path;
  sb_reset(&m->text);
  m->open = true;
}

static void add_paragraph(md *m, const char *s, size_t n) {
  utf8_trim(&s, &n);
  if (n == 0) return;
  if (m->cur.n_paragraphs) sb_putc(&m->text, '\n');
  sb_append(&m->text, s, n);
  m->cur.n_paragraphs++;
}

/* Text after a heading that no label claims: a numbered heading
 * ("## 一、实际损失的赔偿范围") lends its number to a section; otherwise the
 * text is a preamble labelled by its heading (序言, 附件, or ""). */
static void open_orphan(md *m) {
  num_style st;
  long num = 0;
  size_t hl = strlen(m->heading);
  size_t l = m->mode == MODE_SECTION ? label_section(m->heading, hl, &st, &num) : 0;
  if (l) open_unit(m, ST_UNIT_SECTION, (int)num, 0, m->heading, l, current_path(m, ALL_LEVELS));
  else open_unit(m, ST_UNIT_PREAMBLE, 0, 0, m->heading, hl, current_path(m, ALL_LEVELS));
}

/* ---- lines ------------------------------------------------------------- */

static void on_heading(md *m, int level, const char *text, size_t tn) {
  close_unit(m);
  const char *h = tn ? dup_collapsed(m, text, tn) : "";
  if (!h) return;
  if (level == 1) {
    if (strcmp(h, m->title) == 0) return; /* the title repeated */
    if (!m->part && h[0]) m->part = h;
  }
  if (m->mode == MODE_CASE && level >= 2 && h[0]) {
    const char *path = current_path(m, level);
    open_unit(m, ST_UNIT_CASE, 0, 0, h, strlen(h), path);
  }
  m->heads[level] = h[0] ? h : NULL;
  for (int l = level + 1; l <= MAX_LEVEL; l++) m->heads[l] = NULL;
  m->path = NULL;
  m->heading = h;
}

/* Is 第num条之suffix the article that follows the current one? */
static bool expected_next(const md *m, long num, int suffix) {
  if (suffix == 0) return num == m->last_article + 1;
  return m->open && m->cur.kind == ST_UNIT_ARTICLE && num == m->cur.number &&
         suffix == m->cur.suffix + 1;
}

static void open_article(md *m, long num, int suffix, const char *label, size_t l) {
  open_unit(m, ST_UNIT_ARTICLE, (int)num, suffix, label, l, current_path(m, ALL_LEVELS));
  m->last_article = num;
}

/* Whether a blank (ASCII, U+00A0 or U+3000 …) ends s[0..q). */
static bool blank_before(const char *s, size_t q) {
  size_t k;
  if (q >= 1 && !(s[q - 1] & 0x80)) return utf8_is_blank(s[q - 1]);
  if (q >= 2 && utf8_is_blank(utf8_decode(s + q - 2, 2, &k)) && k == 2) return true;
  return q >= 3 && utf8_is_blank(utf8_decode(s + q - 3, 3, &k)) && k == 3;
}

/* Adds a paragraph to an article, splitting off the articles that some
 * flattened files run into one line ("… 制定本规则。 第二条 凡…"): only
 * at a blank, and only for the number expected next. */
static void add_article_text(md *m, const char *s, size_t n) {
  size_t from = 0, start = 0;
  while (from < n) {
    const char *hit = memmem(s + from, n - from, "第", 3);
    if (!hit) break;
    size_t q = (size_t)(hit - s), l;
    long num;
    int suffix;
    from = q + 3;
    if (!blank_before(s, q)) continue;
    if (!(l = article_label(s + q, n - q, &num, &suffix)) || !expected_next(m, num, suffix))
      continue;
    add_paragraph(m, s + start, q - start);
    open_article(m, num, suffix, s + q, l);
    start = from = q + l;
  }
  add_paragraph(m, s + start, n - start);
}

static void on_paragraph(md *m, const char *s, size_t n) {
  long num;
  int suffix;
  size_t l;
  if (m->mode == MODE_ARTICLE) {
    if ((l = article_label(s, n, &num, &suffix))) {
      open_article(m, num, suffix, s, l);
      add_article_text(m, s + l, n - l);
      return;
    }
    if ((l = label_article_loose(s, n, &num, &suffix)) && suffix == 0 && expected_next(m, num, 0)) {
      /* A typo: the unit gets the label as it should have been written. */
      char label[64] = "第";
      size_t cn = st_int_to_cn(num, label + 3, sizeof label - 6);
      memcpy(label + 3 + cn, "条", 4);
      warn(m, "irregular article label %.*s", (int)l, s);
      open_article(m, num, 0, label, strlen(label));
      add_article_text(m, s + l, n - l);
      return;
    }
    if (m->open && m->cur.kind == ST_UNIT_ARTICLE) {
      add_article_text(m, s, n);
      return;
    }
  }
  num_style st;
  if (m->mode == MODE_SECTION && m->style != NUM_NONE &&
      (l = label_section(s, n, &st, &num)) && st == m->style) {
    open_unit(m, ST_UNIT_SECTION, (int)num, 0, s, l, current_path(m, ALL_LEVELS));
    add_paragraph(m, s + l, n - l);
    return;
  }
  if (!m->open) open_orphan(m);
  add_paragraph(m, s, n);
}

static bool is_comment(const char *s, size_t n) {
  return n >= 7 && memcmp(s, "<!--", 4) == 0 && memcmp(s + n - 3, "-->", 3) == 0;
}

/* History: a paragraph starting with a date opens an entry; others continue
 * the entry before (long titles of amending decisions are cut over lines). */
static void on_info(md *m, strbuf *entry, const char *s, size_t n) {
  char date[11];
  if (date_parse(s, n, date) || entry->len == 0) {
    if (entry->len) {
      const char **slot = vec_push(&m->history, sizeof *slot);
      if (!slot) m->oom = true;
      else *slot = dup(m, entry->p, entry->len);
    }
    sb_reset(entry);
  }
  sb_append(entry, s, n);
}

/* Articles decide the mode; without any, the first numbering style found
 * (一、, （一）, 1.) numbers the sections. */
static void choose_mode(md *m, const char *buf, size_t len, size_t pos, const char *category) {
  if (category && strcmp(category, "案例") == 0) {
    m->mode = MODE_CASE;
    return;
  }
  m->mode = MODE_SECTION;
  m->style = NUM_NONE;
  const char *s;
  size_t n, tn;
  const char *t;
  while (next_line(buf, len, &pos, &s, &n)) {
    utf8_trim(&s, &n);
    if (n == 0 || heading_level(s, n, &t, &tn)) continue;
    long num;
    int suffix;
    if (article_label(s, n, &num, &suffix)) {
      m->mode = MODE_ARTICLE;
      return;
    }
    num_style st;
    if (m->style == NUM_NONE && label_section(s, n, &st, &num)) m->style = st;
  }
}

/* ---- the document ------------------------------------------------------ */

static void find_dates(st_doc *d, md *m, const char *source_path) {
  char best[11] = "", first[11] = "", tmp[11];
  for (size_t i = 0; i < d->n_history; i++) {
    if (!date_parse(d->history[i], strlen(d->history[i]), tmp)) continue;
    if (!best[0] || strcmp(tmp, best) > 0) memcpy(best, tmp, 11);
    if (!first[0] || strcmp(tmp, first) < 0) memcpy(first, tmp, 11);
  }
  if (source_path && date_from_filename(source_path, tmp)) memcpy(best, tmp, 11);
  d->version_date = dup(m, best, strlen(best));
  d->first_date = dup(m, first, strlen(first));
}

static int cmp_article(const void *a, const void *b) {
  const st_unit *x = *(st_unit *const *)a, *y = *(st_unit *const *)b;
  if (x->number != y->number) return x->number < y->number ? -1 : 1;
  return (x->suffix > y->suffix) - (x->suffix < y->suffix);
}

/* Duplicated article numbers are kept (the text may differ) but flagged. */
static void check_duplicates(md *m) {
  st_unit *u = m->units.p;
  size_t n = 0;
  for (size_t i = 0; i < m->units.n; i++) n += u[i].kind == ST_UNIT_ARTICLE;
  if (n < 2) return;
  st_unit **v = malloc(n * sizeof *v);
  if (!v) {
    m->oom = true;
    return;
  }
  n = 0;
  for (size_t i = 0; i < m->units.n; i++)
    if (u[i].kind == ST_UNIT_ARTICLE) v[n++] = &u[i];
  qsort(v, n, sizeof *v, cmp_article);
  size_t reported = 0;
  for (size_t i = 1; i < n; i++) {
    if (cmp_article(&v[i - 1], &v[i]) != 0) continue;
    if (++reported <= 8) warn(m, "duplicate article %s", v[i]->label);
  }
  if (reported > 8) warn(m, "%zu more duplicate articles", reported - 8);
  free(v);
}

/* Copies a vec of pointers or units into the arena. */
static void *to_arena(md *m, vec *v, size_t sz) {
  if (v->n == 0) return NULL;
  void *p = arena_alloc(m->a, v->n * sz);
  if (!p) {
    m->oom = true;
    return NULL;
  }
  memcpy(p, v->p, v->n * sz);
  return p;
}

static const char *find_title(const char *buf, size_t len, size_t *pos, size_t *tn) {
  const char *s, *t;
  size_t n;
  while (next_line(buf, len, pos, &s, &n)) {
    if (heading_level(s, n, &t, tn) == 1 && *tn > 0) return t;
  }
  return NULL;
}

static void parse_body(md *m, const char *buf, size_t len, size_t pos, size_t info_end,
                       size_t after_info) {
  strbuf entry = {0};
  const char *s, *t;
  size_t n, tn;
  int level;
  /* The info block: history paragraphs, and for part files the part's
   * own '# ' heading. */
  while (pos < info_end && next_line(buf, info_end, &pos, &s, &n)) {
    utf8_trim(&s, &n);
    if (n == 0 || is_comment(s, n)) continue;
    if ((level = heading_level(s, n, &t, &tn))) on_heading(m, level, t, tn);
    else on_info(m, &entry, s, n);
  }
  if (entry.len) {
    const char **slot = vec_push(&m->history, sizeof *slot);
    if (!slot) m->oom = true;
    else *slot = dup(m, entry.p, entry.len);
  }
  if (entry.oom) m->oom = true;
  sb_free(&entry);
  pos = after_info;
  while (next_line(buf, len, &pos, &s, &n)) {
    utf8_trim(&s, &n);
    if (n == 0 || is_comment(s, n)) continue;
    if ((level = heading_level(s, n, &t, &tn))) on_heading(m, level, t, tn);
    else on_paragraph(m, s, n);
  }
  close_unit(m);
}

static st_doc *build(md *m, const char *buf, size_t len, size_t pos, const char *source_path,
                     const char *category) {
  st_doc *d = arena_alloc(m->a, sizeof *d);
  if (!d) return NULL;
  memset(d, 0, sizeof *d);
  d->arena = m->a;
  d->title = m->title;
  d->category = dup(m, category ? category : "", category ? strlen(category) : 0);
  d->source_path = dup(m, source_path ? source_path : "", source_path ? strlen(source_path) : 0);

  const char *marker = memmem(buf + pos, len - pos, INFO_END, strlen(INFO_END));
  size_t info_end = pos, after = pos;
  if (marker) {
    info_end = (size_t)(marker - buf);
    after = info_end + strlen(INFO_END);
  }
  choose_mode(m, buf, len, after, category);
  d->is_case = m->mode == MODE_CASE;
  parse_body(m, buf, len, pos, info_end, after);
  check_duplicates(m);
  if (m->units.n == 0) warn(m, "no articles or sections found");

  d->n_history = m->history.n;
  d->history = to_arena(m, &m->history, sizeof(char *));
  d->n_units = m->units.n;
  d->units = to_arena(m, &m->units, sizeof(st_unit));
  d->n_warnings = m->warnings.n;
  d->warnings = to_arena(m, &m->warnings, sizeof(char *));
  find_dates(d, m, source_path);
  return d;
}

static bool looks_binary(const char *buf, size_t len, size_t invalid) {
  if (memchr(buf, '\0', len)) return true;
  return invalid * 8 > len; /* more than 1 byte in 8 is not UTF-8 */
}

st_doc *md_parse(const char *raw, size_t len, const char *source_path, const char *category,
                 const char **part, char *err, size_t errlen) {
  if (part) *part = NULL;
  if (!raw || len == 0) {
    set_err(err, errlen, "empty file");
    return NULL;
  }
  size_t invalid = utf8_count_invalid(raw, len);
  if (looks_binary(raw, len, invalid)) {
    set_err(err, errlen, "binary file, not Markdown");
    return NULL;
  }
  const char *buf = raw;
  size_t raw_len = len;
  char *clean = NULL;
  if (invalid) {
    clean = malloc(len * 3);
    if (!clean) {
      set_err(err, errlen, "out of memory");
      return NULL;
    }
    len = utf8_sanitize(raw, len, clean);
    buf = clean;
  }
  size_t pos = 0, tn;
  const char *title = find_title(buf, len, &pos, &tn);
  if (!title) {
    free(clean);
    set_err(err, errlen, "no '# ' title: not a statute");
    return NULL;
  }
  md m = {0};
  m.heading = "";
  m.a = arena_new();
  st_doc *d = NULL;
  if (m.a) {
    m.title = dup_collapsed(&m, title, tn);
    if (invalid) warn(&m, "%zu invalid UTF-8 sequences replaced by U+FFFD", invalid);
    if (m.title) d = build(&m, buf, len, pos, source_path, category);
  }
  if (d) d->content_hash = fnv1a64(FNV_OFFSET, raw, raw_len);
  free(clean);
  vec_free(&m.units);
  vec_free(&m.history);
  vec_free(&m.warnings);
  sb_free(&m.text);
  if (!d || m.oom) {
    arena_free(m.a);
    set_err(err, errlen, "out of memory");
    return NULL;
  }
  if (part) *part = m.part;
  return d;
}
