/* Citations of laws whose titles are not plain names resolve through the
 * retriever's public API (what the service's citation check uses):
 * a title quoting another law (…适用《中华人民共和国民法典》…的解释, cited
 * with 《民法典》) and an edition year (宪法修正案（2004年）, cited as
 * 宪法修正案2004年 or 2004年宪法修正案), and a trial rule's note (…办法（试行）,
 * cited as …办法 or …办法试行). */
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

static const char *const guarantee[] = {"担保合同无效的，按照本解释处理。",
                                        "债权人请求保证人承担责任的，依照本解释处理。"};
static const char *const amend_a[] = {"宪法第一条修改为：甲。", "宪法第二条修改为：乙。"};
static const char *const amend_b[] = {"宪法第三条修改为：丙。", "宪法第四条修改为：丁。"};
static const char *const trial[] = {"处方药凭医师处方调配。", "非处方药分为甲类和乙类。"};
static const char *const rules_trial[] = {"试行的规则。", "试行的第二条。"};
static const char *const rules[] = {"正式的规则。", "正式的第二条。"};

static int setup(void **state) {
  (void)state;
  g_dir = synth_tmpdir();
  snprintf(g_db, sizeof g_db, "%s/n.db", g_dir);
  synth_doc a, b, c, d, e, f;
  synth_make(&a, "最高人民法院关于适用《中华人民共和国测试典》有关担保制度的解释", "司法解释",
             "2020-12-31", 1, guarantee, 2);
  synth_make(&b, "中华人民共和国测试宪法修正案（1999年）", "宪法", "1999-03-15", 2, amend_a, 2);
  synth_make(&c, "中华人民共和国测试宪法修正案（2004年）", "宪法", "2004-03-14", 3, amend_b, 2);
  /* amendments number their articles on from the previous ones */
  for (int i = 0; i < 2; i++) c.units[i].number = 3 + i;
  snprintf(c.labels[0], sizeof c.labels[0], "第三条");
  snprintf(c.labels[1], sizeof c.labels[1], "第四条");
  synth_make(&d, "测试药品分类管理办法（试行）", "部门规章", "1999-06-18", 4, trial, 2);
  synth_make(&e, "人民检察院测试规则（试行）", "司法解释", "2012-11-22", 5, rules_trial, 2);
  synth_make(&f, "人民检察院测试规则", "司法解释", "2019-12-30", 6, rules, 2);
  const st_doc *docs[] = {&a.doc, &b.doc, &c.doc, &d.doc, &e.doc, &f.doc};
  return synth_index(g_db, docs, 6);
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

static void resolves_to(rt_handle *h, const char *name, const char *title) {
  char *t = rt_resolve_law(h, name);
  if (!t) fprintf(stderr, "unresolved: %s\n", name);
  assert_non_null(t);
  assert_string_equal(t, title);
  free(t);
}

static void test_quoted_law_in_title(void **state) {
  (void)state;
  rt_handle *h = open_h();
  static const char title[] = "最高人民法院关于适用《中华人民共和国测试典》有关担保制度的解释";
  resolves_to(h, title, title);
  resolves_to(h, "最高人民法院关于适用《测试典》有关担保制度的解释", title);
  resolves_to(h, "《最高人民法院关于适用〈测试典〉有关担保制度的解释》", title);
  resolves_to(h, "最高人民法院关于适用测试典有关担保制度的解释", title);
  rt_hit hit;
  char err[512];
  assert_int_equal(rt_check_citation(h, "最高人民法院关于适用《测试典》有关担保制度的解释", NULL,
                                     2, 0, NULL, &hit, err, sizeof err),
                   0);
  assert_string_equal(hit.text, guarantee[1]);
  rt_hit_clear(&hit);
  assert_null(rt_resolve_law(h, "最高人民法院关于适用《测试法》有关担保制度的解释"));
  rt_close(h);
}

static void test_edition_year(void **state) {
  (void)state;
  rt_handle *h = open_h();
  static const char y2004[] = "中华人民共和国测试宪法修正案（2004年）";
  resolves_to(h, "测试宪法修正案（2004年）", y2004);
  resolves_to(h, "测试宪法修正案2004年", y2004);
  resolves_to(h, "2004年测试宪法修正案", y2004);
  resolves_to(h, "测试宪法修正案1999年", "中华人民共和国测试宪法修正案（1999年）");
  assert_null(rt_resolve_law(h, "测试宪法修正案2005年"));
  rt_hit hit;
  char err[512];
  assert_int_equal(rt_get_article(h, "测试宪法修正案2004年", "第四条", NULL, &hit, err, sizeof err), 0);
  assert_string_equal(hit.text, amend_b[1]);
  rt_hit_clear(&hit);
  /* article 2 belongs to the 1999 amendment, not the 2004 one */
  assert_int_equal(rt_get_article(h, "测试宪法修正案2004年", "第二条", NULL, &hit, err, sizeof err), 1);
  rt_close(h);
}

static void test_trial_note(void **state) {
  (void)state;
  rt_handle *h = open_h();
  static const char title[] = "测试药品分类管理办法（试行）";
  resolves_to(h, title, title);
  resolves_to(h, "测试药品分类管理办法", title);
  resolves_to(h, "《测试药品分类管理办法》", title);
  resolves_to(h, "测试药品分类管理办法试行", title);
  /* a law of the very name without the note is that law */
  resolves_to(h, "人民检察院测试规则", "人民检察院测试规则");
  resolves_to(h, "人民检察院测试规则试行", "人民检察院测试规则（试行）");
  assert_null(rt_resolve_law(h, "试行"));
  assert_null(rt_resolve_law(h, "测试药品管理办法"));
  rt_close(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_quoted_law_in_title),
                                     cmocka_unit_test(test_edition_year),
                                     cmocka_unit_test(test_trial_note)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
