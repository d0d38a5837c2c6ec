/* tap.h - a minimal Test Anything Protocol producer for unit tests. */
#ifndef QRSHARE_TAP_H
#define QRSHARE_TAP_H

#include <stddef.h>

void plan(int n);
/* Prints "1..0 # SKIP why" and exits 0. */
void skip_all(const char *why) __attribute__((noreturn));
int ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int is_int(long want, long got, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int is_string(const char *want, const char *got, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exit status for main: 0 when every planned test ran and passed. */
int done_testing(void);

#endif
