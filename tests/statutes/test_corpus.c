/* Integration over the real corpus (../shared/corpus/LawRefBook): the whole
 * tree parses, 民法典 is one law of 1,260 articles, the current 刑法 runs
 * 第一条..第四百五十二条 with its 之一/之二 articles.  Skipped when the
 * corpus is absent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "statutes.h"

static const char *corpus;

typedef struct {
  size_t docs, dlc_docs, cases, units, articles, sections, warnings, skipped, citations;
  size_t civil_code_docs, criminal_docs;
  bool civil_ok, criminal_ok;
  int criminal_max, criminal_suffixed;
  double cite_secs, cite_cpu; /* time spent in st_find_citations, not in the scan */
} stats;

/* CPU seconds of this process: the machine is shared, so wall time alone
 * says little. */
static double cpu(void) { return (double)clock() / CLOCKS_PER_SEC; }

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void check_civil_code(const st_doc *d, stats *s) {
  s->civil_code_docs++;
  bool ok = d->n_units == 1260 && strcmp(d->category, "民法典") == 0;
  for (size_t i = 0; ok && i < d->n_units; i++)
    ok = d->units[i].kind == ST_UNIT_ARTICLE && d->units[i].number == (int)i + 1 &&
         d->units[i].suffix == 0 && d->units[i].text[0] != '\0';
  /* 第一千二百六十条 is in 附则, 第一条 in 总则 */
  ok = ok && strncmp(d->units[0].path, "总则/", strlen("总则/")) == 0 &&
       strcmp(d->units[1259].path, "附则") == 0;
  s->civil_ok = ok;
}

static void check_criminal_law(const st_doc *d, stats *s) {
  s->criminal_docs++;
  static bool seen[453];
  memset(seen, 0, sizeof seen);
  bool ok = true;
  int max = 0, suffixed = 0, prev = 0;
  for (size_t i = 0; i < d->n_units; i++) {
    const st_unit *u = &d->units[i];
    if (u->kind != ST_UNIT_ARTICLE) continue;
    if (u->number < 1 || u->number > 452) ok = false;
    else seen[u->number] = true;
    if (u->number < prev) ok = false; /* in order */
    prev = u->number;
    if (u->number > max) max = u->number;
    if (u->suffix) suffixed++;
  }
  for (int n = 1; n <= 452; n++) ok = ok && seen[n];
  s->criminal_ok = ok;
  s->criminal_max = max;
  s->criminal_suffixed = suffixed;
}

static int on_doc(const st_doc *d, void *ctx) {
  stats *s = ctx;
  s->docs++;
  if (strcmp(d->category, "DLC") == 0) s->dlc_docs++;
  if (d->is_case) s->cases++;
  s->units += d->n_units;
  s->warnings += d->n_warnings;
  double t0 = now(), c0 = cpu();
  for (size_t i = 0; i < d->n_units; i++) {
    s->articles += d->units[i].kind == ST_UNIT_ARTICLE;
    s->sections += d->units[i].kind == ST_UNIT_SECTION;
    if (strcmp(d->category, "DLC") != 0)
      s->citations += st_find_citations(d->units[i].text, strlen(d->units[i].text), NULL, 0);
  }
  s->cite_secs += now() - t0;
  s->cite_cpu += cpu() - c0;
  if (strcmp(d->title, "中华人民共和国民法典") == 0) check_civil_code(d, s);
  if (strcmp(d->source_path, "刑法/刑法.md") == 0) check_criminal_law(d, s);
  return 0;
}

static void on_warn(const char *rel, const char *msg, void *ctx) {
  (void)rel, (void)msg;
  ((stats *)ctx)->skipped++;
}

static void test_corpus(void **state) {
  (void)state;
  struct stat st;
  if (!corpus || stat(corpus, &st) != 0) {
    printf("corpus not found, skipped\n");
    skip();
  }
  stats s = {0};
  char err[256];
  /* Under the sanitizers (scripts/test sets LAWQA_SANITIZED) the 1,900
   * local regulations of DLC/ only cost time: the national laws suffice. */
  const char *dlc[] = {"DLC"};
  st_scan_opts opts = {dlc, getenv("LAWQA_SANITIZED") ? 1 : 0};
  double t0 = now(), c0 = cpu();
  assert_int_equal(st_scan_corpus(corpus, &opts, on_doc, on_warn, NULL, &s, err, sizeof err), 0);
  double secs = now() - t0 - s.cite_secs, cpu_secs = cpu() - c0 - s.cite_cpu;
  printf("corpus: %zu docs (%zu without DLC/, %zu cases), %zu units (%zu articles, %zu "
         "sections), %zu files skipped, %zu doc warnings; scan+parse %.2f s wall, %.2f s CPU\n",
         s.docs, s.docs - s.dlc_docs, s.cases, s.units, s.articles, s.sections, s.skipped,
         s.warnings, secs, cpu_secs);
  printf("citations: %zu found in the units outside DLC/ in %.2f s wall, %.2f s CPU\n",
         s.citations, s.cite_secs, s.cite_cpu);
  printf("刑法: max article %d, %d 之X articles\n", s.criminal_max, s.criminal_suffixed);
  assert_true(s.docs - s.dlc_docs > 1000);
  assert_true(s.cases > 10);
  assert_int_equal(s.civil_code_docs, 1);
  assert_true(s.civil_ok);
  assert_int_equal(s.criminal_docs, 1);
  assert_true(s.criminal_ok);
  assert_int_equal(s.criminal_max, 452);
  assert_true(s.criminal_suffixed > 10);
}

int main(int argc, char **argv) {
  corpus = argc > 1 ? argv[1] : NULL;
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_corpus)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
