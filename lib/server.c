/* server.c - the FastCGI / plain CGI serving loop: signals, body framing, the answer
 * on the wire; see server.h. */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <fcgiapp.h>
#include <fastcgi.h>
#include <sodium.h>
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "server.h"

#define BODY_TIMEOUT 10 /* seconds a read of the request may wait for the web server */

extern char **environ;

static volatile sig_atomic_t stopping;

static const char *
status_text(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

/* Everything one request needs from either interface. */
struct exchange {
    FCGX_Request *fcgi; /* NULL under plain CGI */
    char **envp;
};

static const char *
param(struct exchange *x, const char *name)
{
    return FCGX_GetParam(name, x->envp);
}

static size_t
read_body(struct exchange *x, char *buf, size_t n)
{
    size_t got = 0;
    int r;

    while (got < n) {
        if (x->fcgi)
            r = FCGX_GetStr(buf + got, (int)(n - got), x->fcgi->in);
        else
            r = (int)fread(buf + got, 1, n - got, stdin);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static void
write_out(struct exchange *x, const char *buf, size_t n)
{
    if (x->fcgi)
        FCGX_PutStr(buf, (int)n, x->fcgi->out);
    else
        fwrite(buf, 1, n, stdout);
}

static void
log_to_fcgi(void *arg, const char *line, size_t len)
{
    FCGX_PutStr(line, (int)len, ((FCGX_Request *)arg)->err);
}

/* One request: its parameters and body in, h's answer out. cfg is NULL when the conf
 * did not load (conf_error says why): every request then gets a 500. */
static void
serve(struct exchange *x, handler_fn h, const struct config *cfg, const char *conf_error)
{
    struct request req = {0};
    struct response resp = {0};
    char *body = NULL, *head = NULL;
    const char *cl = param(x, "CONTENT_LENGTH"), *out_body = NULL;
    size_t out_len = 0;
    unsigned long long want = 0;
    int to_end;

    req.method = param(x, "REQUEST_METHOD");
    req.uri = param(x, "REQUEST_URI");
    req.content_type = param(x, "CONTENT_TYPE");
    req.authorization = param(x, "HTTP_AUTHORIZATION");
    req.api_key = param(x, "HTTP_X_API_KEY");
    req.session_token = param(x, "HTTP_DATA_SESSION_TOKEN");
    req.if_none_match = param(x, "HTTP_IF_NONE_MATCH");
    req.origin = param(x, "HTTP_ORIGIN");
    req.idempotency_key = param(x, "HTTP_IDEMPOTENCY_KEY");
    if (!req.method)
        req.method = "GET";
    if (cl && *cl) {
        char *end = NULL;
        errno = 0;
        want = strtoull(cl, &end, 10);
        if (errno || *end || *cl == '-')
            want = ~0ULL;
    }
    /* No CONTENT_LENGTH under FastCGI: the body is the input up to its end, as Apache's
     * mod_proxy_fcgi streams a chunked body it has not read whole; one byte over
     * max_body is enough to refuse it. */
    to_end = !cl && x->fcgi && cfg;
    if (to_end)
        want = cfg->max_body + 1;
    if (!to_end && want > (cfg ? cfg->max_body : 0)) {
        /* Refused before reading: a client cannot make us buffer more than max_body. */
        req.body_too_large = 1;
    } else {
        body = xmalloc((size_t)want + 1);
        req.body_len = read_body(x, body, (size_t)want);
        if (to_end)
            req.body_too_large = req.body_len > cfg->max_body;
        else
            req.body_short = req.body_len < (size_t)want;
        body[req.body_len] = '\0';
        req.body = body;
    }

    if (x->fcgi)
        log_set_sink(log_to_fcgi, x->fcgi);
    if (!cfg) {
        log_error("%s", conf_error);
        http_error(&resp, ERR_SERVER, "the service is not configured");
    } else if (req.body_too_large)
        http_error(&resp, ERR_TOO_LARGE, "request body too large");
    else if (req.body_short)
        http_error(&resp, ERR_INVALID_REQUEST, "the body is shorter than Content-Length");
    else if (h(cfg, &req, &resp) < 0 || resp.status == 0)
        http_error(&resp, ERR_SERVER, "internal error");

    if (resp.json) {
        out_body = json_object_to_json_string_ext(resp.json, JSON_C_TO_STRING_PLAIN |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE);
        out_len = strlen(out_body);
    } else if (resp.body) {
        out_body = resp.body;
        out_len = resp.body_len;
    }
    head = xasprintf("Status: %d %s\r\n"
                     "Cache-Control: no-store\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Referrer-Policy: no-referrer\r\n"
                     "%s%s%s"
                     "Content-Length: %zu\r\n"
                     "%s\r\n",
                     resp.status, status_text(resp.status), out_body ? "Content-Type: " : "",
                     out_body ? (resp.json ? "application/json; charset=utf-8" : resp.content_type)
                              : "",
                     out_body ? "\r\n" : "", out_len, resp.headers);
    write_out(x, head, strlen(head));
    if (out_body && strcmp(req.method, "HEAD") != 0)
        write_out(x, out_body, out_len);
    free(head);
    /* The request and the answer may hold personal data: wipe before freeing. */
    if (resp.json)
        sodium_memzero((char *)out_body, out_len);
    if (body) {
        sodium_memzero(body, req.body_len);
        free(body);
    }
    response_reset(&resp);
    log_set_sink(NULL, NULL);
}

static void
on_term(int sig)
{
    (void)sig;
    stopping = 1;
}

/* Waits until the next request may be there: on the connection the web server kept
 * open (FCGI_KEEP_CONN), else a new one on the listening socket. SIGTERM stays blocked
 * except inside this ppoll(), so it never interrupts a request: one in flight is
 * finished, and the next wait returns -1. */
static int
wait_for_connection(const FCGX_Request *r, const sigset_t *unblocked)
{
    struct pollfd p = {.fd = r->ipcFd >= 0 ? r->ipcFd : FCGI_LISTENSOCK_FILENO, .events = POLLIN};

    while (!stopping)
        if (ppoll(&p, 1, NULL, unblocked) > 0)
            return 0;
    return -1;
}

int
server_main(const char *prog, handler_fn h)
{
    struct config conf;
    const struct config *cfg = NULL;
    char conf_error[512];
    struct exchange x = {0};
    FCGX_Request fcgi;
    struct sigaction sa;
    sigset_t term, unblocked;
    struct rlimit no_core = {0, 0};
    struct timeval body_timeout = {.tv_sec = BODY_TIMEOUT};

    log_init(prog);
    crypto_init();
    /* user data passes through this process: never into a core file */
    setrlimit(RLIMIT_CORE, &no_core);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);

    if (config_load(config_path(), &conf, conf_error, sizeof conf_error) == 0)
        cfg = &conf;
    else
        log_error("%s", conf_error);

    if (FCGX_IsCGI()) {
        x.envp = environ;
        serve(&x, h, cfg, conf_error);
        fflush(stdout);
        goto out;
    }

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigaddset(&term, SIGINT);
    sigprocmask(SIG_BLOCK, &term, &unblocked);
    /* Siblings share the listening socket: when one of them takes the connection
     * ppoll() announced, accept() must not block (a connection's own socket stays
     * blocking on Linux). */
    fcntl(FCGI_LISTENSOCK_FILENO, F_SETFL, fcntl(FCGI_LISTENSOCK_FILENO, F_GETFL) | O_NONBLOCK);

    FCGX_Init();
    FCGX_InitRequest(&fcgi, FCGI_LISTENSOCK_FILENO, 0);
    x.fcgi = &fcgi;
    while (wait_for_connection(&fcgi, &unblocked) == 0) {
        int rc = FCGX_Accept_r(&fcgi);
        if (rc == -EAGAIN || rc == -EWOULDBLOCK)
            continue;
        if (rc < 0)
            break;
        /* A web server that stops sending a body half-way (Apache streams it as the
         * client sends) must not hold this process: a read on the connection gives up
         * after BODY_TIMEOUT s, the body is short (400), and the connection is closed.
         * The wait for the next request on a kept connection is ppoll(), unaffected. */
        setsockopt(fcgi.ipcFd, SOL_SOCKET, SO_RCVTIMEO, &body_timeout, sizeof body_timeout);
        x.envp = fcgi.envp;
        serve(&x, h, cfg, conf_error);
        /* envp strings die here: nothing of the request is kept past this point */
        FCGX_Finish_r(&fcgi);
    }
out:
    db_close();
    if (cfg)
        config_free(&conf);
    return 0;
}
