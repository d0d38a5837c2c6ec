/* http.c - requests and responses over FastCGI or plain CGI; see http.h. */
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
#include <fcgiapp.h>
#include <fastcgi.h>
#include <sodium.h>
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "session.h"

extern char **environ;

static const struct {
    int status;
    const char *code;
} errors[] = {
    [ERR_INVALID_REQUEST] = {400, "invalid_request"},
    [ERR_INVALID_SCOPE] = {400, "invalid_scope"},
    [ERR_INVALID_CLIENT] = {401, "invalid_client"},
    [ERR_INVALID_TOKEN] = {401, "invalid_token"},
    [ERR_FORBIDDEN] = {403, "forbidden"},
    [ERR_NOT_FOUND] = {404, "not_found"},
    [ERR_METHOD] = {405, "method_not_allowed"},
    [ERR_INVALID_STATE] = {409, "invalid_state"},
    [ERR_ALREADY_CLAIMED] = {409, "already_claimed"},
    [ERR_EXPIRED] = {410, "expired"},
    [ERR_GONE] = {410, "gone"},
    [ERR_TOO_LARGE] = {413, "payload_too_large"},
    [ERR_MEDIA_TYPE] = {415, "unsupported_media_type"},
    [ERR_SLOW_DOWN] = {429, "slow_down"},
    [ERR_UNAVAILABLE] = {503, "unavailable"},
    [ERR_SERVER] = {500, "server_error"},
};

static volatile sig_atomic_t stopping;
static struct config conf;
static char conf_error[512];

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

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void
http_header(struct response *resp, const char *name, const char *value)
{
    size_t used = strlen(resp->headers);

    if (strpbrk(name, "\r\n") || strpbrk(value, "\r\n"))
        return;
    snprintf(resp->headers + used, sizeof resp->headers - used, "%s: %s\r\n", name, value);
}

int
http_json(struct response *resp, int status, json_object *obj)
{
    json_object_put(resp->json);
    resp->json = obj;
    resp->status = status;
    return 0;
}

int
http_error(struct response *resp, enum err e, const char *description)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "error", json_object_new_string(errors[e].code));
    json_object_object_add(o, "error_description", json_object_new_string(description));
    if (e == ERR_INVALID_CLIENT)
        http_header(resp, "WWW-Authenticate", "Bearer realm=\"qrshare\", Basic realm=\"qrshare\"");
    else if (e == ERR_INVALID_TOKEN)
        http_header(resp, "WWW-Authenticate", "Bearer realm=\"qrshare\", error=\"invalid_token\"");
    else if (e == ERR_UNAVAILABLE)
        http_header(resp, "Retry-After", "5");
    return http_json(resp, errors[e].status, o);
}

int
http_method_not_allowed(struct response *resp, const char *allow)
{
    http_header(resp, "Allow", allow);
    return http_error(resp, ERR_METHOD, "method not allowed here");
}

int
http_route(const char *uri, const char *pattern, char *id, size_t idlen)
{
    const char *u = uri, *p = pattern;
    size_t n = 0;

    if (!uri)
        return -1;
    while (*p) {
        if (p[0] == '{' && p[1] == '}') {
            n = crypto_b64url_span(u, strlen(u));
            if (n == 0 || n >= idlen)
                return -1;
            memcpy(id, u, n);
            id[n] = '\0';
            u += n;
            p += 2;
        } else if (*u++ != *p++) {
            return -1;
        }
    }
    if (*u == '/')
        u++;
    return (*u == '\0' || *u == '?') ? 0 : -1;
}

/* Where the value of name starts in the query string q (from its '?' or an '&' on),
 * or NULL when no parameter of that name follows. */
static const char *
query_find(const char *q, const char *name, size_t nlen)
{
    for (; q; q = strchr(q + 1, '&'))
        if (strncmp(q + 1, name, nlen) == 0 && q[1 + nlen] == '=')
            return q + 1 + nlen + 1;
    return NULL;
}

int
http_query_param(const char *uri, const char *name, char *out, size_t outlen)
{
    const char *q = uri ? strchr(uri, '?') : NULL;
    size_t nlen = strlen(name), o = 0;

    /* A parameter given twice is taken as neither (RFC 6749 3.2 for the token form). */
    if (!(q = query_find(q, name, nlen)) || query_find(strchr(q, '&'), name, nlen))
        return -1;
    for (; *q && *q != '&'; q++) {
        int c = (unsigned char)*q;
        if (c == '%') {
            int h = hexval(q[1]), l = h < 0 ? -1 : hexval(q[2]);
            if (l < 0)
                return -1;
            c = h * 16 + l;
            q += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c == 0 || o + 1 >= outlen)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

void
response_reset(struct response *resp)
{
    json_object_put(resp->json);
    free(resp->body);
    memset(resp, 0, sizeof *resp);
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

static void
serve(struct exchange *x, handler_fn h, int conf_ok)
{
    struct request req = {0};
    struct response resp = {0};
    char *body = NULL, *head = NULL;
    const char *cl = param(x, "CONTENT_LENGTH"), *out_body = NULL;
    size_t out_len = 0;
    unsigned long long want = 0;

    req.method = param(x, "REQUEST_METHOD");
    req.uri = param(x, "REQUEST_URI");
    req.content_type = param(x, "CONTENT_TYPE");
    req.authorization = param(x, "HTTP_AUTHORIZATION");
    req.api_key = param(x, "HTTP_X_API_KEY");
    req.session_token = param(x, "HTTP_DATA_SESSION_TOKEN");
    req.if_none_match = param(x, "HTTP_IF_NONE_MATCH");
    req.origin = param(x, "HTTP_ORIGIN");
    if (!req.method)
        req.method = "GET";
    if (cl && *cl) {
        char *end = NULL;
        errno = 0;
        want = strtoull(cl, &end, 10);
        if (errno || *end || *cl == '-')
            want = ~0ULL;
    }
    if (want > conf.max_body) {
        /* Refused before reading: a client cannot make us buffer more than max_body. */
        req.body_too_large = 1;
    } else {
        body = xmalloc((size_t)want + 1);
        req.body_len = read_body(x, body, (size_t)want);
        req.body_short = req.body_len < (size_t)want;
        body[req.body_len] = '\0';
        req.body = body;
    }

    if (x->fcgi)
        log_set_sink(log_to_fcgi, x->fcgi);
    if (!conf_ok) {
        log_error("%s", conf_error);
        http_error(&resp, ERR_SERVER, "the service is not configured");
    } else if (req.body_too_large)
        http_error(&resp, ERR_TOO_LARGE, "request body too large");
    else if (req.body_short)
        http_error(&resp, ERR_INVALID_REQUEST, "the body is shorter than Content-Length");
    else if (h(&req, &resp) < 0 || resp.status == 0)
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
http_main(const char *prog, handler_fn h)
{
    struct exchange x = {0};
    FCGX_Request fcgi;
    struct sigaction sa;
    sigset_t term, unblocked;
    struct rlimit no_core = {0, 0};
    int conf_ok;

    log_init(prog);
    crypto_init();
    /* user data passes through this process: never into a core file */
    setrlimit(RLIMIT_CORE, &no_core);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);

    conf_ok = config_load(config_path(), &conf, conf_error, sizeof conf_error) == 0;
    if (!conf_ok)
        log_error("%s", conf_error);
    else {
        db_init(conf.db_conninfo);
        session_configure(&conf);
    }

    if (FCGX_IsCGI()) {
        x.envp = environ;
        serve(&x, h, conf_ok);
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
        x.envp = fcgi.envp;
        serve(&x, h, conf_ok);
        /* envp strings die here: nothing of the request is kept past this point */
        FCGX_Finish_r(&fcgi);
    }
out:
    db_close();
    if (conf_ok)
        config_free(&conf);
    return 0;
}
