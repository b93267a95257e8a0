/* Laws the corpus's metadata marks as expired: searches of current law
 * leave them out, dated searches and explicit lookups still find them, and
 * a hit says the law is no longer in force.  A changed metadata file alone
 * updates the flags on re-index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "indexer.h"
#include "retriever.h"
#include "synth.h"

static char *g_dir;
static char g_corpus[600], g_db[600];

static void write_law(const char *rel, const char *title, const char *date, const char *text) {
  char buf[1024];
  snprintf(buf, sizeof buf,
           "# %s\n\n%s 测试会议通过\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 %s\n\n"
           "第二条 本法自公布之日起施行。\n",
           title, date, text);
  synth_write(g_corpus, rel, buf);
}

/* LawRefBook's metadata: one row per version, expired 0/1 */
static void write_meta(int interpretation_expired) {
  char path[700], sql[1024];
  snprintf(path, sizeof path, "%s/db.sqlite3", g_corpus);
  remove(path);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  snprintf(sql, sizeof sql,
           "CREATE TABLE law(id TEXT PRIMARY KEY, name TEXT NOT NULL, publish DATE,"
           " expired INTEGER NOT NULL);"
           "INSERT INTO law VALUES('a','测试噪声防治法','2018-12-29',1),"
           "('b','最高人民法院关于适用《测试婚约法》若干问题的解释(一)','2001-12-24',%d),"
           "('c','测试婚约法','2001-04-28',1),('d','测试婚约法','2020-05-28',0);",
           interpretation_expired);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
}

static void index_corpus(size_t expect_added) {
  ix_stats st;
  char err[512] = "";
  if (ix_index_corpus(g_db, g_corpus, NULL, &st, err, sizeof err)) fail_msg("%s", err);
  assert_int_equal(st.versions_added, expect_added);
}

static int setup(void **state) {
  (void)state;
  g_dir = synth_tmpdir();
  snprintf(g_corpus, sizeof g_corpus, "%s/corpus", g_dir);
  snprintf(g_db, sizeof g_db, "%s/e.db", g_dir);
  write_law("行政法/测试噪声防治法(2018-12-29).md", "中华人民共和国测试噪声防治法",
            "2018年12月29日", "工地夜间噪声扰民的，由环保部门处以罚款。");
  write_law("司法解释/婚约解释一(2001-12-24).md",
            "最高人民法院关于适用《中华人民共和国测试婚约法》若干问题的解释（一）",
            "2001年12月24日", "婚约彩礼的返还，依照本解释处理。");
  write_law("民法商法/测试婚约法(2020-05-28).md", "中华人民共和国测试婚约法", "2020年5月28日",
            "婚约彩礼应当返还的，人民法院予以支持。");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  synth_rmdir(g_dir);
  return 0;
}

static size_t count_law(const rt_result *r, const char *short_title) {
  size_t n = 0;
  for (size_t i = 0; i < r->n; i++)
    n += !strcmp(r->hits[i].law_short, short_title);
  return n;
}

static void test_expired_laws(void **state) {
  (void)state;
  write_meta(1);
  index_corpus(3);
  char err[512];
  rt_handle *h = rt_open(g_db, err, sizeof err);
  assert_non_null(h);
  rt_result r;
  rt_query now = {.k = 10};
  /* the repealed law and interpretation are not current law */
  assert_int_equal(rt_search(h, "夜间噪声罚款", &now, &r, err, sizeof err), 0);
  assert_int_equal(count_law(&r, "测试噪声防治法"), 0);
  rt_result_free(&r);
  assert_int_equal(rt_search(h, "婚约彩礼返还", &now, &r, err, sizeof err), 0);
  assert_true(r.n >= 1);
  for (size_t i = 0; i < r.n; i++)
    assert_false(r.hits[i].expired);
  assert_string_equal(r.hits[0].law_short, "测试婚约法"); /* the law itself is in force */
  rt_result_free(&r);
  /* a dated search still has them: the repeal date is unknown */
  rt_query then = {.k = 10, .as_of = "2019-06-01"};
  assert_int_equal(rt_search(h, "夜间噪声罚款", &then, &r, err, sizeof err), 0);
  assert_true(count_law(&r, "测试噪声防治法") >= 1);
  assert_true(r.hits[0].expired);
  assert_true(r.hits[0].in_force);
  rt_result_free(&r);
  /* asked for by name: found, and marked as out of force today */
  rt_hit hit;
  assert_int_equal(rt_get_article(h, "测试噪声防治法", "1", NULL, &hit, err, sizeof err), 0);
  assert_true(hit.expired);
  assert_false(hit.in_force);
  rt_hit_clear(&hit);
  assert_int_equal(rt_search(h, "测试噪声防治法第一条", &now, &r, err, sizeof err), 0);
  assert_int_equal(r.hits[0].rank_citation, 1);
  assert_false(r.hits[0].in_force);
  rt_result_free(&r);
  rt_close(h);

  /* the metadata alone changes: the interpretation is in force again */
  write_meta(0);
  index_corpus(0);
  h = rt_open(g_db, err, sizeof err);
  assert_non_null(h);
  assert_int_equal(rt_search(h, "婚约彩礼返还", &now, &r, err, sizeof err), 0);
  assert_int_equal(count_law(&r, "最高人民法院关于适用中华人民共和国测试婚约法若干问题的解释(一)"),
                   1);
  rt_result_free(&r);
  rt_close(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_expired_laws)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
