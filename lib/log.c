/* log.c - see log.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include "log.h"

/* Longer messages are cut: a log line is for a human, not a data dump. */
#define LOG_LINE_MAX 2048

static const char *log_prog = "-";
static log_sink_fn log_sink;
static void *log_sink_arg;

/* How many characters snprintf put into room bytes, given what it returned. */
static size_t
written(int n, size_t room)
{
    if (n < 0)
        return 0;
    return (size_t)n < room ? (size_t)n : room - 1;
}

/* Formats the whole line into one buffer and writes it with one write(2), so
 * lines of concurrent processes sharing the error log never interleave. */
static void
log_line(const char *level, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];
    size_t len = 0;
    size_t off = 0;

    len = written(snprintf(line, sizeof(line), "qrshare[%s] %s: ", log_prog, level), sizeof(line));
    len += written(vsnprintf(line + len, sizeof(line) - len, fmt, ap), sizeof(line) - len);
    /* A CR or LF (or any control character) in a message could forge a second
     * line in the log; print it as a space. */
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
            line[i] = ' ';
    }
    line[len++] = '\n';
    if (log_sink) {
        log_sink(log_sink_arg, line, len);
        return;
    }
    while (off < len) {
        ssize_t w = write(STDERR_FILENO, line + off, len - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

void
log_set_sink(log_sink_fn sink, void *arg)
{
    log_sink = sink;
    log_sink_arg = arg;
}

void
log_init(const char *prog)
{
    log_prog = prog ? prog : "-";
}

void
log_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line("error", fmt, ap);
    va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line("warning", fmt, ap);
    va_end(ap);
}

void
log_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line("info", fmt, ap);
    va_end(ap);
}

const char *
log_short_id(const char *id, char buf[9])
{
    snprintf(buf, 9, "%.8s", id ? id : "");
    return buf;
}
