/* Indexer: tokenizer, schema, versions, re-index, atomic builds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>

#include "indexer.h"
#include "synth.h"

/* ---- tokenizer -------------------------------------------------------- */

typedef struct {
  char toks[64][32];
  int n;
} tok_list;

static int collect(void *ctx, int flags, const char *tok, int len, int start, int end) {
  (void)flags;
  tok_list *l = ctx;
  assert_true(start >= 0 && end > start);
  if (l->n < 64 && len < 32) {
    memcpy(l->toks[l->n], tok, (size_t)len);
    l->toks[l->n][len] = '\0';
    l->n++;
  }
  return 0;
}

static int has(const tok_list *l, const char *t) {
  for (int i = 0; i < l->n; i++)
    if (!strcmp(l->toks[i], t)) return 1;
  return 0;
}

static void test_tokenizer_document(void **state) {
  (void)state;
  tok_list l = {0};
  const char *s = "盗窃罪，ＡＢＣ Law 264条";
  ix_tokenize(s, (int)strlen(s), 0, collect, &l);
  assert_true(has(&l, "盗"));
  assert_true(has(&l, "盗窃"));
  assert_true(has(&l, "窃罪"));
  assert_true(has(&l, "罪"));
  assert_false(has(&l, "罪，")); /* punctuation separates */
  assert_true(has(&l, "abc"));   /* full-width folded, lower-cased */
  assert_true(has(&l, "law"));
  assert_true(has(&l, "264"));
  assert_true(has(&l, "条"));
  assert_int_equal(l.n, 9);
}

static void test_tokenizer_query(void **state) {
  (void)state;
  tok_list l = {0};
  const char *s = "盗窃罪 罪 \"x\" \xff\xfe 😀 借";
  ix_tokenize(s, (int)strlen(s), 1, collect, &l);
  /* runs of two or more: bigrams only; a lone ideograph: itself */
  assert_true(has(&l, "盗窃"));
  assert_true(has(&l, "窃罪"));
  assert_true(has(&l, "罪"));
  assert_true(has(&l, "借"));
  assert_true(has(&l, "x"));
  assert_int_equal(l.n, 5);
}

/* ---- helpers ---------------------------------------------------------- */

static sqlite3 *open_db(const char *path) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(ix_register_tokenizer(db), SQLITE_OK);
  return db;
}

static long long scalar(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  long long v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static const char *const v1_texts[] = {"为了测试借款合同的订立，制定本法。",
                                       "借款人应当按照约定的期限返还借款。",
                                       "出借人不得预先在本金中扣除利息。"};
static const char *const v2_texts[] = {
    "为了测试借款合同的订立，制定本法。", "借款人应当按照约定的期限返还借款和利息。",
    "出借人不得预先在本金中扣除利息。", "自然人之间的借款合同，自出借人提供借款时成立。"};

/* ---- schema, versions, re-index --------------------------------------- */

static void test_index_docs_versions(void **state) {
  (void)state;
  char *dir = synth_tmpdir();
  char db_path[600];
  snprintf(db_path, sizeof db_path, "%s/t.db", dir);
  synth_doc a, b, c;
  synth_make(&a, "中华人民共和国测试借款法", "民法商法", "2001-01-01", 111, v1_texts, 3);
  synth_make(&b, "中华人民共和国测试借款法", "民法商法", "2020-05-01", 222, v2_texts, 4);
  synth_make(&c, "测试条例", "行政法规", "2010-03-03", 333, v1_texts, 2);
  const st_doc *docs[] = {&b.doc, &a.doc, &c.doc}; /* newest first: order must not matter */
  ix_stats st;
  char err[512] = "";
  assert_int_equal(ix_index_docs(db_path, docs, 3, NULL, &st, err, sizeof err), 0);
  assert_int_equal(st.laws, 2);
  assert_int_equal(st.versions, 3);
  assert_int_equal(st.versions_added, 3);
  assert_int_equal(st.current_articles, 4 + 2);

  sqlite3 *db = open_db(db_path);
  assert_int_equal(scalar(db, "SELECT count(*) FROM versions WHERE is_current"), 2);
  assert_int_equal(scalar(db, "SELECT count(*) FROM versions v JOIN laws l ON l.id=v.law_id "
                              "WHERE l.title='中华人民共和国测试借款法' AND v.is_current AND "
                              "v.version_date='2020-05-01'"),
                   1);
  /* every version is searchable: 利息 is in article 2 of v2 and article 3 of both */
  assert_int_equal(
      scalar(db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH '\"利息\"'"), 3);
  assert_int_equal(scalar(db, "SELECT count(*) FROM aliases a JOIN laws l ON l.id=a.law_id "
                              "WHERE l.title='中华人民共和国测试借款法' AND a.alias='测试借款法'"),
                   1);
  sqlite3_close(db);

  /* the same documents again: nothing changes, the file is not rewritten */
  struct stat before, after;
  assert_int_equal(stat(db_path, &before), 0);
  assert_int_equal(ix_index_docs(db_path, docs, 3, NULL, &st, err, sizeof err), 0);
  assert_int_equal(st.versions_added, 0);
  assert_int_equal(st.files_unchanged, 3);
  assert_int_equal(st.versions, 3);
  assert_int_equal(stat(db_path, &after), 0);
  assert_int_equal(before.st_ino, after.st_ino);

  /* a batch that repeats a document stores it once */
  synth_doc d;
  synth_make(&d, "测试重复条例", "行政法规", "2012-02-02", 444, v1_texts, 1);
  const st_doc *dup[] = {&d.doc, &d.doc};
  assert_int_equal(ix_index_docs(db_path, dup, 2, NULL, &st, err, sizeof err), 0);
  assert_int_equal(st.versions_added, 1);
  assert_int_equal(st.files_unchanged, 1);
  assert_int_equal(st.versions, 4);
  synth_rmdir(dir);
}

/* ---- Markdown corpus: change adds a version, kill -9 keeps the old DB -- */

static void write_law(const char *dir, const char *rel, const char *title, int n_articles,
                      const char *extra) {
  size_t cap = 256 + (size_t)n_articles * 200;
  char *buf = malloc(cap);
  size_t len = (size_t)snprintf(
      buf, cap, "# %s\n\n2001年1月1日 测试会议通过\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n",
      title);
  for (int i = 1; i <= n_articles; i++) {
    char cn[32];
    st_int_to_cn(i, cn, sizeof cn);
    len += (size_t)snprintf(buf + len, cap - len, "第%s条 当事人第%d号义务应当按照约定履行%s。\n\n",
                            cn, i, i == 1 && extra ? extra : "");
  }
  synth_write(dir, rel, buf);
  free(buf);
}

static void test_corpus_change_adds_version(void **state) {
  (void)state;
  char *dir = synth_tmpdir();
  char corpus[600], db_path[600];
  snprintf(corpus, sizeof corpus, "%s/corpus", dir);
  snprintf(db_path, sizeof db_path, "%s/t.db", dir);
  write_law(corpus, "民法商法/测试甲法(2001-01-01).md", "中华人民共和国测试甲法", 5, NULL);
  write_law(corpus, "行政法规/测试乙条例.md", "测试乙条例", 3, NULL);
  write_law(corpus, "DLC/测试丙规定.md", "测试丙规定", 2, NULL);
  const char *excl[] = {"DLC"};
  ix_opts opts = {.exclude = excl, .n_exclude = 1};
  ix_stats st;
  char err[512] = "";
  assert_int_equal(ix_index_corpus(db_path, corpus, &opts, &st, err, sizeof err), 0);
  assert_int_equal(st.laws, 2);
  assert_int_equal(st.versions, 2);
  assert_int_equal(st.current_articles, 8);

  /* no change */
  assert_int_equal(ix_index_corpus(db_path, corpus, &opts, &st, err, sizeof err), 0);
  assert_int_equal(st.versions_added, 0);
  assert_int_equal(st.versions, 2);

  /* a new dated file of the same law and a changed file: two new versions */
  write_law(corpus, "民法商法/测试甲法(2015-06-01).md", "中华人民共和国测试甲法", 6, NULL);
  write_law(corpus, "行政法规/测试乙条例.md", "测试乙条例", 3, "并通知对方");
  assert_int_equal(ix_index_corpus(db_path, corpus, &opts, &st, err, sizeof err), 0);
  assert_int_equal(st.versions_added, 2);
  assert_int_equal(st.versions, 4);
  assert_int_equal(st.laws, 2);
  assert_int_equal(st.current_articles, 9);
  sqlite3 *db = open_db(db_path);
  assert_int_equal(
      scalar(db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH '\"通知\"'"), 1);
  sqlite3_close(db);
  synth_rmdir(dir);
}

static void test_killed_build_keeps_old_db(void **state) {
  (void)state;
  char *dir = synth_tmpdir();
  char corpus[600], db_path[600], tmp_path[620];
  snprintf(corpus, sizeof corpus, "%s/corpus", dir);
  snprintf(db_path, sizeof db_path, "%s/t.db", dir);
  snprintf(tmp_path, sizeof tmp_path, "%s.tmp", db_path);
  write_law(corpus, "行政法规/测试旧条例.md", "测试旧条例", 4, NULL);
  ix_stats st;
  char err[512] = "";
  assert_int_equal(ix_index_corpus(db_path, corpus, NULL, &st, err, sizeof err), 0);

  /* enough new material that the build is still running when killed */
  for (int i = 0; i < 120; i++) {
    char rel[128], title[64];
    snprintf(rel, sizeof rel, "行政法规/测试新条例%03d.md", i);
    snprintf(title, sizeof title, "测试新条例%03d", i);
    write_law(corpus, rel, title, 150, NULL);
  }
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    ix_stats cst;
    char cerr[512];
    _exit(ix_index_corpus(db_path, corpus, NULL, &cst, cerr, sizeof cerr) ? 1 : 0);
  }
  /* kill it as soon as it has started writing the new database */
  struct timespec tick = {0, 200000};
  for (int i = 0; i < 50000 && access(tmp_path, F_OK) != 0; i++)
    nanosleep(&tick, NULL);
  struct timespec settle = {0, 20000000};
  nanosleep(&settle, NULL);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  assert_true(WIFSIGNALED(status)); /* the build was really interrupted */

  sqlite3 *db = open_db(db_path);
  assert_int_equal(scalar(db, "SELECT count(*) FROM laws"), 1);
  assert_int_equal(scalar(db, "SELECT count(*) FROM versions"), 1);
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
  sqlite3_finalize(q);
  assert_int_equal(
      scalar(db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH '\"履行\"'"), 4);
  sqlite3_close(db);

  /* the next build cleans up and completes */
  assert_int_equal(ix_index_corpus(db_path, corpus, NULL, &st, err, sizeof err), 0);
  assert_int_equal(st.laws, 121);
  assert_int_equal(st.versions_added, 120);
  assert_int_equal(access(tmp_path, F_OK), -1);
  synth_rmdir(dir);
}

static void test_refuses_foreign_file(void **state) {
  (void)state;
  char *dir = synth_tmpdir();
  char db_path[600];
  snprintf(db_path, sizeof db_path, "%s/notes.txt", dir);
  synth_write(dir, "notes.txt", "these are my notes, not a database\n");
  synth_doc a;
  synth_make(&a, "测试条例", "行政法规", "2010-03-03", 1, v1_texts, 1);
  const st_doc *docs[] = {&a.doc};
  ix_stats st;
  char err[512] = "";
  assert_int_equal(ix_index_docs(db_path, docs, 1, NULL, &st, err, sizeof err), -1);
  assert_non_null(strstr(err, "not"));
  FILE *f = fopen(db_path, "r");
  char line[64] = "";
  assert_non_null(fgets(line, sizeof line, f));
  fclose(f);
  assert_string_equal(line, "these are my notes, not a database\n");
  synth_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tokenizer_document),
      cmocka_unit_test(test_tokenizer_query),
      cmocka_unit_test(test_index_docs_versions),
      cmocka_unit_test(test_corpus_change_adds_version),
      cmocka_unit_test(test_killed_build_keeps_old_db),
      cmocka_unit_test(test_refuses_foreign_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
