/* log-t.c - the log line format, as the web server's error log receives it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "tap.h"

static char path[] = "/tmp/log-t.XXXXXX";
static int saved_stderr = -1;
static int file_fd = -1;

/* Sends stderr to an empty temporary file. */
static void
capture_start(void)
{
    if (ftruncate(file_fd, 0) != 0 || lseek(file_fd, 0, SEEK_SET) != 0 ||
        dup2(file_fd, STDERR_FILENO) < 0) {
        printf("Bail out! cannot redirect stderr\n");
        exit(1);
    }
}

/* Puts stderr back and returns what was written to it (static storage). */
static const char *
capture_end(void)
{
    static char buf[8192];
    ssize_t n;

    dup2(saved_stderr, STDERR_FILENO);
    n = pread(file_fd, buf, sizeof(buf) - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

int
main(void)
{
    const char *got = NULL;
    char id[9];
    char *big = NULL;
    const char *nl = NULL;

    plan(13);
    file_fd = mkstemp(path);
    saved_stderr = dup(STDERR_FILENO);
    if (file_fd < 0 || saved_stderr < 0) {
        printf("Bail out! cannot make %s\n", path);
        return 1;
    }
    unlink(path);

    capture_start();
    log_info("before log_init");
    got = capture_end();
    is_string("qrshare[-] info: before log_init\n", got, "a line before log_init");

    log_init("log-t");
    capture_start();
    log_error("code %d: %s", 42, "boom");
    got = capture_end();
    is_string("qrshare[log-t] error: code 42: boom\n", got, "log_error line");

    capture_start();
    log_warn("slow %s", "query");
    got = capture_end();
    is_string("qrshare[log-t] warning: slow query\n", got, "log_warn line");

    capture_start();
    log_info("started");
    log_info("stopped");
    got = capture_end();
    is_string("qrshare[log-t] info: started\nqrshare[log-t] info: stopped\n", got,
              "two calls give two lines");

    capture_start();
    log_info("user said %s", "hi\nqrshare[log-t] error: forged\r\n");
    got = capture_end();
    is_string("qrshare[log-t] info: user said hi qrshare[log-t] error: forged  \n", got,
              "CR and LF in a message become spaces: one line");

    capture_start();
    log_error("tab\there, escape \033[31m");
    got = capture_end();
    is_string("qrshare[log-t] error: tab here, escape  [31m\n", got,
              "other control characters become spaces");

    big = malloc(10000);
    memset(big, 'x', 9999);
    big[9999] = '\0';
    capture_start();
    log_warn("%s", big);
    got = capture_end();
    nl = strchr(got, '\n');
    ok(nl != NULL && nl[1] == '\0' && strncmp(got, "qrshare[log-t] warning: xxx", 27) == 0,
       "a long message is cut, still one line ending in a newline");
    ok(strlen(got) < 9999, "a long message is cut (%zu bytes)", strlen(got));
    free(big);

    ok(log_short_id("0123456789abcdef", id) == id, "log_short_id returns buf");
    is_string("01234567", id, "log_short_id keeps the first 8 characters");
    is_string("abc", log_short_id("abc", id), "a shorter id is kept whole");
    is_string("", log_short_id(NULL, id), "NULL gives an empty string");
    is_string("", log_short_id("", id), "an empty id gives an empty string");

    close(file_fd);
    close(saved_stderr);
    return done_testing();
}
