/* The charge-name map read from the charge-name provisions in a database
 * (made-up provisions in the real layouts: the opinion's list, the
 * supplements' tables and a rename), and the 3-1 rule that uses it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "charges.h"
#include "synth_index.h"

static char *g_dir;
static char g_db[600];

static const char *const opinion[] = {
    "为统一执法，现提出如下意见：",
    "1．盗窃罪（第264条） 2．故意伤害罪（第234条） 3．资助危害国家安全犯罪活动罪（第107条）"
    " 4．以危险方法危害公共安全罪（第114条、第115条第1款）",
};
static const char *const supplement[] = {
    "| 刑法条文 |罪名 |\n|-----|-----|\n"
    "| 第133条之一 （《刑法修正案（八）》第22条） |危险驾驶罪 |\n"
    "| 第168条 |国有公司人员失职罪 国有公司人员滥用职权罪 |\n"
    "| 第229条第3款 |出具证明文件重大失实罪（取消中介组织人员出具证明文件重大失实罪罪名） |",
};
static const char *const rename_text[] = {
    "将《中华人民共和国刑法》第二百三十四条（《刑法修正案（二十）》第一条）的罪名由“故意伤害罪”"
    "修改为“伤害他人身体罪”。",
};

static int setup(void **state) {
  (void)state;
  g_dir = synth_tmpdir();
  snprintf(g_db, sizeof g_db, "%s/c.db", g_dir);
  synth_doc a, b, c;
  synth_make(&a, "最高人民检察院关于适用刑法分则规定的犯罪的罪名的意见", "司法解释", "1997-12-25",
             1, opinion, 2);
  synth_make(&b, "关于执行《中华人民共和国刑法》确定罪名的补充规定", "司法解释", "2011-04-27", 2,
             supplement, 1);
  synth_make(&c, "关于执行《中华人民共和国刑法》确定罪名的补充规定（九）", "司法解释", "2030-01-01",
             3, rename_text, 1);
  const st_doc *docs[] = {&a.doc, &b.doc, &c.doc};
  return synth_index(g_db, docs, 3);
}

static int teardown(void **state) {
  (void)state;
  synth_rmdir(g_dir);
  return 0;
}

static void test_charges(void **state) {
  (void)state;
  char err[512];
  rt_handle *h = rt_open(g_db, err, sizeof err);
  assert_non_null(h);
  ev_charges t;
  assert_int_equal(ev_charges_load(h, &t, err, sizeof err), 0);
  const ev_charge *c = ev_charge_find(&t, "盗窃");
  assert_non_null(c);
  assert_string_equal(c->articles, "264");
  assert_string_equal(ev_charge_find(&t, "危险驾驶罪")->articles, "133之一");
  assert_string_equal(ev_charge_find(&t, "资助危害国家安全犯罪活动罪")->articles, "107");
  assert_string_equal(ev_charge_find(&t, "以危险方法危害公共安全罪")->articles, "114,115");
  /* two charges in one cell; a cancelled name is not a charge */
  assert_string_equal(ev_charge_find(&t, "国有公司人员失职罪")->name, "国有公司人员失职罪");
  assert_string_equal(ev_charge_find(&t, "国有公司人员滥用职权罪")->articles, "168");
  assert_string_equal(ev_charge_find(&t, "出具证明文件重大失实罪")->articles, "229");
  for (size_t i = 0; i < t.n; i++)
    assert_null(strstr(t.v[i].name, "取消"));
  /* a rename keeps both names */
  assert_string_equal(ev_charge_find(&t, "伤害他人身体罪")->articles, "234");
  assert_string_equal(ev_charge_find(&t, "故意伤害罪")->articles, "234");
  assert_null(ev_charge_find(&t, "完全不是罪名的东西"));
  int a[8];
  assert_int_equal(ev_predict_articles(NULL, &t, "事实:……\r\n罪名:盗窃;故意伤害。", a, 8), 2);
  assert_int_equal(a[0], 264);
  assert_int_equal(a[1], 234);
  /* 之一 articles are written without it by LawBench: 133之一 -> 133. */
  assert_int_equal(ev_predict_articles(NULL, &t, "罪名:危险驾驶。", a, 8), 1);
  assert_int_equal(a[0], 133);
  assert_int_equal(ev_predict_articles(NULL, &t, "罪名:。", a, 8), 0);
  ev_charges_free(&t);
  rt_close(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_charges)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
