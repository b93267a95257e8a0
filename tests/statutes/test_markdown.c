/* Markdown parser on small synthetic statutes, well-formed and not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "statutes.h"

#ifndef STATUTES_TEST_DATA
#error "STATUTES_TEST_DATA must name tests/statutes/data"
#endif

static char *slurp(const char *name, size_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", STATUTES_TEST_DATA, name);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  buf[n] = '\0';
  *len = (size_t)n;
  return buf;
}

static st_doc *parse(const char *s, size_t n, const char *path, const char *cat) {
  char err[256] = "";
  st_doc *d = st_parse_markdown(s, n, path, cat, err, sizeof err);
  if (!d) fail_msg("parse failed: %s", err);
  return d;
}

static const st_unit *find_article(const st_doc *d, int number, int suffix) {
  for (size_t i = 0; i < d->n_units; i++)
    if (d->units[i].kind == ST_UNIT_ARTICLE && d->units[i].number == number &&
        d->units[i].suffix == suffix)
      return &d->units[i];
  return NULL;
}

static bool has_warning(const st_doc *d, const char *word) {
  for (size_t i = 0; i < d->n_warnings; i++)
    if (strstr(d->warnings[i], word)) return true;
  return false;
}

static uint64_t fnv(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
  return h;
}

static void test_basic(void **state) {
  (void)state;
  size_t n;
  char *s = slurp("basic.md", &n);
  st_doc *d = parse(s, n, "民法商法/示例法.md", "民法商法");
  assert_string_equal(d->title, "中华人民共和国示例法");
  assert_string_equal(d->category, "民法商法");
  assert_string_equal(d->source_path, "民法商法/示例法.md");
  assert_false(d->is_case);
  assert_int_equal(d->content_hash, fnv(s, n));
  assert_int_equal(d->n_warnings, 0);

  /* History: the cut title of the 2010 decision joins its line. */
  assert_int_equal(d->n_history, 3);
  assert_string_equal(d->history[1],
                      "2010年6月1日 第十一届全国人民代表大会常务委员会第十五次会议《关于修改<"
                      "中华人民共和国示例法>第三条第四条的决定》第一次修正");
  assert_string_equal(d->first_date, "2001-03-05");
  assert_string_equal(d->version_date, "2018-10-26"); /* last history date */

  /* preamble, 1, 2, 3, 3之1, 4, 5, 1005, 附件 */
  assert_int_equal(d->n_units, 9);
  assert_int_equal(d->units[0].kind, ST_UNIT_PREAMBLE);
  assert_string_equal(d->units[0].label, "");
  assert_string_equal(d->units[0].path, "");
  assert_string_equal(d->units[0].text, "为了说明本法的结构，写下这段序言。");

  const st_unit *a1 = find_article(d, 1, 0);
  assert_non_null(a1);
  assert_string_equal(a1->label, "第一条");
  assert_string_equal(a1->path, "第一编 总则/第一章 一般规定"); /* blanks collapsed */
  assert_string_equal(a1->text, "为了测试解析器，制定本法。");
  assert_int_equal(a1->n_paragraphs, 1);

  /* 第一款规定… continues article 2 */
  const st_unit *a2 = find_article(d, 2, 0);
  assert_int_equal(a2->n_paragraphs, 5);
  assert_string_equal(a2->text,
                      "本法适用于示例。\n前款规定的示例，包括下列情形：\n（一）第一种情形；\n"
                      "（二）第二种情形。\n第一款规定的情形，依照本法第一条处理。");

  const st_unit *a3 = find_article(d, 3, 0), *a31 = find_article(d, 3, 1);
  assert_string_equal(a3->path, "第一编 总则/第二章 特别规定/第一节 甲");
  assert_string_equal(a31->label, "第三条之一");
  assert_string_equal(a31->text, "后来增加的一条。");

  const st_unit *a4 = find_article(d, 4, 0); /* label then U+3000 */
  assert_non_null(a4);
  assert_string_equal(a4->path, "第一编 总则/第二章 特别规定/第二节 乙");
  assert_string_equal(a4->text, "乙节的规定，标签后是全角空格。");

  /* a shallower heading replaces the deeper ones */
  assert_string_equal(find_article(d, 5, 0)->path, "第二编 分则/第一章 罚则");
  assert_non_null(find_article(d, 1005, 0));

  assert_int_equal(d->units[8].kind, ST_UNIT_PREAMBLE);
  assert_string_equal(d->units[8].label, "附件");
  assert_string_equal(d->units[8].path, "附件");
  st_doc_free(d);
  free(s);
}

static void test_filename_date(void **state) {
  (void)state;
  const char *s = "# 某法\n\n2001年3月5日 通过\n\n<!-- INFO END -->\n\n第一条 内容。\n";
  st_doc *d = parse(s, strlen(s), "行政法/某法(2017-11-04).md", "行政法");
  assert_string_equal(d->version_date, "2017-11-04");
  assert_string_equal(d->first_date, "2001-03-05");
  st_doc_free(d);
  d = parse(s, strlen(s), "刑法/刑法修正案（十二）(2023-12-29).md", "刑法");
  assert_string_equal(d->version_date, "2023-12-29");
  st_doc_free(d);
  d = parse(s, strlen(s), "x/某法（2019-01-02）.md", "x");
  assert_string_equal(d->version_date, "2019-01-02");
  st_doc_free(d);
  /* no dates anywhere */
  const char *t = "# 某法\n\n第一条 内容。\n";
  d = parse(t, strlen(t), NULL, NULL);
  assert_string_equal(d->version_date, "");
  assert_string_equal(d->first_date, "");
  assert_string_equal(d->source_path, "");
  assert_string_equal(d->category, "");
  assert_int_equal(d->n_history, 0);
  st_doc_free(d);
}

static void test_sections(void **state) {
  (void)state;
  size_t n;
  char *s = slurp("sections.md", &n);
  st_doc *d = parse(s, n, "司法解释/示例.md", "司法解释");
  assert_int_equal(d->n_units, 4);
  assert_int_equal(d->units[0].kind, ST_UNIT_PREAMBLE);
  for (int i = 1; i <= 3; i++) {
    assert_int_equal(d->units[i].kind, ST_UNIT_SECTION);
    assert_int_equal(d->units[i].number, i);
  }
  assert_string_equal(d->units[1].label, "一、");
  /* （一） items stay inside their section */
  assert_int_equal(d->units[1].n_paragraphs, 3);
  assert_string_equal(d->units[1].text, "关于第一个问题\n（一）第一个问题的第一点；\n（二）第二点，比例为1.5倍。");
  st_doc_free(d);
  free(s);

  s = slurp("headed_sections.md", &n);
  d = parse(s, n, "司法解释/规定.md", "司法解释");
  assert_int_equal(d->n_units, 3);
  assert_int_equal(d->units[0].kind, ST_UNIT_SECTION);
  assert_string_equal(d->units[0].label, "1.");
  assert_string_equal(d->units[0].path, "一、机构及其职责");
  assert_int_equal(d->units[1].number, 2);
  /* unnumbered text under a numbered heading takes the heading's number */
  assert_int_equal(d->units[2].kind, ST_UNIT_SECTION);
  assert_int_equal(d->units[2].number, 2);
  assert_string_equal(d->units[2].label, "二、");
  assert_string_equal(d->units[2].path, "二、其他");
  st_doc_free(d);
  free(s);
}

static void test_case(void **state) {
  (void)state;
  size_t n;
  char *s = slurp("case.md", &n);
  st_doc *d = parse(s, n, "案例/示例/示例案.md", "案例");
  assert_true(d->is_case);
  /* the case-name heading has no text and is dropped */
  assert_int_equal(d->n_units, 4);
  const char *labels[] = {"关键词", "基本案情", "裁判结果", "典型意义"};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(d->units[i].kind, ST_UNIT_CASE);
    assert_int_equal(d->units[i].number, i + 1);
    assert_string_equal(d->units[i].label, labels[i]);
  }
  assert_int_equal(d->units[1].n_paragraphs, 2);
  assert_string_equal(d->units[1].text, "原告于2020年5月1日购买商品。\n被告拒绝退货。");
  st_doc_free(d);
  /* the same file outside 案例 is no case */
  d = parse(s, n, "其他/示例案.md", "其他");
  assert_false(d->is_case);
  st_doc_free(d);
  free(s);
}

/* CRLF and lone CR line ends give the same document as LF. */
static void test_line_ends(void **state) {
  (void)state;
  size_t n;
  char *s = slurp("basic.md", &n);
  char *crlf = malloc(n * 2 + 1), *cr = malloc(n + 1);
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\n') crlf[m++] = '\r';
    crlf[m++] = s[i];
    cr[i] = s[i] == '\n' ? '\r' : s[i];
  }
  st_doc *a = parse(s, n, "a.md", "x"), *b = parse(crlf, m, "a.md", "x"), *c = parse(cr, n, "a.md", "x");
  assert_int_equal(a->n_units, b->n_units);
  assert_int_equal(a->n_units, c->n_units);
  assert_int_equal(a->n_history, b->n_history);
  for (size_t i = 0; i < a->n_units; i++) {
    assert_string_equal(a->units[i].text, b->units[i].text);
    assert_string_equal(a->units[i].text, c->units[i].text);
    assert_string_equal(a->units[i].path, b->units[i].path);
  }
  assert_true(a->content_hash != b->content_hash); /* raw bytes differ */
  st_doc_free(a);
  st_doc_free(b);
  st_doc_free(c);
  free(crlf);
  free(cr);
  free(s);
}

/* Every prefix of a statute parses or is refused, and never crashes. */
static void test_truncated(void **state) {
  (void)state;
  size_t n;
  char *s = slurp("basic.md", &n);
  size_t parsed = 0, bad_utf8 = 0;
  for (size_t cut = 0; cut <= n; cut++) {
    char *p = malloc(cut ? cut : 1); /* exact size: ASan sees overreads */
    memcpy(p, s, cut);
    char err[128];
    st_doc *d = st_parse_markdown(p, cut, "t.md", "t", err, sizeof err);
    if (d) {
      parsed++;
      if (has_warning(d, "UTF-8")) bad_utf8++;
      st_doc_free(d);
    } else {
      assert_true(err[0] != '\0');
    }
    free(p);
  }
  assert_true(parsed > n / 2);
  assert_true(bad_utf8 > 0); /* cuts inside a character are reported */
  free(s);
}

static void test_headings_without_articles(void **state) {
  (void)state;
  const char *s = "# 某法\n\n## 第一章 空章\n\n## 第二章 有条\n\n### \n\n第一条 内容。\n";
  st_doc *d = parse(s, strlen(s), "a.md", "x");
  assert_int_equal(d->n_units, 1);
  assert_string_equal(d->units[0].path, "第二章 有条"); /* empty heading adds nothing */
  st_doc_free(d);

  const char *t = "# 某法\n\n## 第一章\n\n## 第二章\n";
  d = parse(t, strlen(t), "a.md", "x");
  assert_int_equal(d->n_units, 0);
  assert_true(has_warning(d, "no articles"));
  st_doc_free(d);
}

static void test_duplicates(void **state) {
  (void)state;
  const char *s = "# 某法\n\n第一条 甲。\n\n第二条 乙。\n\n第一条 又一个甲。\n";
  st_doc *d = parse(s, strlen(s), "a.md", "x");
  assert_int_equal(d->n_units, 3);
  assert_string_equal(d->units[2].text, "又一个甲。");
  assert_true(has_warning(d, "duplicate article 第一条"));
  st_doc_free(d);
}

/* Typos of the corpus: 笫 for 第, a blank inside the label; and flattened
 * files that run several articles into one line.  Both are only believed
 * for the article number expected next. */
static void test_irregular_labels(void **state) {
  (void)state;
  const char *s = "# 某法\n\n第一条 甲。\n\n第二 条乙。\n\n笫三条 丙。\n\n第五 条不是下一条。\n";
  st_doc *d = parse(s, strlen(s), "a.md", "x");
  assert_int_equal(d->n_units, 3);
  assert_int_equal(d->units[1].number, 2);
  assert_string_equal(d->units[1].label, "第二条");
  assert_string_equal(d->units[1].text, "乙。");
  assert_int_equal(d->units[2].number, 3);
  assert_string_equal(d->units[2].label, "第三条");
  assert_string_equal(d->units[2].text, "丙。\n第五 条不是下一条。");
  assert_true(has_warning(d, "irregular article label"));
  st_doc_free(d);

  const char *t = "# 某规则\n\n第一条 甲。 第二条 乙。 第二条之一 乙之一。 第九条 不拆。\n\n第三条 丙。\n";
  d = parse(t, strlen(t), "a.md", "x");
  assert_int_equal(d->n_units, 4);
  assert_string_equal(d->units[0].text, "甲。");
  assert_int_equal(d->units[1].number, 2);
  assert_string_equal(d->units[1].text, "乙。");
  assert_int_equal(d->units[2].suffix, 1);
  assert_string_equal(d->units[2].text, "乙之一。 第九条 不拆。");
  assert_int_equal(d->units[3].number, 3);
  st_doc_free(d);
}

static void test_huge_line(void **state) {
  (void)state;
  const size_t big = 5u << 20;
  const char *head = "# 长法\n\n第一条 ";
  size_t hl = strlen(head);
  char *s = malloc(hl + big);
  memcpy(s, head, hl);
  for (size_t i = 0; i + 3 <= big; i += 3) memcpy(s + hl + i, "文", 3);
  size_t n = hl + big / 3 * 3;
  st_doc *d = parse(s, n, "a.md", "x");
  assert_int_equal(d->n_units, 1);
  assert_int_equal(strlen(d->units[0].text), big / 3 * 3);
  st_doc_free(d);
  free(s);
}

static void test_invalid_utf8(void **state) {
  (void)state;
  const char s[] = "# 某法\n\n第一条 前\xff\xc3后。\n\n第二条 \xed\xa0\x80。\n";
  st_doc *d = parse(s, sizeof s - 1, "a.md", "x");
  assert_int_equal(d->n_units, 2);
  assert_string_equal(d->units[0].text, "前\xEF\xBF\xBD\xEF\xBF\xBD后。");
  assert_true(has_warning(d, "invalid UTF-8"));
  st_doc_free(d);
}

static void refused(const char *s, size_t n, const char *why) {
  char err[128] = "";
  assert_null(st_parse_markdown(s, n, "a.md", "x", err, sizeof err));
  assert_non_null(strstr(err, why));
  /* a NULL or empty error buffer is fine too */
  assert_null(st_parse_markdown(s, n, "a.md", "x", NULL, 0));
}

static void test_not_statutes(void **state) {
  (void)state;
  refused("", 0, "empty");
  refused(NULL, 0, "empty");
  refused("just text\nno title\n", 18, "title");
  refused("#no space title\n", 16, "title");
  refused("---\nbookCollapseSection: true\n---", 33, "title"); /* an _index.md */
  const char bin[] = "SQLite format 3\0\x10\x00\x01\x01";
  refused(bin, sizeof bin - 1, "binary");
  char noise[4096];
  unsigned seed = 7;
  for (size_t i = 0; i < sizeof noise; i++) {
    seed = seed * 1103515245u + 12345u;
    noise[i] = (char)(0x80 | (seed >> 16));
  }
  refused(noise, sizeof noise, "binary");
}

static void test_parse_file(void **state) {
  (void)state;
  char err[256];
  st_doc *d = st_parse_file(STATUTES_TEST_DATA, "sections.md", err, sizeof err);
  assert_non_null(d);
  assert_string_equal(d->category, ""); /* directly under root */
  st_doc_free(d);
  assert_null(st_parse_file(STATUTES_TEST_DATA, "missing.md", err, sizeof err));
  assert_non_null(strstr(err, "missing.md"));
  assert_null(st_parse_file(NULL, "x.md", err, sizeof err));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic),        cmocka_unit_test(test_filename_date),
      cmocka_unit_test(test_sections),     cmocka_unit_test(test_case),
      cmocka_unit_test(test_line_ends),    cmocka_unit_test(test_truncated),
      cmocka_unit_test(test_headings_without_articles),
      cmocka_unit_test(test_duplicates),   cmocka_unit_test(test_irregular_labels),
      cmocka_unit_test(test_huge_line),
      cmocka_unit_test(test_invalid_utf8), cmocka_unit_test(test_not_statutes),
      cmocka_unit_test(test_parse_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
