/* tap.c - see tap.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"

static int planned;
static int run;
static int failed;

static int
report(int cond, const char *fmt, va_list ap)
{
    run++;
    if (!cond)
        failed++;
    printf("%sok %d - ", cond ? "" : "not ", run);
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
    return cond;
}

void
plan(int n)
{
    planned = n;
    printf("1..%d\n", n);
}

void
skip_all(const char *why)
{
    printf("1..0 # SKIP %s\n", why);
    exit(0);
}

int
ok(int cond, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(cond, fmt, ap);
    va_end(ap);
    return cond;
}

int
is_int(long want, long got, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(want == got, fmt, ap);
    va_end(ap);
    if (want != got)
        diag("   wanted: %ld\n#      got: %ld", want, got);
    return want == got;
}

int
is_string(const char *want, const char *got, const char *fmt, ...)
{
    va_list ap;
    int same = (want == NULL && got == NULL) || (want && got && strcmp(want, got) == 0);

    va_start(ap, fmt);
    report(same, fmt, ap);
    va_end(ap);
    if (!same)
        diag("   wanted: %s\n#      got: %s", want ? want : "(null)", got ? got : "(null)");
    return same;
}

void
diag(const char *fmt, ...)
{
    va_list ap;

    fputs("# ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

int
done_testing(void)
{
    if (run != planned)
        diag("planned %d tests but ran %d", planned, run);
    return (failed == 0 && run == planned) ? 0 : 1;
}
