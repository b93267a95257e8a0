/* Retriever over a small synthetic database: hostile queries, citations
 * first, as-of versions, name forms, lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "indexer.h"
#include "retriever.h"
#include "synth_index.h"

static char *g_dir;
static char g_db[600];

static const char *const theft_v1[] = {
    "为了测试，制定本法。",
    "盗窃公私财物，数额较大的，处三年以下有期徒刑。",
    "诈骗公私财物，数额较大的，处三年以下有期徒刑。",
    "抢夺公私财物的，处罚金。",
};
static const char *const theft_v2[] = {
    "为了测试，制定本法。",
    "盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃的，处三年以下有期徒刑、拘役或者管制。",
    "诈骗公私财物，数额较大的，处三年以下有期徒刑。",
    "抢夺公私财物的，处罚金。",
    "驾驶机动车追逐竞驶，情节恶劣的，处拘役。",
};
static const char *const loan[] = {
    "借款人应当按照约定的期限返还借款。",
    "出借人不得预先在本金中扣除利息。",
};
static const char *const case_text[] = {"张某向李某借款五万元，到期未还。",
                                        "法院判决张某返还借款。"};

static int setup(void **state) {
  (void)state;
  g_dir = synth_tmpdir();
  snprintf(g_db, sizeof g_db, "%s/r.db", g_dir);
  synth_doc a, b, c, d;
  synth_make(&a, "中华人民共和国测试刑法", "刑法", "1997-03-14", 1, theft_v1, 4);
  synth_make(&b, "中华人民共和国测试刑法", "刑法", "2020-12-26", 2, theft_v2, 5);
  /* 第四条之一 in the new version */
  b.units[4].number = 4;
  b.units[4].suffix = 1;
  snprintf(b.labels[4], sizeof b.labels[4], "第四条之一");
  synth_make(&c, "中华人民共和国测试借款法", "民法商法", "2010-01-01", 3, loan, 2);
  synth_make(&d, "借款纠纷测试案例", "案例", "", 4, case_text, 2);
  d.doc.is_case = true;
  for (int i = 0; i < 2; i++)
    d.units[i].kind = ST_UNIT_CASE;
  const st_doc *docs[] = {&a.doc, &b.doc, &c.doc, &d.doc};
  return synth_index(g_db, docs, 4);
}

static int teardown(void **state) {
  (void)state;
  synth_rmdir(g_dir);
  return 0;
}

static rt_handle *open_h(void) {
  char err[512];
  rt_handle *h = rt_open(g_db, err, sizeof err);
  if (!h) fprintf(stderr, "%s\n", err);
  assert_non_null(h);
  return h;
}

static void test_hostile_queries(void **state) {
  (void)state;
  rt_handle *h = open_h();
  static const char *const hostile[] = {"\"",
                                        "\"\"\"",
                                        "盗窃\"",
                                        "-盗窃",
                                        "盗窃 -财物",
                                        "*",
                                        "盗*",
                                        "^盗窃",
                                        "title:盗窃",
                                        "text : 盗窃",
                                        "(盗窃",
                                        "盗窃)",
                                        "()",
                                        "AND",
                                        "OR",
                                        "NOT",
                                        "盗窃 AND",
                                        "OR 盗窃 NOT",
                                        "NEAR(盗窃 财物)",
                                        "NEAR(",
                                        "盗窃 NEAR/2 财物",
                                        "😀😀😀",
                                        "盗窃😀财物",
                                        "𠀀𠀁𠀂",
                                        "\xff\xfe\xfd",
                                        "盗\xe7\x9b窃",
                                        "\xe7",
                                        "{title text}: 盗窃",
                                        "盗窃 + 财物",
                                        "'; DROP TABLE laws; --",
                                        "\\",
                                        "%",
                                        "_",
                                        "\t\n盗窃\r",
                                        "ＡＮＤ 盗窃",
                                        "a\"b\"c",
                                        "\x01\x02",
                                        "#"};
  char err[512];
  for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
    rt_result r;
    err[0] = '\0';
    int rc = rt_search(h, hostile[i], NULL, &r, err, sizeof err);
    if (rc) fprintf(stderr, "query %zu failed: %s\n", i, err);
    assert_int_equal(rc, 0);
    rt_result_free(&r);
  }
  /* the operators were treated as words, not syntax: 盗窃 still finds article 2 */
  rt_result r;
  assert_int_equal(rt_search(h, "NEAR(盗窃 -财物*)", NULL, &r, err, sizeof err), 0);
  assert_true(r.n > 0);
  assert_int_equal(r.hits[0].number, 2);
  rt_result_free(&r);
  /* empty and blank: a clear error */
  static const char *const empty[] = {"", " ", "\t\n  \r"};
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(rt_search(h, empty[i], NULL, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty query"));
  }
  assert_int_equal(rt_search(h, NULL, NULL, &r, err, sizeof err), -1);
  /* a very long query */
  size_t big = 200000;
  char *longq = malloc(big + 1);
  for (size_t i = 0; i + 3 <= big; i += 3)
    memcpy(longq + i, "盗", 3);
  longq[big - big % 3] = '\0';
  assert_int_equal(rt_search(h, longq, NULL, &r, err, sizeof err), 0);
  rt_result_free(&r);
  free(longq);
  rt_close(h);
}

static void test_bm25_and_fields(void **state) {
  (void)state;
  rt_handle *h = open_h();
  rt_result r;
  char err[512];
  rt_query q = {.k = 5};
  assert_int_equal(rt_search(h, "入户盗窃怎么处罚", &q, &r, err, sizeof err), 0);
  assert_true(r.n >= 1);
  assert_string_equal(r.hits[0].law_title, "中华人民共和国测试刑法");
  assert_int_equal(r.hits[0].number, 2);
  assert_string_equal(r.hits[0].version_date, "2020-12-26"); /* current version */
  assert_true(r.hits[0].in_force);
  assert_int_equal(r.hits[0].rank_bm25, 1);
  /* the arm's score (raw BM25 or, with the eval prior, BM25 plus a log
   * prior that may be negative): only "missed" is 0 */
  assert_true(r.hits[0].score_bm25 != 0.0);
  assert_int_equal(r.hits[0].rank_citation, 0);
  assert_false(r.dense_used);
  assert_non_null(r.note);
  rt_result_free(&r);
  /* law filter */
  q.law = "测试借款法";
  assert_int_equal(rt_search(h, "盗窃 借款", &q, &r, err, sizeof err), 0);
  for (size_t i = 0; i < r.n; i++)
    assert_string_equal(r.hits[i].law_short, "测试借款法");
  assert_true(r.n >= 1);
  rt_result_free(&r);
  q.law = "没有这部法";
  assert_int_equal(rt_search(h, "盗窃", &q, &r, err, sizeof err), -1);
  assert_non_null(strstr(err, "unknown law"));
  /* cases in or out */
  rt_query qc = {.k = 10, .only_cases = true};
  assert_int_equal(rt_search(h, "借款到期未还", &qc, &r, err, sizeof err), 0);
  assert_true(r.n >= 1);
  for (size_t i = 0; i < r.n; i++)
    assert_int_equal(r.hits[i].kind, RT_CASE);
  int64_t case_id = r.hits[0].id;
  rt_result_free(&r);
  rt_query qn = {.k = 10, .no_cases = true};
  assert_int_equal(rt_search(h, "借款到期未还", &qn, &r, err, sizeof err), 0);
  for (size_t i = 0; i < r.n; i++)
    assert_int_not_equal(r.hits[i].kind, RT_CASE);
  rt_result_free(&r);
  rt_hit *secs;
  size_t n;
  assert_int_equal(rt_get_case(h, case_id, &secs, &n, err, sizeof err), 0);
  assert_int_equal(n, 2);
  assert_string_equal(secs[1].text, case_text[1]);
  rt_hits_free(secs, n);
  rt_close(h);
}

static void test_citation_first(void **state) {
  (void)state;
  rt_handle *h = open_h();
  rt_result r;
  char err[512];
  /* the query's words point at 盗窃 (article 2); the citation names 3 */
  const char *qs[] = {"《中华人民共和国测试刑法》第三条和盗窃罪", "测试刑法第3条 盗窃 入户盗窃",
                      "我想问测试刑法第三条盗窃"};
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(rt_search(h, qs[i], NULL, &r, err, sizeof err), 0);
    assert_true(r.n >= 2);
    assert_int_equal(r.hits[0].number, 3);
    assert_int_equal(r.hits[0].rank_citation, 1);
    assert_true(r.hits[0].score_citation > 0);
    assert_int_equal(r.hits[1].number, 2);
    rt_result_free(&r);
  }
  /* 之一 */
  assert_int_equal(rt_search(h, "测试刑法第四条之一", NULL, &r, err, sizeof err), 0);
  assert_true(r.n >= 1);
  assert_int_equal(r.hits[0].number, 4);
  assert_int_equal(r.hits[0].suffix, 1);
  rt_result_free(&r);
  rt_close(h);
}

static void test_as_of(void **state) {
  (void)state;
  rt_handle *h = open_h();
  rt_result r;
  char err[512];
  rt_query q = {.k = 10, .as_of = "2005-01-01"};
  assert_int_equal(rt_search(h, "盗窃公私财物", &q, &r, err, sizeof err), 0);
  assert_true(r.n >= 1);
  assert_int_equal(r.hits[0].number, 2);
  assert_string_equal(r.hits[0].version_date, "1997-03-14");
  assert_true(r.hits[0].in_force);
  assert_null(strstr(r.hits[0].text, "入户"));
  for (size_t i = 0; i < r.n; i++)
    assert_string_not_equal(r.hits[i].law_short, "测试借款法");
  rt_result_free(&r);
  /* before any version: nothing of that law */
  q.as_of = "1990-01-01";
  assert_int_equal(rt_search(h, "盗窃公私财物", &q, &r, err, sizeof err), 0);
  for (size_t i = 0; i < r.n; i++)
    assert_string_not_equal(r.hits[i].law_short, "测试刑法");
  rt_result_free(&r);
  q.as_of = "2005-13-01";
  assert_int_equal(rt_search(h, "盗窃", &q, &r, err, sizeof err), -1);
  assert_non_null(strstr(err, "bad date"));
  /* article lookups by date */
  rt_hit hit;
  assert_int_equal(rt_get_article(h, "测试刑法", "2", "2005-01-01", &hit, err, sizeof err), 0);
  assert_string_equal(hit.version_date, "1997-03-14");
  assert_true(hit.in_force);
  rt_hit_clear(&hit);
  assert_int_equal(rt_get_article(h, "测试刑法", "4之一", "2005-01-01", &hit, err, sizeof err), 1);
  assert_int_equal(rt_get_article(h, "测试刑法", "4之一", NULL, &hit, err, sizeof err), 0);
  rt_hit_clear(&hit);
  /* the old version checked today is not in force */
  assert_int_equal(
      rt_check_citation(h, "测试刑法", NULL, 2, 0, "2021-01-01", &hit, err, sizeof err), 0);
  assert_true(hit.in_force);
  assert_string_equal(hit.version_date, "2020-12-26");
  rt_hit_clear(&hit);
  rt_law_version *v;
  size_t n;
  assert_int_equal(rt_law_versions(h, "刑法测试", &v, &n, err, sizeof err), -1);
  assert_int_equal(rt_law_versions(h, "测试刑法", &v, &n, err, sizeof err), 0);
  assert_int_equal(n, 2);
  assert_string_equal(v[0].version_date, "1997-03-14");
  assert_int_equal(v[1].n_articles, 5);
  rt_law_versions_free(v, n);
  assert_int_equal(rt_list_laws(h, &v, &n, err, sizeof err), 0);
  assert_int_equal(n, 2); /* cases are not laws */
  rt_law_versions_free(v, n);
  rt_close(h);
}

static void test_name_and_number_forms(void **state) {
  (void)state;
  rt_handle *h = open_h();
  char err[512];
  static const char *const names[] = {"测试刑法", "中华人民共和国测试刑法",
                                      "《中华人民共和国测试刑法》", "《测试刑法》", " 测试刑法 "};
  static const char *const numbers[] = {"2", "二", "第2条", "第二条", "２"};
  for (size_t i = 0; i < 5; i++)
    for (size_t j = 0; j < 5; j++) {
      rt_hit hit;
      int rc = rt_get_article(h, names[i], numbers[j], NULL, &hit, err, sizeof err);
      if (rc) fprintf(stderr, "%s %s: %s\n", names[i], numbers[j], err);
      assert_int_equal(rc, 0);
      assert_int_equal(hit.number, 2);
      assert_string_equal(hit.label, "第二条");
      assert_string_equal(hit.law_title, "中华人民共和国测试刑法");
      assert_string_equal(hit.path, "第一章 总则");
      rt_hit_clear(&hit);
    }
  rt_hit hit;
  assert_int_equal(rt_get_article(h, "测试刑法", "第四条之一", NULL, &hit, err, sizeof err), 0);
  assert_string_equal(hit.label, "第四条之一");
  rt_hit_clear(&hit);
  assert_int_equal(rt_get_article(h, "没有这部法", "2", NULL, &hit, err, sizeof err), 1);
  assert_non_null(strstr(err, "unknown law"));
  assert_int_equal(rt_get_article(h, "测试刑法", "99", NULL, &hit, err, sizeof err), 1);
  assert_non_null(strstr(err, "no article"));
  assert_int_equal(rt_get_article(h, "测试刑法", "abc", NULL, &hit, err, sizeof err), 1);
  char *t = rt_resolve_law(h, "《测试借款法》");
  assert_string_equal(t, "中华人民共和国测试借款法");
  free(t);
  assert_null(rt_resolve_law(h, "测试"));
  /* 本法 in generated text: the enclosing law */
  assert_int_equal(rt_check_citation(h, NULL, "测试借款法", 2, 0, NULL, &hit, err, sizeof err), 0);
  assert_string_equal(hit.text, loan[1]);
  rt_hit_clear(&hit);
  assert_int_equal(rt_check_citation(h, "测试借款法", NULL, 3, 0, NULL, &hit, err, sizeof err), 1);
  rt_close(h);
}

/* Articles holding the quoted parts as written (FTS5 phrases over the
 * tokenizer's positions) rank first; everything else ranks as usual. */
static void test_quoted_phrases(void **state) {
  (void)state;
  rt_handle *h = open_h();
  rt_result r;
  char err[512];
  rt_query q = {.k = 10};
  static const char *const kept[] = {"\"入户盗窃\"怎么处罚", "处罚“多次盗窃、入户盗窃”",
                                     "「入户盗窃」 「拘役」"};
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(rt_search(h, kept[i], &q, &r, err, sizeof err), 0);
    /* only the current article 2 has the words together: first, ahead
     * of articles that share more of the other words */
    assert_true(r.n >= 2);
    assert_non_null(strstr(r.hits[0].text, "入户盗窃"));
    assert_int_equal(r.hits[0].number, 2);
    for (size_t k = 1; k < r.n; k++)
      assert_null(strstr(r.hits[k].text, "入户盗窃"));
    rt_result_free(&r);
  }
  /* the words are in the database, never written together: the best
   * matches, and a note that says so */
  assert_int_equal(rt_search(h, "\"盗窃借款\"", &q, &r, err, sizeof err), 0);
  assert_true(r.n >= 1);
  assert_non_null(r.note);
  assert_non_null(strstr(r.note, "as written"));
  rt_result_free(&r);
  /* the quoted words win over a better plain match */
  assert_int_equal(rt_search(h, "盗窃公私财物 数额较大 \"处罚金\"", &q, &r, err, sizeof err), 0);
  assert_true(r.n >= 2);
  assert_non_null(strstr(r.hits[0].text, "处罚金"));
  rt_result_free(&r);
  /* an unclosed quote quotes nothing */
  assert_int_equal(rt_search(h, "\"借款 利息", &q, &r, err, sizeof err), 0);
  assert_true(r.n >= 2);
  rt_result_free(&r);
  /* thousands of quoted words: only the first few dozen are looked up */
  char *many = malloc(3000 * 10 + 1), *m = many;
  assert_non_null(many);
  for (int i = 0; i < 3000; i++)
    m += sprintf(m, "\"盗窃\" ");
  assert_int_equal(rt_search(h, many, &q, &r, err, sizeof err), 0);
  assert_true(r.n >= 1);
  rt_result_free(&r);
  free(many);
  /* a cited article stays, whatever the phrase */
  assert_int_equal(rt_search(h, "测试刑法第三条 \"借款利息\"", &q, &r, err, sizeof err), 0);
  assert_true(r.n >= 1);
  assert_int_equal(r.hits[0].number, 3);
  rt_result_free(&r);
  rt_close(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hostile_queries),       cmocka_unit_test(test_bm25_and_fields),
      cmocka_unit_test(test_citation_first),        cmocka_unit_test(test_as_of),
      cmocka_unit_test(test_name_and_number_forms), cmocka_unit_test(test_quoted_phrases),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
