/* The learned model of the BM25 arm: its file reader, its bigrams, and
 * what it does to a search — a learned pair lifts an article BM25 ranks
 * second, a term's weight changes what BM25 finds first, quoted phrases
 * still come first, an empty DB.rerank turns it off and a malformed one is
 * a clear error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "indexer.h"
#include "rerank.h"
#include "retriever.h"
#include "synth.h"

static char *g_dir;
static char g_db[600];

/* ---- the model file ---------------------------------------------------- */

static int read_text(const char *text, rt_pair_model *m, char *err, size_t errlen) {
  FILE *f = fmemopen((void *)text, strlen(text), "r");
  assert_non_null(f);
  int rc = rt_pair_model_read(f, "m.tsv", m, err, errlen);
  fclose(f);
  return rc;
}

static uint32_t code(const char *two) {
  uint32_t c[4];
  assert_int_equal(rt_bigram_codes(two, strlen(two), c, 4), 1);
  return c[0];
}

static void test_model_read(void **state) {
  (void)state;
  rt_pair_model m;
  char err[256] = "";
  assert_int_equal(read_text("# comment\n\nlambda\t0.5\npower\t1\nneighbour\t0.25\n重婚\t配偶\t2."
                             "5\n出轨\t重婚\t1.25",
                             &m, err, sizeof err),
                   0);
  assert_int_equal(m.n, 2);
  assert_true(m.lambda == 0.5 && m.power == 1 && m.neighbour == 0.25);
  /* sorted by question bigram: 出 (U+51FA) before 重 (U+91CD) */
  assert_int_equal(m.pairs[0].q, code("出轨"));
  assert_int_equal(m.pairs[0].w, code("重婚"));
  assert_true(m.pairs[0].weight == 1.25f);
  assert_int_equal(m.pairs[1].q, code("重婚"));
  free(m.pairs);

  assert_int_equal(read_text("", &m, err, sizeof err), 0);
  assert_int_equal(m.n, 0);
  assert_null(m.pairs);
  assert_int_equal(m.n_terms, 0);
  assert_null(m.terms);

  /* term weights, in any order among the pairs, sorted by bigram */
  assert_int_equal(
      read_text("term\t离婚\t1.5\n重婚\t配偶\t1\nterm\t同居\t0.5\n", &m, err, sizeof err), 0);
  assert_int_equal(m.n, 1);
  assert_int_equal(m.n_terms, 2);
  assert_int_equal(m.terms[0].q, code("同居")); /* U+540C before U+79BB */
  assert_true(m.terms[0].weight == 0.5f);
  assert_int_equal(m.terms[1].q, code("离婚"));
  assert_true(m.terms[1].weight == 1.5f);
  free(m.pairs);
  free(m.terms);
}

static void test_model_errors(void **state) {
  (void)state;
  static const char *bad[] = {
      "lambda\t0.5\n重婚\t配偶\n",       /* two fields that are no setting */
      "lambda\t0.5\n重婚了\t配偶\t1\n",  /* three ideographs */
      "lambda\t0.5\nab\tcd\t1\n",        /* not ideographs */
      "lambda\t0.5\n重婚\t配偶\tabc\n",  /* no number */
      "lambda\t0.5\n重婚\t配偶\t1\tx\n", /* a fourth field */
      "lambda\t0.5\n重婚\t配偶\tnan\n",  /* not a finite number */
      "lambda\t0.5\nterm\t离婚\t0\n",    /* a term weight of 0 */
      "lambda\t0.5\nterm\t离婚\t-1\n",   /* a negative one */
      "lambda\t0.5\nterm\t离婚了\t1\n",  /* not a bigram */
      "lambda\t0.5\nterm\t离婚\tinf\n",  /* not finite */
      "lambda\t0.5\nterm\t离婚\n",       /* no weight */
      "lambda\tmany\n",                  /* a setting without a number */
      "beta\t1\n",                       /* no such setting */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    rt_pair_model m;
    char err[256] = "";
    assert_int_equal(read_text(bad[i], &m, err, sizeof err), -1);
    assert_null(m.pairs);
    assert_non_null(strstr(err, i < 11 ? "m.tsv:2:" : "m.tsv:1:"));
  }
  rt_pair_model m;
  char err[256] = "", longline[400];
  memset(longline, 'x', sizeof longline - 1);
  longline[sizeof longline - 1] = 0;
  assert_int_equal(read_text(longline, &m, err, sizeof err), -1);
  assert_int_equal(read_text("重婚\t配偶\t1\n重婚\t配偶\t2\n", &m, err, sizeof err), -1);
  assert_non_null(strstr(err, "twice"));
  assert_int_equal(read_text("term\t离婚\t1\nterm\t离婚\t2\n", &m, err, sizeof err), -1);
  assert_non_null(strstr(err, "a term is listed twice"));
  assert_null(m.terms);
}

static void test_bigram_codes(void **state) {
  (void)state;
  uint32_t c[16];
  /* 配偶 偶配 配偶 重婚; the invalid byte and the letter break runs, so 婚 alone
   * and 偶a make no bigram */
  const char *text = "配偶配偶a重婚\xff婚";
  size_t n = rt_bigram_codes(text, strlen(text), c, 16);
  assert_int_equal(n, 3);
  assert_true(c[0] < c[1] && c[1] < c[2]);
  assert_int_equal(c[0], code("偶配")); /* U+5076 U+914D */
  assert_int_equal(c[1], code("配偶"));
  assert_int_equal(c[2], code("重婚")); /* U+91CD */
  assert_int_equal(rt_bigram_codes("一", 3, c, 16), 0);
  assert_int_equal(rt_bigram_codes("\xe4\xb8", 2, c, 16), 0); /* truncated */
}

/* ---- searches ------------------------------------------------------------ */

static int setup(void **state) {
  (void)state;
  g_dir = synth_tmpdir();
  char corpus[600];
  snprintf(corpus, sizeof corpus, "%s/corpus", g_dir);
  snprintf(g_db, sizeof g_db, "%s/r.db", g_dir);
  synth_write(corpus, "民法商法/测试婚姻法(2020-05-28).md",
              "# 中华人民共和国测试婚姻法\n\n2020年5月28日 测试会议通过\n\n<!-- INFO END -->\n\n"
              "## 第一章 离婚\n\n"
              "第一条 婚姻登记机关办理离婚登记，离婚双方应当亲自到场，离婚协议应当书面。\n\n"
              "第二条 一方与他人同居的，另一方可以请求离婚。\n\n"
              "第三条 收养应当向民政部门登记。\n\n"
              "第四条 继承从被继承人死亡时开始。\n");
  ix_stats st;
  char err[512] = "";
  if (ix_index_corpus(g_db, corpus, NULL, &st, err, sizeof err)) fail_msg("%s", err);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  synth_rmdir(g_dir);
  return 0;
}

/* The file DB<suffix> next to the database (.rerank, .priors). */
static void write_beside(const char *suffix, const char *text) {
  char path[700];
  snprintf(path, sizeof path, "%s%s", g_db, suffix);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void remove_beside(const char *suffix) {
  char path[700];
  snprintf(path, sizeof path, "%s%s", g_db, suffix);
  assert_int_equal(remove(path), 0);
}

static void write_model(const char *text) {
  write_beside(".rerank", text);
}

/* The article numbers of a search's hits, in order, into out; -1 when the
 * search failed (its message in err). */
static int ranking(const char *query, int *out, size_t cap, size_t *n, char *err, size_t errlen) {
  rt_handle *h = rt_open(g_db, err, errlen);
  if (!h) fail_msg("%s", err);
  rt_query q = {.k = 10};
  rt_result r;
  int rc = rt_search(h, query, &q, &r, err, errlen);
  *n = 0;
  for (size_t i = 0; !rc && i < r.n && i < cap; i++)
    out[(*n)++] = r.hits[i].number;
  if (!rc) rt_result_free(&r);
  rt_close(h);
  return rc;
}

static void test_search_order(void **state) {
  (void)state;
  int got[4];
  size_t n;
  char err[512] = "";
  const char *q = "对方夜不归宿，我想离婚"; /* no thesaurus entry */

  write_model(""); /* off: BM25 alone ranks the article with more 离婚 first */
  assert_int_equal(ranking(q, got, 4, &n, err, sizeof err), 0);
  assert_int_equal(n, 4);
  assert_int_equal(got[0], 1);

  write_model("lambda\t1\npower\t0\n归宿\t同居\t10\n"); /* 夜不归宿 asks about 同居 */
  assert_int_equal(ranking(q, got, 4, &n, err, sizeof err), 0);
  assert_int_equal(n, 4);
  assert_int_equal(got[0], 2);
  assert_int_equal(got[1], 1);

  /* a second search on the same handle scores from the articles it kept */
  {
    rt_handle *h = rt_open(g_db, err, sizeof err);
    assert_non_null(h);
    rt_query rq = {.k = 10};
    for (int round = 0; round < 2; round++) {
      rt_result r;
      assert_int_equal(rt_search(h, q, &rq, &r, err, sizeof err), 0);
      assert_int_equal(r.n, 4);
      assert_int_equal(r.hits[0].number, 2);
      assert_int_equal(r.hits[0].rank_bm25, 1);
      rt_result_free(&r);
    }
    rt_close(h);
  }

  /* words quoted as written keep their rows first */
  assert_int_equal(ranking("“登记机关”对方夜不归宿，我想离婚", got, 4, &n, err, sizeof err), 0);
  assert_int_equal(got[0], 1);

  write_model("lambda\t0\n归宿\t同居\t10\n"); /* lambda 0: off too */
  assert_int_equal(ranking(q, got, 4, &n, err, sizeof err), 0);
  assert_int_equal(got[0], 1);

  write_model("lambda\t1\n归宿\t同居\n");
  assert_int_equal(ranking(q, got, 4, &n, err, sizeof err), -1);
  assert_non_null(strstr(err, ".rerank:2:"));

  /* no file: the compiled-in model, whatever it learned, still answers */
  remove_beside(".rerank");
  assert_int_equal(ranking(q, got, 4, &n, err, sizeof err), 0);
  assert_int_equal(n, 4);
}

/* The two hits of a search that finds two articles, in order. */
static void assert_two_hits(const char *query, int first, int second) {
  int got[4];
  size_t n;
  char err[512] = "";
  assert_int_equal(ranking(query, got, 4, &n, err, sizeof err), 0);
  assert_int_equal(n, 2);
  assert_int_equal(got[0], first);
  assert_int_equal(got[1], second);
}

/* A term's weight scales its idf in the BM25 arm, so it changes which
 * rows BM25 finds first, not only their order among themselves. */
static void test_term_weights(void **state) {
  (void)state;
  int got[4];
  size_t n;
  char err[512] = "";
  const char *q = "收养 继承"; /* one article each, equally rare */

  write_model("");
  assert_two_hits(q, 4, 3); /* 继承 twice (被继承人) */

  write_model("term\t继承\t0.2\n"); /* terms only: nothing is re-sorted */
  assert_two_hits(q, 3, 4);

  write_model("term\t收养\t0.2\nterm\t继承\t3\n");
  assert_int_equal(ranking(q, got, 4, &n, err, sizeof err), 0);
  assert_int_equal(got[0], 4);

  write_model("term\t继承\t0\n");
  assert_int_equal(ranking(q, got, 4, &n, err, sizeof err), -1);
  assert_non_null(strstr(err, ".rerank:1:"));

  /* neighbours: articles 3 and 4 stand together, so each gets neighbour
   * times the other's score; with 2, the weaker one (3: score x < 1 after
   * BM25's best, 1) ends ahead, x + 2 > 1 + 2x.  The pair only turns the
   * reranker on: no word of the query has one.  The category prior is
   * turned off, for it would make both scores negative, and a neighbour
   * scoring below 0 adds nothing. */
  write_beside(".priors", "beta\t0\n");
  write_model("lambda\t1\nneighbour\t2\n归宿\t同居\t10\n");
  assert_two_hits(q, 3, 4);
  write_model("lambda\t1\nneighbour\t0\n归宿\t同居\t10\n");
  assert_int_equal(ranking(q, got, 4, &n, err, sizeof err), 0);
  assert_int_equal(got[0], 4);
  remove_beside(".priors");
  remove_beside(".rerank");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_model_read),
      cmocka_unit_test(test_model_errors),
      cmocka_unit_test(test_bigram_codes),
      cmocka_unit_test_setup_teardown(test_search_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_term_weights, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
