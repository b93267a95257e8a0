/* apikeys — bearer keys for the write endpoints, read from a file with
 * one key per line (blank lines and # comments ignored).  Without a file
 * the write endpoints are off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc.h"

int keys_load(svc *s, const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, errlen, "cannot read API key file %s", path);
    return -1;
  }
  char line[1024];
  int rc = 0;
  while (fgets(line, sizeof line, f)) {
    size_t n = strcspn(line, "\r\n");
    line[n] = '\0';
    char *k = line;
    while (*k == ' ' || *k == '\t') k++;
    n = strlen(k);
    while (n && (k[n - 1] == ' ' || k[n - 1] == '\t')) k[--n] = '\0';
    if (!n || *k == '#') continue;
    char **keys = realloc(s->keys, (s->n_keys + 1) * sizeof *keys);
    if (!keys || !(keys[s->n_keys] = strdup(k))) {
      if (keys) s->keys = keys;
      snprintf(err, errlen, "out of memory");
      rc = -1;
      break;
    }
    s->keys = keys;
    s->n_keys++;
  }
  fclose(f);
  if (!rc && !s->n_keys) {
    snprintf(err, errlen, "API key file %s holds no key", path);
    rc = -1;
  }
  return rc;
}

void keys_free(svc *s) {
  for (size_t i = 0; i < s->n_keys; i++) free(s->keys[i]);
  free(s->keys);
  s->keys = NULL;
  s->n_keys = 0;
}

/* Compares without an early exit, so timing does not reveal a prefix. */
static bool same(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  unsigned char d = la != lb;
  for (size_t i = 0; i < la && i < lb; i++) d |= (unsigned char)(a[i] ^ b[i]);
  return d == 0;
}

int keys_check(const svc *s, struct evhttp_request *req) {
  if (!s->n_keys) return 403;
  const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
  if (!auth || strncasecmp(auth, "Bearer ", 7)) return 401;
  const char *key = auth + 7;
  while (*key == ' ') key++;
  bool ok = false;
  for (size_t i = 0; i < s->n_keys; i++) ok |= same(key, s->keys[i]);
  return ok ? 0 : 401;
}
