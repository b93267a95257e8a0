/* scan — walks a corpus folder and delivers one st_doc per law version.
 *
 * Order: in each folder its files (sorted bytewise), then its subfolders
 * (sorted), so a folder's files are consecutive and can be grouped.
 * Part files: files of one folder that share their '# ' title and each
 * carry a second '# ' heading naming the part (民法典/总则.md: "# 中华人民
 * 共和国民法典" then "# 总则") are one law; they are merged in article order
 * and delivered with the folder as source_path.  Hidden entries (.git,
 * .github, .gitignore) are version-control metadata and skipped silently. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "vec.h"

#define MAX_DEPTH 32

typedef struct {
  const char *root;
  const st_scan_opts *opts;
  st_doc_fn on_doc;
  st_warn_fn on_warn;
  st_progress_fn on_progress;
  void *ctx;
  vec files; /* char *: relative paths */
  size_t done;
} scan;

typedef struct {
  st_doc *doc;
  char *raw;
  size_t len;
  const char *relpath;
} part_file;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool excluded(const scan *s, const char *name) {
  if (!s->opts) return false;
  for (size_t i = 0; i < s->opts->n_exclude; i++)
    if (s->opts->exclude[i] && strcmp(s->opts->exclude[i], name) == 0) return true;
  return false;
}

static char *join(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s%s%s", a, a[0] ? "/" : "", b);
  return p;
}

static void free_names(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

/* Lists rel (relative to root) into files and subfolders, sorted. */
static int list_dir(scan *s, const char *rel, vec *files, vec *dirs, char *err, size_t errlen) {
  char *abs = rel[0] ? join(s->root, rel) : strdup(s->root);
  DIR *d = abs ? opendir(abs) : NULL;
  if (!d) {
    set_err(err, errlen, "cannot read folder %s", abs ? abs : rel);
    free(abs);
    return -1;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    if (!rel[0] && excluded(s, e->d_name)) continue;
    char *full = join(abs, e->d_name);
    char *relname = join(rel, e->d_name);
    struct stat st;
    char **slot = NULL;
    if (full && relname && stat(full, &st) == 0) {
      if (S_ISDIR(st.st_mode)) slot = vec_push(dirs, sizeof *slot);
      else if (S_ISREG(st.st_mode)) slot = vec_push(files, sizeof *slot);
    }
    free(full);
    if (slot) *slot = relname;
    else free(relname);
  }
  closedir(d);
  free(abs);
  if (files->n) qsort(files->p, files->n, sizeof(char *), cmp_str);
  if (dirs->n) qsort(dirs->p, dirs->n, sizeof(char *), cmp_str);
  return 0;
}

/* Appends every file below rel to s->files in scan order. */
static int collect(scan *s, const char *rel, int depth, char *err, size_t errlen) {
  vec files = {0}, dirs = {0};
  if (list_dir(s, rel, &files, &dirs, err, errlen) != 0) {
    free_names(files.p, files.n);
    free_names(dirs.p, dirs.n);
    /* Only the root failing is fatal; a bad subfolder is skipped. */
    if (depth == 0) return -1;
    if (s->on_warn) s->on_warn(rel, "cannot read folder, skipped", s->ctx);
    return 0;
  }
  int rc = 0;
  for (size_t i = 0; i < files.n; i++) {
    char **slot = vec_push(&s->files, sizeof *slot);
    if (!slot) {
      set_err(err, errlen, "out of memory");
      rc = -1;
      break;
    }
    *slot = ((char **)files.p)[i];
    ((char **)files.p)[i] = NULL;
  }
  for (size_t i = 0; rc == 0 && i < dirs.n; i++) {
    if (depth + 1 >= MAX_DEPTH) {
      if (s->on_warn) s->on_warn(((char **)dirs.p)[i], "folder too deep, skipped", s->ctx);
      continue;
    }
    rc = collect(s, ((char **)dirs.p)[i], depth + 1, err, errlen);
  }
  free_names(files.p, files.n);
  free_names(dirs.p, dirs.n);
  return rc;
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

static size_t dir_len(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? (size_t)(s - p) : 0;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void warn_file(scan *s, const char *rel, const char *msg) {
  if (s->on_warn) s->on_warn(rel, msg, s->ctx);
}

static int deliver(scan *s, st_doc *d) {
  int rc = s->on_doc ? s->on_doc(d, s->ctx) : 0;
  st_doc_free(d);
  return rc;
}

/* The first article's number orders part files (总则 before 物权编 …);
 * parts without articles go last. */
static long first_article(const st_doc *d) {
  for (size_t i = 0; i < d->n_units; i++)
    if (d->units[i].kind == ST_UNIT_ARTICLE) return d->units[i].number;
  return 1L << 30;
}

static int cmp_part(const void *a, const void *b) {
  const part_file *x = a, *y = b;
  int t = strcmp(x->doc->title, y->doc->title);
  if (t) return t;
  long fx = first_article(x->doc), fy = first_article(y->doc);
  if (fx != fy) return fx < fy ? -1 : 1;
  return strcmp(x->relpath, y->relpath);
}

/* Delivers the part files held for one folder, merging those that share a
 * title.  Frees them all, whatever the callbacks return. */
static int flush_parts(scan *s, vec *held, const char *folder, size_t folder_len) {
  part_file *p = held->p;
  int rc = 0;
  if (held->n > 1) qsort(p, held->n, sizeof *p, cmp_part);
  size_t i = 0;
  while (i < held->n) {
    size_t j = i + 1;
    while (j < held->n && strcmp(p[j].doc->title, p[i].doc->title) == 0) j++;
    st_doc *out = NULL;
    if (j - i == 1) {
      out = p[i].doc;
    } else {
      uint64_t h = FNV_OFFSET;
      st_doc **docs = malloc((j - i) * sizeof *docs);
      char *dir = strndup(folder, folder_len), err[256];
      for (size_t k = i; k < j; k++) h = fnv1a64(h, p[k].raw, p[k].len);
      if (docs && dir) {
        for (size_t k = i; k < j; k++) docs[k - i] = p[k].doc;
        out = doc_merge(docs, j - i, dir, h, err, sizeof err);
        if (!out) warn_file(s, dir, err);
      } else {
        for (size_t k = i; k < j; k++) st_doc_free(p[k].doc);
        warn_file(s, p[i].relpath, "out of memory merging part files");
      }
      free(docs);
      free(dir);
    }
    for (size_t k = i; k < j; k++) {
      free(p[k].raw);
      p[k].doc = NULL;
    }
    if (out && rc == 0) rc = deliver(s, out);
    else if (out) st_doc_free(out);
    i = j;
  }
  held->n = 0;
  return rc;
}

/* Reads and parses one file; holds part files back, delivers the rest. */
static int do_file(scan *s, const char *rel, vec *held) {
  const char *name = base_name(rel);
  if (strcmp(name, "_index.md") == 0) {
    warn_file(s, rel, "section index page, skipped");
    return 0;
  }
  if (!ends_with(name, ".md")) {
    warn_file(s, rel, "not a Markdown file, skipped");
    return 0;
  }
  char err[512];
  char *abs = join(s->root, rel);
  size_t len = 0;
  if (!abs) {
    warn_file(s, rel, "out of memory");
    return 0;
  }
  char *raw = read_file(abs, &len, err, sizeof err);
  free(abs);
  if (!raw) {
    warn_file(s, rel, err);
    return 0;
  }
  char cat[256];
  size_t cl = strcspn(rel, "/");
  snprintf(cat, sizeof cat, "%.*s", rel[cl] ? (int)cl : 0, rel);
  const char *part = NULL;
  st_doc *d = md_parse(raw, len, rel, cat, &part, err, sizeof err);
  if (!d) {
    free(raw);
    warn_file(s, rel, err);
    return 0;
  }
  if (part) {
    part_file *pf = vec_push(held, sizeof *pf);
    if (pf) {
      pf->doc = d, pf->raw = raw, pf->len = len, pf->relpath = rel;
      return 0;
    }
  }
  free(raw);
  return deliver(s, d);
}

static int process(scan *s) {
  vec held = {0};
  char **files = s->files.p;
  int rc = 0;
  for (size_t i = 0; i < s->files.n && rc == 0; i++) {
    if (s->on_progress) s->on_progress(i, s->files.n, s->ctx);
    rc = do_file(s, files[i], &held);
    bool last_of_folder = i + 1 == s->files.n || dir_len(files[i]) != dir_len(files[i + 1]) ||
                          strncmp(files[i], files[i + 1], dir_len(files[i])) != 0;
    if (rc == 0 && last_of_folder && held.n) rc = flush_parts(s, &held, files[i], dir_len(files[i]));
  }
  if (s->on_progress && rc == 0) s->on_progress(s->files.n, s->files.n, s->ctx);
  /* Stopped early: drop what is still held. */
  for (size_t k = 0; k < held.n; k++) {
    st_doc_free(((part_file *)held.p)[k].doc);
    free(((part_file *)held.p)[k].raw);
  }
  vec_free(&held);
  return rc;
}

int st_scan_corpus(const char *root, const st_scan_opts *opts, st_doc_fn on_doc,
                   st_warn_fn on_warn, st_progress_fn on_progress, void *ctx, char *err,
                   size_t errlen) {
  if (!root) {
    set_err(err, errlen, "no corpus folder");
    return -1;
  }
  scan s = {.root = root, .opts = opts, .on_doc = on_doc, .on_warn = on_warn,
            .on_progress = on_progress, .ctx = ctx};
  int rc = collect(&s, "", 0, err, errlen);
  if (rc == 0) rc = process(&s);
  free_names(s.files.p, s.files.n);
  return rc;
}
