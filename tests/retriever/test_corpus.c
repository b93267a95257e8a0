/* Integration over the real corpus (argv[1]): index it without DLC into a
 * temp database, then check facts any correct index must show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "indexer.h"
#include "retriever.h"
#include "bm25_oracle.h"
#include "synth.h"

static const char *g_corpus;
static char *g_dir;
static char g_db[600];

static int setup(void **state) {
  (void)state;
  g_dir = synth_tmpdir();
  snprintf(g_db, sizeof g_db, "%s/corpus.db", g_dir);
  const char *excl[] = {"DLC"};
  ix_opts opts = {.exclude = excl, .n_exclude = 1};
  ix_stats st;
  char err[512];
  if (ix_index_corpus(g_db, g_corpus, &opts, &st, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  fprintf(stderr, "indexed %zu laws, %zu versions, %zu current articles in %.1f s\n", st.laws,
          st.versions, st.current_articles, st.seconds);
  return st.laws > 1000 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  synth_rmdir(g_dir);
  return 0;
}

static void test_known_articles(void **state) {
  (void)state;
  char err[512];
  rt_handle *h = rt_open(g_db, err, sizeof err);
  assert_non_null(h);
  rt_law_version *v;
  size_t n;
  assert_int_equal(rt_law_versions(h, "民法典", &v, &n, err, sizeof err), 0);
  assert_true(n >= 1);
  assert_int_equal(v[n - 1].n_articles, 1260);
  rt_law_versions_free(v, n);
  rt_hit hit;
  assert_int_equal(rt_get_article(h, "刑法", "264", NULL, &hit, err, sizeof err), 0);
  assert_non_null(strstr(hit.text, "盗窃公私财物"));
  assert_string_equal(hit.label, "第二百六十四条");
  rt_hit_clear(&hit);
  assert_int_equal(rt_get_article(h, "中华人民共和国刑法", "133之一", NULL, &hit, err, sizeof err),
                   0);
  assert_non_null(strstr(hit.text, "醉酒"));
  rt_hit_clear(&hit);
  assert_int_equal(rt_get_article(h, "民法典", "一千一百六十五", NULL, &hit, err, sizeof err), 0);
  assert_non_null(strstr(hit.text, "过错"));
  rt_hit_clear(&hit);
  assert_int_equal(rt_get_article(h, "刑法", "453", NULL, &hit, err, sizeof err), 1);
  rt_result r;
  rt_query q = {.k = 10};
  assert_int_equal(rt_search(h, "入户盗窃怎么判刑", &q, &r, err, sizeof err), 0);
  int found = 0;
  for (size_t i = 0; i < r.n; i++)
    found |= r.hits[i].number == 264 && !strcmp(r.hits[i].law_short, "刑法");
  assert_true(found);
  rt_result_free(&r);
  assert_int_equal(rt_search(h, "民法典第一千一百六十五条是什么意思", &q, &r, err, sizeof err), 0);
  assert_true(r.n > 0);
  assert_int_equal(r.hits[0].number, 1165);
  assert_int_equal(r.hits[0].rank_citation, 1);
  rt_result_free(&r);
  rt_close(h);
}

/* The postings scorer ranks the real corpus exactly as FTS5's bm25() does
 * (made-up questions in a layperson's words; all of their terms, common
 * ones included). */
static void test_bm25_equals_fts5(void **state) {
  (void)state;
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(g_db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(ix_register_tokenizer(db), SQLITE_OK);
  char err[256];
  rt_bm25 *b = rt_bm25_open(db, err, sizeof err);
  assert_non_null(b);
  static const char *const queries[] = {"邻居家的狗把我咬伤了，医药费谁来出",
                                        "公司拖欠工资三个月不发怎么办", "离婚时房子怎么分",
                                        "网上买的东西是假货能退一赔三吗", "酒后驾驶机动车撞人逃逸"};
  rt_bm25_filter f = {.law_id = -1, .w_title = 1, .w_path = 1, .w_text = 1};
  for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
    f.as_of = i % 2 ? "2015-06-01" : NULL;
    assert_true(oracle_compare(db, b, queries[i], &f) > 20);
  }
  rt_bm25_close(b);
  sqlite3_close(db);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  g_corpus = argv[1];
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_known_articles),
                                     cmocka_unit_test(test_bm25_equals_fts5)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
