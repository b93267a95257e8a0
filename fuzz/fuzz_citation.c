/* libFuzzer target: st_find_citations, the numeral converters and law
 * keys on arbitrary bytes.  Checks the invariants callers rely on: spans
 * inside the input, articles >= 1, and the count independent of cap. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "statutes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  st_citation c[16];
  size_t n = st_find_citations(s, size, c, 16);
  if (st_find_citations(s, size, NULL, 0) != n) abort();
  for (size_t i = 0; i < n && i < 16; i++) {
    if (c[i].start > c[i].end || c[i].end > size) abort();
    if (c[i].law_start + c[i].law_len > size) abort();
    if (c[i].article < 1 || c[i].paragraph < 0 || c[i].item < 0 || c[i].suffix < 0) abort();
  }
  long v;
  if (st_cn_to_int(s, size, &v)) {
    char buf[64];
    size_t len = st_int_to_cn(v, buf, sizeof buf);
    long back = -1;
    if (!len || !st_cn_to_int(buf, len, &back) || back != v) abort();
  }
  free(st_law_key(s, size));
  return 0;
}
