/* util.h - allocation that never returns NULL, small string helpers. */
#ifndef QRSHARE_UTIL_H
#define QRSHARE_UTIL_H

#include <stddef.h>

#define WUR __attribute__((warn_unused_result))

/* Each aborts the process (after a log line) when memory is exhausted.
 * The caller owns and frees (free()) what they return. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
