/* fcgi-hello - a FastCGI hello-world for bench/run: the cost of lighttpd + FastCGI with
 * no work behind it. Answers a constant JSON of the status answer's size. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fcgiapp.h>

static const char body[] =
    "{\"session_id\":\"00000000-0000-0000-0000-000000000000\",\"status\":\"initialized\","
    "\"expires_at\":\"2000-01-01T00:00:00Z\",\"interval\":2}";

int
main(void)
{
    FCGX_Request r;
    char head[256];
    int n;

    signal(SIGPIPE, SIG_IGN);
    /* (snprintf: FCGX_FPrintF knows no %zu) */
    n = snprintf(head, sizeof head,
                 "Status: 200 OK\r\nCache-Control: no-store\r\n"
                 "Content-Type: application/json; charset=utf-8\r\nContent-Length: %zu\r\n\r\n",
                 sizeof body - 1);
    FCGX_Init();
    FCGX_InitRequest(&r, 0, 0);
    while (FCGX_Accept_r(&r) >= 0) {
        FCGX_PutStr(head, n, r.out);
        FCGX_PutStr(body, (int)sizeof body - 1, r.out);
        FCGX_Finish_r(&r);
    }
    return 0;
}
