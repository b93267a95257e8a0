/* st_scan_corpus over a synthetic corpus built in a temporary folder: a law
 * split into part files, a case, excluded and malformed files. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "statutes.h"

static char root[256];

static const char PART1[] =
    "# 中华人民共和国示例法典\n\n# 总则\n\n2020年5月28日 通过\n\n2021年1月1日 施行\n\n"
    "<!-- INFO END -->\n\n## 第一章  基本规定\n\n第一条 总则一。\n\n第二条 总则二。\n";
static const char PART2[] =
    "# 中华人民共和国示例法典\n\n# 物权编\n\n2020年5月28日 通过\n\n2021年1月1日 施行\n\n"
    "<!-- INFO END -->\n\n## 第一分编  通则\n\n### 第一章 一般规定\n\n第三条 物权一。\n\n"
    "#### 第一节 登记\n\n第四条 物权二。\n";
static const char PART3[] =
    "# 中华人民共和国示例法典\n\n# 附则\n\n2020年5月28日 通过\n\n<!-- INFO END -->\n\n##\n\n"
    "第五条 本法自2021年1月1日起施行。\n";
static const char LAW[] = "# 中华人民共和国刑法\n\n1997年3月14日 修订\n\n<!-- INFO END -->\n\n"
                          "第一条 刑法一。\n\n第二条 刑法二。\n";
static const char CASE[] = "# 示例案\n\n<!-- INFO END -->\n\n## 关键词\n\n民事。\n\n## 裁判要点\n\n要点。\n";
static const char INDEX[] = "---\nbookCollapseSection: true\n---";

static void put(const char *rel, const char *data, size_t n) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  /* create parent folders */
  for (char *p = path + strlen(root) + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(path, 0755);
    *p = '/';
  }
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  if (n) assert_int_equal(fwrite(data, 1, n, f), n);
  fclose(f);
}

#define PUT(rel, s) put(rel, s, sizeof(s) - 1)

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(p);
}

static int setup(void **state) {
  (void)state;
  const char *tmp = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/statutes-scan-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  if (!mkdtemp(root)) return -1;
  PUT("示例法典/_index.md", INDEX);
  /* The file names sort (bytewise) out of article order: A物权编 first. */
  PUT("示例法典/附则.md", PART3);
  PUT("示例法典/A物权编.md", PART2);
  PUT("示例法典/总则.md", PART1);
  PUT("刑法/刑法.md", LAW);
  PUT("刑法/_index.md", INDEX);
  PUT("刑法/空.md", "");
  PUT("刑法/坏.md", "\x00\x01\x02\x03 binary");
  PUT("案例/类/示例案.md", CASE);
  PUT("DLC/地方/条例.md", LAW);
  PUT("PROVENANCE.txt", "source: synthetic\n");
  PUT("db.sqlite3", "SQLite format 3\0");
  PUT(".hidden/秘密.md", LAW);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  return nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

typedef struct {
  char paths[16][128];
  char titles[16][128];
  size_t units[16];
  uint64_t hash[16];
  bool is_case[16];
  size_t n_docs, n_warn, progress_calls, last_done, last_total;
  int stop_after; /* return non-zero from the nth doc, 0 = never */
  char warned[16][128];
  /* checks on the merged law, made while it is alive */
  bool merged_ok;
} seen;

static int on_doc(const st_doc *d, void *ctx) {
  seen *s = ctx;
  size_t i = s->n_docs++;
  if (i < 16) {
    snprintf(s->paths[i], 128, "%s", d->source_path);
    snprintf(s->titles[i], 128, "%s", d->title);
    s->units[i] = d->n_units;
    s->hash[i] = d->content_hash;
    s->is_case[i] = d->is_case;
  }
  if (strcmp(d->title, "中华人民共和国示例法典") == 0) {
    bool ok = d->n_units == 5 && strcmp(d->source_path, "示例法典") == 0 &&
              strcmp(d->category, "示例法典") == 0 && strcmp(d->version_date, "2021-01-01") == 0 &&
              strcmp(d->first_date, "2020-05-28") == 0 && d->n_history == 2;
    for (size_t k = 0; ok && k < d->n_units; k++)
      ok = d->units[k].kind == ST_UNIT_ARTICLE && d->units[k].number == (int)k + 1;
    ok = ok && strcmp(d->units[0].path, "总则/第一章 基本规定") == 0 &&
         strcmp(d->units[3].path, "物权编/第一分编 通则/第一章 一般规定/第一节 登记") == 0 &&
         strcmp(d->units[4].path, "附则") == 0;
    s->merged_ok = ok;
  }
  return s->stop_after && (int)s->n_docs == s->stop_after ? 42 : 0;
}

static void on_warn(const char *rel, const char *msg, void *ctx) {
  seen *s = ctx;
  (void)msg;
  if (s->n_warn < 16) snprintf(s->warned[s->n_warn], 128, "%s", rel);
  s->n_warn++;
}

static void on_progress(size_t done, size_t total, void *ctx) {
  seen *s = ctx;
  assert_true(done <= total);
  s->progress_calls++;
  s->last_done = done;
  s->last_total = total;
}

static bool warned(const seen *s, const char *rel) {
  for (size_t i = 0; i < s->n_warn && i < 16; i++)
    if (strcmp(s->warned[i], rel) == 0) return true;
  return false;
}

static uint64_t fnv(uint64_t h, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
  return h;
}

static void test_scan_all(void **state) {
  (void)state;
  seen s = {0};
  char err[256];
  assert_int_equal(st_scan_corpus(root, NULL, on_doc, on_warn, on_progress, &s, err, sizeof err), 0);
  /* DLC law, 刑法, the case, the merged law; the hidden folder is skipped */
  assert_int_equal(s.n_docs, 4);
  assert_string_equal(s.paths[0], "DLC/地方/条例.md");
  assert_string_equal(s.paths[1], "刑法/刑法.md");
  assert_string_equal(s.paths[2], "案例/类/示例案.md");
  assert_true(s.is_case[2]);
  assert_int_equal(s.units[2], 2);
  assert_string_equal(s.paths[3], "示例法典");
  assert_true(s.merged_ok);
  /* one hash over the parts' raw bytes in article order */
  uint64_t h = fnv(0xcbf29ce484222325ULL, PART1, sizeof PART1 - 1);
  h = fnv(h, PART2, sizeof PART2 - 1);
  h = fnv(h, PART3, sizeof PART3 - 1);
  assert_int_equal(s.hash[3], h);

  assert_true(warned(&s, "PROVENANCE.txt"));
  assert_true(warned(&s, "db.sqlite3"));
  assert_true(warned(&s, "刑法/_index.md"));
  assert_true(warned(&s, "刑法/空.md"));
  assert_true(warned(&s, "刑法/坏.md"));
  assert_true(warned(&s, "示例法典/_index.md"));
  assert_int_equal(s.n_warn, 6);
  /* 12 visible files, then a final call with done == total */
  assert_int_equal(s.last_total, 12);
  assert_int_equal(s.last_done, 12);
  assert_int_equal(s.progress_calls, 13);
}

static void test_exclude_and_stop(void **state) {
  (void)state;
  const char *ex[] = {"DLC", "案例"};
  st_scan_opts opts = {ex, 2};
  seen s = {0};
  char err[256];
  assert_int_equal(st_scan_corpus(root, &opts, on_doc, NULL, NULL, &s, err, sizeof err), 0);
  assert_int_equal(s.n_docs, 2);
  assert_string_equal(s.paths[0], "刑法/刑法.md");
  assert_string_equal(s.paths[1], "示例法典");

  seen t = {.stop_after = 1};
  assert_int_equal(st_scan_corpus(root, &opts, on_doc, NULL, NULL, &t, err, sizeof err), 42);
  assert_int_equal(t.n_docs, 1);
  /* stopping on the merged law (held back until its folder ends) */
  seen u = {.stop_after = 2};
  assert_int_equal(st_scan_corpus(root, &opts, on_doc, NULL, NULL, &u, err, sizeof err), 42);
  assert_int_equal(u.n_docs, 2);
}

static void test_bad_root(void **state) {
  (void)state;
  char err[256] = "";
  assert_int_equal(st_scan_corpus("/nonexistent/corpus", NULL, on_doc, NULL, NULL, NULL, err,
                                  sizeof err),
                   -1);
  assert_non_null(strstr(err, "/nonexistent/corpus"));
  assert_int_equal(st_scan_corpus(NULL, NULL, NULL, NULL, NULL, NULL, err, sizeof err), -1);
}

/* Same title in one folder but without part headings: separate versions. */
static void test_versions_not_merged(void **state) {
  (void)state;
  PUT("版本/某法(2018-01-01).md", LAW);
  PUT("版本/某法(2020-01-01).md", LAW);
  const char *ex[] = {"DLC", "案例", "刑法", "示例法典"};
  st_scan_opts opts = {ex, 4};
  seen s = {0};
  char err[256];
  assert_int_equal(st_scan_corpus(root, &opts, on_doc, NULL, NULL, &s, err, sizeof err), 0);
  assert_int_equal(s.n_docs, 2);
  assert_string_equal(s.paths[0], "版本/某法(2018-01-01).md");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scan_all),
      cmocka_unit_test(test_exclude_and_stop),
      cmocka_unit_test(test_bad_root),
      cmocka_unit_test(test_versions_not_merged),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
