/* Integration over the real corpus (argv[1]): index it without DLC into a
 * temp database, then check facts any correct index must show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "indexer.h"
#include "retriever.h"
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
  assert_int_equal(rt_get_article(h, "中华人民共和国刑法", "133之一", NULL, &hit, err, sizeof err), 0);
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

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  g_corpus = argv[1];
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_known_articles)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
