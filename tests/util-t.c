/* util-t.c - the allocation and string helpers. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "log.h"
#include "tap.h"
#include "util.h"

int
main(void)
{
    char *s = NULL;
    unsigned char *z = NULL;
    char big[5001];
    int fds[2];
    int status = 0;
    char msg[256];
    char want[256];
    ssize_t n;
    pid_t pid;
    int zero = 1;

    plan(14);

    s = xasprintf("%s-%d-%05.1f", "a", 42, 3.14159);
    is_string("a-42-003.1", s, "xasprintf formats");
    free(s);
    s = xasprintf("%s", "");
    is_string("", s, "xasprintf of an empty string");
    free(s);
    memset(big, 'y', 5000);
    big[5000] = '\0';
    s = xasprintf("<%s>", big);
    ok(strlen(s) == 5002 && s[0] == '<' && s[5001] == '>' && s[5000] == 'y',
       "xasprintf of a long string");
    free(s);

    s = xstrndup("abcdef", 3);
    is_string("abc", s, "xstrndup cuts at n");
    free(s);
    s = xstrndup("ab", 10);
    is_string("ab", s, "xstrndup stops at the end of a shorter string");
    free(s);
    s = xstrndup("abc", 0);
    is_string("", s, "xstrndup of 0 bytes");
    free(s);
    s = xstrdup("hello");
    is_string("hello", s, "xstrdup copies");
    free(s);

    z = xcalloc(100, 3);
    for (int i = 0; i < 300; i++)
        zero = zero && z[i] == 0;
    ok(zero, "xcalloc zeroes");
    z = xrealloc(z, 1000);
    z[999] = 1;
    ok(z[0] == 0 && z[299] == 0, "xrealloc keeps the contents");
    free(z);
    s = xmalloc(0);
    ok(s != NULL, "xmalloc(0) gives a pointer");
    free(s);

    /* Exhausted memory: the process logs one line and aborts. */
    if (pipe(fds) != 0) {
        printf("Bail out! pipe\n");
        return 1;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        log_init("util-t");
        s = xmalloc(SIZE_MAX / 2);
        _exit(s != NULL ? 0 : 3);
    }
    close(fds[1]);
    n = read(fds[0], msg, sizeof(msg) - 1);
    msg[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    waitpid(pid, &status, 0);
    ok(!(WIFEXITED(status) && WEXITSTATUS(status) == 0), "xmalloc does not return NULL");
#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer reports the allocation itself and exits. */
    (void)want;
    ok(1, "# SKIP under AddressSanitizer");
    ok(1, "# SKIP under AddressSanitizer");
#else
    ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "xmalloc aborts on exhaustion");
    snprintf(want, sizeof(want), "qrshare[util-t] error: out of memory (%zu bytes)\n",
             (size_t)SIZE_MAX / 2);
    is_string(want, msg, "and logs one line first");
#endif

    s = xasprintf("%d%%", 100);
    is_string("100%", s, "xasprintf escapes");
    free(s);

    return done_testing();
}
