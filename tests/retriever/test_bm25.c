/* The BM25 scorer over the indexer's postings gives exactly FTS5's bm25()
 * ranking: on a synthetic database with two versions of a law, another
 * law and a case, for several queries, filters and column weights. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bm25_oracle.h"
#include "synth_index.h"

static char *g_dir;
static char g_db[600];

static const char *const v1[] = {
    "盗窃公私财物，数额较大的，处三年以下有期徒刑。盗窃盗窃。",
    "诈骗公私财物，数额较大的，处三年以下有期徒刑。",
    "抢夺公私财物的，处罚金。Fraud by wire 2020。",
};
static const char *const v2[] = {
    "盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃的，处三年以下有期徒刑、拘役或者管制。",
    "诈骗公私财物，数额较大的，处三年以下有期徒刑；数额巨大的，处三年以上十年以下有期徒刑。",
    "抢夺公私财物的，处罚金。",
    "驾驶机动车追逐竞驶，情节恶劣的，处拘役。",
};
static const char *const loan[] = {
    "借款人应当按照约定的期限返还借款。借款合同的利息不得预先扣除。",
    "出借人不得预先在本金中扣除利息；利息预先在本金中扣除的，按照实际借款数额返还借款并计算利息。",
    "盗窃借款合同的，依照测试刑法处罚。",
};
static const char *const case_text[] = {"张某向李某借款五万元，到期未还，后又盗窃。",
                                        "法院判决张某返还借款并支付利息。"};

static int setup(void **state) {
  (void)state;
  g_dir = synth_tmpdir();
  snprintf(g_db, sizeof g_db, "%s/b.db", g_dir);
  synth_doc a, b, c, d;
  synth_make(&a, "中华人民共和国测试刑法", "刑法", "1997-03-14", 1, v1, 3);
  synth_make(&b, "中华人民共和国测试刑法", "刑法", "2020-12-26", 2, v2, 4);
  b.units[3].path = "第二章 危害公共安全罪 第一节 驾驶";
  synth_make(&c, "中华人民共和国测试借款法", "民法商法", "2010-01-01", 3, loan, 3);
  synth_make(&d, "借款盗窃测试案例", "案例", "", 4, case_text, 2);
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

static void test_equals_fts5(void **state) {
  (void)state;
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(g_db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(ix_register_tokenizer(db), SQLITE_OK);
  char err[256];
  rt_bm25 *b = rt_bm25_open(db, err, sizeof err);
  assert_non_null(b);
  static const char *const queries[] = {
      "盗窃公私财物", "借款利息怎么算",  "诈骗 数额巨大",     "驾驶 总则",
      "盗",           "fraud WIRE 2020", "测试刑法 盗窃借款", "没有的词语"};
  static const double weights[][3] = {{1, 1, 1}, {2, 0.5, 1}, {0, 1, 3}};
  static const char *const dates[] = {NULL, "2005-01-01", "2021-01-01", "1990-01-01"};
  int compared = 0;
  for (size_t q = 0; q < sizeof queries / sizeof *queries; q++)
    for (size_t w = 0; w < 3; w++)
      for (size_t d = 0; d < 4; d++)
        for (int kinds = 0; kinds < 3; kinds++)
          for (int64_t law = -1; law <= 2; law += 3) {
            rt_bm25_filter f = {.as_of = dates[d],
                                .law_id = law,
                                .no_cases = kinds == 1,
                                .only_cases = kinds == 2,
                                .w_title = weights[w][0],
                                .w_path = weights[w][1],
                                .w_text = weights[w][2]};
            int n = oracle_compare(db, b, queries[q], &f);
            assert_true(n >= 0);
            compared += n;
          }
  assert_true(compared > 500); /* the filters left plenty of rows to compare */
  /* the old version under as_of, the new one without it */
  rt_bm25_filter cur = {.law_id = -1, .w_title = 1, .w_path = 1, .w_text = 1};
  rt_bm25_filter old = cur;
  old.as_of = "2005-01-01";
  int64_t ids[8];
  double scores[8];
  size_t n;
  oracle_terms ts = {.db = db};
  ix_tokenize("入户盗窃", 12, 1, oracle_token, &ts);
  rt_bm25_filter_set(b, &old);
  assert_int_equal(rt_bm25_search(b, ts.t, ts.n, &old, ids, scores, 8, &n, err, sizeof err), 0);
  for (size_t i = 0; i < n; i++)
    assert_true(ids[i] <= 3 || ids[i] > 7); /* not version 2's */
  rt_bm25_filter_set(b, &cur);
  assert_int_equal(rt_bm25_search(b, ts.t, ts.n, &cur, ids, scores, 8, &n, err, sizeof err), 0);
  assert_int_equal(ids[0], 4); /* version 2, article 1: 入户盗窃 */
  for (int k = 0; k < ts.n; k++)
    free(ts.t[k].tok);
  rt_bm25_close(b);
  sqlite3_close(db);
}

/* A damaged copy of the database: clear errors, no crash, no bad read. */
static void damage(const char *sql, char *path, size_t cap) {
  snprintf(path, cap, "%s/damaged.db", g_dir);
  char cmd[1400];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s'", g_db, path);
  assert_int_equal(system(cmd), 0);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
}

static void test_damaged_postings(void **state) {
  (void)state;
  char path[700], err[512];
  rt_result r;
  /* truncated varints, an id past the last row, garbage */
  static const char *const bad[] = {
      "UPDATE postings SET data=x'81'",
      "UPDATE postings SET data=x'7f01'",
      "UPDATE postings SET data=x'ffffffffffffffffffff01'",
      "UPDATE postings SET data=x''",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    damage(bad[i], path, sizeof path);
    rt_handle *h = rt_open(path, err, sizeof err);
    assert_non_null(h);
    assert_int_equal(rt_search(h, "盗窃公私财物", NULL, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "re-index"));
    rt_close(h);
  }
  /* statistics missing or of the wrong size */
  static const char *const no_stats[] = {
      "DELETE FROM doc_stats", "UPDATE doc_stats SET data=x'0102'", "UPDATE doc_stats SET n=n+1"};
  for (size_t i = 0; i < sizeof no_stats / sizeof *no_stats; i++) {
    damage(no_stats[i], path, sizeof path);
    assert_null(rt_open(path, err, sizeof err));
    assert_non_null(strstr(err, "re-index"));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_equals_fts5),
                                     cmocka_unit_test(test_damaged_postings)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
