/* dates — the dates of a statute's history lines and file names. */
#ifndef LAWQA_STATUTES_DATES_H
#define LAWQA_STATUTES_DATES_H

#include <stdbool.h>
#include <stddef.h>

/* A date at the start of s: 2020年5月28日, 2022-03-15, 2022.3.15 or
 * 2022/3/15 (the 日 may be missing where a line was cut).  Writes
 * "YYYY-MM-DD" and a NUL into out. */
bool date_parse(const char *s, size_t n, char out[11]);

/* The version date a file name carries: 名称(2018-10-26).md, also with
 * full-width parentheses.  The last such group counts. */
bool date_from_filename(const char *path, char out[11]);

#endif
