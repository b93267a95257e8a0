/* doc — the public entry points for single documents, and the merge of a
 * law's part files into one document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "internal.h"

st_doc *st_parse_markdown(const char *buf, size_t len, const char *source_path,
                          const char *category, char *err, size_t errlen) {
  return md_parse(buf, len, source_path, category, NULL, err, errlen);
}

/* The top-level folder of relpath ("刑法/刑法.md" -> "刑法"); "" for a file
 * directly under root. */
static void category_of(const char *relpath, char *out, size_t cap) {
  const char *slash = strchr(relpath, '/');
  size_t n = slash ? (size_t)(slash - relpath) : 0;
  if (n >= cap) n = cap - 1;
  memcpy(out, relpath, n);
  out[n] = '\0';
}

st_doc *st_parse_file(const char *root, const char *relpath, char *err, size_t errlen) {
  if (!root || !relpath) {
    set_err(err, errlen, "no path");
    return NULL;
  }
  size_t pl = strlen(root) + strlen(relpath) + 2;
  char *path = malloc(pl);
  if (!path) {
    set_err(err, errlen, "out of memory");
    return NULL;
  }
  snprintf(path, pl, "%s/%s", root, relpath);
  size_t len;
  char *buf = read_file(path, &len, err, errlen);
  free(path);
  if (!buf) return NULL;
  char cat[256];
  category_of(relpath, cat, sizeof cat);
  st_doc *d = st_parse_markdown(buf, len, relpath, cat, err, errlen);
  free(buf);
  return d;
}

void st_doc_free(st_doc *doc) {
  if (doc) arena_free(doc->arena); /* the doc itself lives in its arena */
}

/* Concatenates the string arrays of the parts; history lines that several
 * parts repeat (民法典's parts share theirs) are kept once. */
static const char **merge_strings(st_arena *a, st_doc **parts, size_t n, bool history,
                                  size_t *out_n, bool *oom) {
  size_t total = 0;
  for (size_t i = 0; i < n; i++) total += history ? parts[i]->n_history : parts[i]->n_warnings;
  *out_n = 0;
  if (total == 0) return NULL;
  const char **v = arena_alloc(a, total * sizeof *v);
  if (!v) {
    *oom = true;
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    const char **src = history ? parts[i]->history : parts[i]->warnings;
    size_t m = history ? parts[i]->n_history : parts[i]->n_warnings;
    for (size_t j = 0; j < m; j++) {
      bool seen = false;
      for (size_t k = 0; history && k < *out_n && !seen; k++) seen = strcmp(v[k], src[j]) == 0;
      if (!seen) v[(*out_n)++] = src[j];
    }
  }
  return v;
}

static const char *max_date(st_doc **parts, size_t n, bool first) {
  const char *best = "";
  for (size_t i = 0; i < n; i++) {
    const char *d = first ? parts[i]->first_date : parts[i]->version_date;
    if (!d[0]) continue;
    if (!best[0] || (first ? strcmp(d, best) < 0 : strcmp(d, best) > 0)) best = d;
  }
  return best;
}

st_doc *doc_merge(st_doc **parts, size_t n, const char *folder, uint64_t hash, char *err,
                  size_t errlen) {
  st_arena *a = arena_new();
  st_doc *d = a ? arena_alloc(a, sizeof *d) : NULL;
  size_t total = 0;
  for (size_t i = 0; i < n; i++) total += parts[i]->n_units;
  st_unit *units = d && total ? arena_alloc(a, total * sizeof *units) : NULL;
  if (!d || (total && !units)) {
    arena_free(a);
    for (size_t i = 0; i < n; i++) st_doc_free(parts[i]);
    set_err(err, errlen, "out of memory");
    return NULL;
  }
  memset(d, 0, sizeof *d);
  d->arena = a;
  d->title = parts[0]->title;
  d->category = parts[0]->category;
  d->source_path = arena_strdup(a, folder);
  d->version_date = max_date(parts, n, false);
  d->first_date = max_date(parts, n, true);
  d->content_hash = hash;
  for (size_t i = 0; i < n; i++) {
    if (!parts[i]->n_units) continue;
    memcpy(units + d->n_units, parts[i]->units, parts[i]->n_units * sizeof *units);
    d->n_units += parts[i]->n_units;
  }
  d->units = units;
  bool oom = false;
  d->history = merge_strings(a, parts, n, true, &d->n_history, &oom);
  d->warnings = merge_strings(a, parts, n, false, &d->n_warnings, &oom);
  /* Every string above still lives in a part's arena: keep them all. */
  for (size_t i = 0; i < n; i++) arena_adopt(a, parts[i]->arena);
  if (!d->source_path || oom) {
    arena_free(a);
    set_err(err, errlen, "out of memory");
    return NULL;
  }
  return d;
}
