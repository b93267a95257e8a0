/* web — the research portal's files, compiled into the binary from
 * service/web/ (see web/embed.cmake). */
#ifndef LAWQA_SVC_WEB_H
#define LAWQA_SVC_WEB_H

#include <stddef.h>

typedef struct {
  const char *path;  /* URL path */
  const char *ctype;
  const unsigned char *data;
  size_t len;
} web_asset;

extern const web_asset web_assets[];
extern const size_t web_n_assets;

#endif
