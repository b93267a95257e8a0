/* util — error messages, hashing and whole-file reads shared by the module. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

void set_err(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

uint64_t fnv1a64(uint64_t h, const void *data, size_t len) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* One fread of the whole file: the corpus files are small (the largest is
 * under 1 MB) and the parser wants them contiguous. */
char *read_file(const char *path, size_t *len, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    set_err(err, errlen, "%s: %s", path, strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    set_err(err, errlen, "%s: not a regular file", path);
    fclose(f);
    return NULL;
  }
  size_t size = (size_t)st.st_size;
  char *buf = malloc(size + 1);
  if (!buf) {
    set_err(err, errlen, "%s: out of memory", path);
    fclose(f);
    return NULL;
  }
  size_t got = size ? fread(buf, 1, size, f) : 0;
  bool bad = got != size || ferror(f);
  fclose(f);
  if (bad) {
    set_err(err, errlen, "%s: read error", path);
    free(buf);
    return NULL;
  }
  buf[size] = '\0';
  *len = size;
  return buf;
}
