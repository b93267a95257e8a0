/* libFuzzer target: st_parse_markdown on arbitrary bytes.  The first byte
 * picks the category so the case parser is reached too; every unit must
 * come back well-formed, and everything is freed (leaks are findings). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "statutes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *category = size && (data[0] & 1) ? "案例" : "司法解释";
  char err[128];
  st_doc *d = st_parse_markdown((const char *)data, size, "fuzz/输入(2020-01-01).md", category, err,
                                sizeof err);
  if (!d) return 0;
  size_t total = strlen(d->title) + strlen(d->version_date) + strlen(d->first_date);
  for (size_t i = 0; i < d->n_history; i++) total += strlen(d->history[i]);
  for (size_t i = 0; i < d->n_warnings; i++) total += strlen(d->warnings[i]);
  for (size_t i = 0; i < d->n_units; i++) {
    const st_unit *u = &d->units[i];
    if (u->kind > ST_UNIT_PREAMBLE || !u->label || !u->path || !u->text) abort();
    total += strlen(u->label) + strlen(u->path) + strlen(u->text);
    /* the texts feed the citation finder in the indexer */
    st_citation c[8];
    st_find_citations(u->text, strlen(u->text), c, 8);
  }
  if (total == (size_t)-1) abort(); /* keeps the reads */
  st_doc_free(d);
  return 0;
}
