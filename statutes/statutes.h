/* statutes — Chinese statutes as data: the corpus Markdown format, Chinese
 * numerals, law names and citations.  Depends on nothing else of lawqa.
 *
 * Errors are returned (NULL / -1 / false) with a message written into the
 * caller's buffer; nothing here prints. */
#ifndef LAWQA_STATUTES_H
#define LAWQA_STATUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Chinese numerals ------------------------------------------------ */

/* Parses a numeral written with 零〇一二两三四五六七八九十百千万 (or ASCII
 * digits, or full-width digits).  Returns false on anything else or overflow
 * (> 99,999,999). */
bool st_cn_to_int(const char *s, size_t len, long *out);

/* Writes n (0..99,999,999) the way statutes write article numbers:
 * 264 -> 二百六十四, 10 -> 十, 110 -> 一百一十, 1005 -> 一千零五.
 * Returns the byte length (excluding NUL), 0 if it does not fit in cap. */
size_t st_int_to_cn(long n, char *buf, size_t cap);

/* ---- Law names --------------------------------------------------------- */

/* Canonical lookup key of a law name: strips 《》, surrounding blanks, a
 * leading 中华人民共和国, and a trailing （YYYY年修正）-style version note;
 * full-width parentheses become ASCII ones.  Returns a malloc'd string.
 * (Every 《》〈〉 is dropped, also inner ones: 关于执行《刑法》确定罪名的规定
 * and 关于执行刑法确定罪名的规定 share a key.  A note counts as a version
 * note when it starts with a year and says 修正/修订/修改/公布/施行/通过/版,
 * so 宪法修正案（2004年） keeps its year.) */
char *st_law_key(const char *name, size_t len);

/* Alternative keys under which a law with this full title may be named
 * (short title, common abbreviations like 刑诉法, 民诉法, 劳动合同法 …).
 * Fills up to cap malloc'd strings; returns how many.  The canonical key
 * (st_law_key of the title) is always the first. */
size_t st_law_aliases(const char *title, char **out, size_t cap);

/* ---- Parsed documents ------------------------------------------------- */

typedef enum {
  ST_UNIT_ARTICLE = 0, /* 第X条 */
  ST_UNIT_SECTION = 1, /* 一、 / 1. numbered sections of interpretations */
  ST_UNIT_CASE = 2,    /* a ## section of a typical case document */
  ST_UNIT_PREAMBLE = 3 /* text before the first article (序言, 说明) */
} st_unit_kind;

typedef struct {
  st_unit_kind kind;
  int number;        /* 264; section number; case section ordinal (1-based) */
  int suffix;        /* 之一 -> 1, 之二 -> 2; 0 for none */
  const char *label; /* "第二百六十四条", "一、", "裁判要点" */
  const char *path;  /* hierarchy "第二编 分则/第五章 侵犯财产罪", "" if none */
  const char *text;  /* paragraphs (款) joined with '\n'; without the label */
  size_t n_paragraphs;
} st_unit;

typedef struct st_arena st_arena; /* owns every string of a document */

typedef struct {
  const char *title;        /* full title from the '# ' line */
  const char *category;     /* top-level folder: 刑法, 司法解释, DLC, 案例 … */
  const char *source_path;  /* path relative to the corpus root */
  const char *version_date; /* YYYY-MM-DD: filename date, else last history date, else "" */
  const char *first_date;   /* earliest history date, "" if none */
  const char **history;     /* promulgation/amendment lines before <!-- INFO END --> */
  size_t n_history;
  bool is_case;             /* a typical-case document (案例/) */
  uint64_t content_hash;    /* FNV-1a 64 of the raw bytes of all its files */
  st_unit *units;
  size_t n_units;
  const char **warnings;    /* non-fatal problems found while parsing */
  size_t n_warnings;
  st_arena *arena;
} st_doc;

/* Parses one Markdown statute held in memory.  source_path and category are
 * copied.  Never crashes on malformed input: returns NULL with a message in
 * err only when the text is not a statute at all (no '# ' title, empty,
 * binary).  Invalid UTF-8 is replaced by U+FFFD and warned about. */
st_doc *st_parse_markdown(const char *buf, size_t len, const char *source_path,
                          const char *category, char *err, size_t errlen);

/* Reads and parses one file (category = its top-level folder below root). */
st_doc *st_parse_file(const char *root, const char *relpath, char *err, size_t errlen);

void st_doc_free(st_doc *doc);

/* ---- Corpus scan ------------------------------------------------------- */

typedef struct {
  const char *const *exclude; /* top-level folders to skip, e.g. "DLC" */
  size_t n_exclude;
} st_scan_opts;

/* Called once per law version.  A law split into part files (民法典/) is
 * delivered as one document.  Return non-zero to stop the scan. */
typedef int (*st_doc_fn)(const st_doc *doc, void *ctx);
/* Called for each skipped or malformed file; the scan goes on. */
typedef void (*st_warn_fn)(const char *relpath, const char *msg, void *ctx);
/* Called before each file is read: done of total files. */
typedef void (*st_progress_fn)(size_t done, size_t total, void *ctx);

/* Walks root in a stable (sorted) order.  Returns 0, the non-zero value a
 * callback returned, or -1 with err set if root cannot be read.
 * (Order: a folder's files bytewise-sorted, then its subfolders.  Part files
 * are the files of one folder that share their '# ' title and each have a
 * second '# ' heading naming the part; they become one document in article
 * order whose source_path is the folder and whose unit paths start with the
 * part name ("总则/第一章 基本规定").  Hidden entries (.git, .github) are
 * skipped silently; _index.md, non-.md files and unparsable files go to
 * on_warn.) */
int st_scan_corpus(const char *root, const st_scan_opts *opts, st_doc_fn on_doc,
                   st_warn_fn on_warn, st_progress_fn on_progress, void *ctx, char *err,
                   size_t errlen);

/* ---- Citations --------------------------------------------------------- */

typedef struct {
  size_t start, end;  /* byte span of the whole citation in the input */
  size_t law_start;   /* span of the law name as written (inside 《》 if */
  size_t law_len;     /*   quoted); law_len 0 when none was written */
  bool law_quoted;    /* the name was in 《》 — exact; else a candidate run of
                         text ending before 第 whose longest suffix that is a
                         known law name is the law (the caller resolves it) */
  bool this_law;      /* 本法 / 本条例 / 本规定 / 本解释: the enclosing law */
  int article;        /* article number */
  int suffix;         /* 之一 -> 1 */
  int paragraph;      /* 第Y款, 0 if none */
  int item;           /* 第Z项, 0 if none */
} st_citation;

/* (On start: a citation begins at its 《 or 本 when the law is quoted or
 * 本法; with an unquoted candidate name or an inherited one it begins at
 * the 第, since only the caller knows where the name really starts.
 * 该法第X条 inherits the law of the citation before it.) */
/* Finds citations in text: 《中华人民共和国刑法》第二百六十四条, 刑法第264条,
 * 《刑法》第一百三十三条之一, 第X条第Y款, lists 第二百三十四条、第二百七十五条
 * (each inherits the law named before), ranges 第X条至第Y条 (expanded, at
 * most 64 articles), 本法第X条.  A bare 第X条 with no law before it is
 * returned with law_len 0 and this_law false.  Writes up to cap results and
 * returns the total number found (which may exceed cap). */
size_t st_find_citations(const char *text, size_t len, st_citation *out, size_t cap);

/* Formats 《title》第X条[之Y] into buf; returns the byte length or 0. */
size_t st_format_citation(const char *title, int article, int suffix, char *buf, size_t cap);

#endif
