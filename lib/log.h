/* log.h - one line per event on stderr (the web server's error log).
 * Never pass a token, secret, session token or personal data to these. */
#ifndef QRSHARE_LOG_H
#define QRSHARE_LOG_H

#include <stddef.h>

/* Sets the program name that prefixes every line; borrowed, must outlive the process. */
void log_init(const char *prog);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* While a sink is set, each line (with its newline) goes to sink(arg, line, len)
 * instead of stderr: under FastCGI, the request's error stream, which the web server
 * writes to its error log (spawn-fcgi points the processes' own stderr at /dev/null).
 * NULL restores stderr. */
typedef void (*log_sink_fn)(void *arg, const char *line, size_t len);
void log_set_sink(log_sink_fn sink, void *arg);

/* Copies the first 8 characters of id into buf (NUL-terminated), for log lines
 * that must name a session without giving its full id. Returns buf. */
const char *log_short_id(const char *id, char buf[9]);

#endif
