/* client.c - one browser connection: its request head, the answer before any upgrade
 * (an error in the API's JSON shape), then a WebSocket (handshake and framing by
 * libwslay; Sec-WebSocket-Accept with nettle's SHA-1) or an event stream.
 *
 * Every allocation a client can cause is bounded: the request head (HEAD_MAX), what waits
 * to be sent (max_output: raw bytes plus wslay's queue, pongs for a ping flood included),
 * a client message (MAX_MESSAGE, larger closes with 1009), and the number of clients
 * (max_connections). A head that does not arrive within header_timeout, a WebSocket that
 * answers no ping within ping_interval, and a client whose output passes max_output are
 * dropped. Log lines name a client by a serial number, never by its token. */
#define _GNU_SOURCE /* accept4 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <sodium.h>
#include "http.h"
#include "hub.h"
#include "log.h"
#include "util.h"

#define HEAD_INIT 512
#define HEAD_MAX 8192      /* the request head, cookies included */
#define MAX_MESSAGE 1024   /* a client's message (all ignored but ping and close) */
#define READ_BUDGET 65536  /* bytes read from one client per loop iteration */
#define LOOKUP_TIMEOUT 5.0 /* the database's answer, reconnects included */
#define LINGER 2.0         /* after the last answer: the peer's close, or EOF */
#define WSLAY_MSG_COST 128 /* what a queued wslay message costs beside its payload */

static struct client *all; /* every client, for client_close_all */
static size_t nclients;
static uint64_t serial;

/* The counters a log line reports every minute something happened. */
static struct {
    unsigned long accepted, refused, head_timeout, bad_request, not_found, upgraded, streams, dead,
        overflow, ended;
} stats;

static void on_io(struct ev_loop *loop, ev_io *w, int revents);
static void on_timer(struct ev_loop *loop, ev_timer *w, int revents);
static void flush(struct client *c);

static const char *
reason(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

static void
watch(struct client *c, int events)
{
    if (ev_is_active(&c->io) && (c->io.events & (EV_READ | EV_WRITE)) == events)
        return;
    ev_io_stop(hub_loop, &c->io);
    if (events) {
        ev_io_set(&c->io, c->io.fd, events);
        ev_io_start(hub_loop, &c->io);
    }
}

static void
timer(struct client *c, double after)
{
    ev_timer_stop(hub_loop, &c->timer);
    ev_timer_set(&c->timer, after, 0);
    ev_timer_start(hub_loop, &c->timer);
}

static void
client_free(struct client *c)
{
    sessions_leave(c);
    pg_forget(c);
    ev_io_stop(hub_loop, &c->io);
    ev_timer_stop(hub_loop, &c->timer);
    close(c->io.fd);
    if (c->ws)
        wslay_event_context_free(c->ws);
    free(c->head);
    free(c->rest);
    free(c->out);
    if (c->aprev)
        c->aprev->anext = c->anext;
    else
        all = c->anext;
    if (c->anext)
        c->anext->aprev = c->aprev;
    sodium_memzero(c->token_hash, sizeof c->token_hash);
    free(c);
    nclients--;
}

/* Queues raw bytes. -1 (and the client is gone) when that would pass max_output. */
static int
out_append(struct client *c, const char *data, size_t len)
{
    size_t pending = c->out_len - c->out_off;

    if (pending + len > hub_cfg->push_max_output) {
        stats.overflow++;
        client_free(c);
        return -1;
    }
    if (c->out_off > 0 && pending > 0)
        memmove(c->out, c->out + c->out_off, pending);
    else if (pending == 0)
        free(c->out), c->out = NULL;
    c->out_len = pending;
    c->out_off = 0;
    c->out = xrealloc(c->out, pending + len);
    memcpy(c->out + pending, data, len);
    c->out_len += len;
    return 0;
}

/* The last answer is queued: send it, stop sending, read until EOF or LINGER. */
static void
finish(struct client *c)
{
    sessions_leave(c);
    c->state = CL_CLOSING;
    timer(c, LINGER);
    flush(c);
}

/* A JSON error before any upgrade, in the API's shape (lib/http.c's table). */
static void
http_fail(struct client *c, enum err e, const char *description, const char *extra_header)
{
    struct response resp = {0};
    const char *body;
    char *head;

    http_error(&resp, e, description);
    if (extra_header)
        snprintf(resp.headers + strlen(resp.headers), sizeof resp.headers - strlen(resp.headers),
                 "%s\r\n", extra_header);
    body = json_object_to_json_string_ext(resp.json,
                                          JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    head = xasprintf("HTTP/1.1 %d %s\r\n"
                     "Content-Type: application/json; charset=utf-8\r\n"
                     "Cache-Control: no-store\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Content-Length: %zu\r\n"
                     "Connection: close\r\n"
                     "%s\r\n",
                     resp.status, reason(resp.status), strlen(body), resp.headers);
    if (resp.status == 404)
        stats.not_found++;
    else if (resp.status == 400 || resp.status == 405)
        stats.bad_request++;
    if (out_append(c, head, strlen(head)) == 0 && out_append(c, body, strlen(body)) == 0)
        finish(c);
    free(head);
    response_reset(&resp);
}

/* --- WebSocket (libwslay) -------------------------------------------------------------- */

/* Sec-WebSocket-Accept: base64(SHA-1(key + the RFC 6455 GUID)). */
static void
ws_accept(const char *key, char out[32])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    struct sha1_ctx sha;
    uint8_t digest[SHA1_DIGEST_SIZE];

    sha1_init(&sha);
    sha1_update(&sha, strlen(key), (const uint8_t *)key);
    sha1_update(&sha, sizeof guid - 1, (const uint8_t *)guid);
    sha1_digest(&sha, sizeof digest, digest);
    base64_encode_raw(out, sizeof digest, digest); /* 28 characters */
    out[BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)] = '\0';
}

static size_t
ws_queued(struct client *c)
{
    return wslay_event_get_queued_msg_length(c->ws) +
           WSLAY_MSG_COST * wslay_event_get_queued_msg_count(c->ws);
}

static ssize_t
ws_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
    struct client *c = user;
    ssize_t n;

    (void)flags;
    if (c->rest_off < c->rest_len) { /* frames that came with the request head */
        n = (ssize_t)(c->rest_len - c->rest_off < len ? c->rest_len - c->rest_off : len);
        memcpy(buf, c->rest + c->rest_off, (size_t)n);
        c->rest_off += (size_t)n;
        return n;
    }
    /* a client that sends faster than it reads (pings whose pongs pile up) is not
     * read further: its output decides */
    if (c->budget > READ_BUDGET || ws_queued(c) > hub_cfg->push_max_output) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    n = recv(c->io.fd, buf, len, 0);
    if (n > 0) {
        c->budget += (size_t)n;
        c->heard = 1; /* a peer that sends is alive */
        return n;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
    else
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
}

static ssize_t
ws_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user)
{
    struct client *c = user;
    ssize_t n = send(c->io.fd, data, len, MSG_NOSIGNAL | (flags & WSLAY_MSG_MORE ? MSG_MORE : 0));

    if (n >= 0)
        return n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
    else
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
}

/* Pings and closes wslay answers by itself; a pong proves the peer alive; anything
 * else a client sends is ignored. */
static void
ws_message(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
    (void)ctx;
    (void)arg;
    (void)user;
}

static const struct wslay_event_callbacks ws_callbacks = {
    .recv_callback = ws_recv,
    .send_callback = ws_send,
    .on_msg_recv_callback = ws_message,
};

/* --- output -------------------------------------------------------------------------- */

static void
flush(struct client *c)
{
    int want_write = 0;

    while (c->out_off < c->out_len) {
        ssize_t n = send(c->io.fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            want_write = 1;
            break;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            client_free(c);
            return;
        }
        c->out_off += (size_t)n;
    }
    if (!want_write && c->out) {
        free(c->out);
        c->out = NULL;
        c->out_len = c->out_off = 0;
    }
    if (!want_write && c->ws) {
        if (wslay_event_send(c->ws) != 0) {
            client_free(c);
            return;
        }
        /* wslay sends control frames before data frames: the close goes into the queue
         * only once the last status has left it */
        if (c->close_code && wslay_event_get_queued_msg_count(c->ws) == 0) {
            if (wslay_event_queue_close(c->ws, c->close_code, NULL, 0) != 0 ||
                wslay_event_send(c->ws) != 0) {
                client_free(c);
                return;
            }
            c->close_code = 0;
        }
        want_write = wslay_event_want_write(c->ws);
    }
    if (c->state == CL_CLOSING && !want_write) {
        if (c->ws && wslay_event_get_close_received(c->ws)) {
            client_free(c); /* both closes exchanged */
            return;
        }
        if (!c->ws || wslay_event_get_close_sent(c->ws))
            shutdown(c->io.fd, SHUT_WR); /* then read until EOF, or LINGER */
    }
    watch(c, (c->state == CL_LOOKUP ? 0 : EV_READ) | (want_write ? EV_WRITE : 0));
}

/* --- statuses -------------------------------------------------------------------------- */

void
client_send_status(struct client *c, const char *sid, const char *status, int terminal)
{
    char msg[128], ev[192];
    int n = snprintf(msg, sizeof msg, "{\"message\": {\"session_id\": \"%s\", \"status\": \"%s\"}}",
                     sid, status);

    if (c->kind == KIND_WS && c->ws) {
        struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)msg, (size_t)n};

        if (terminal)
            c->close_code = WSLAY_CODE_NORMAL_CLOSURE;
        if (wslay_event_queue_msg(c->ws, &m) != 0 || ws_queued(c) > hub_cfg->push_max_output) {
            stats.overflow++;
            client_free(c);
            return;
        }
    } else if (c->kind == KIND_SSE) {
        n = snprintf(ev, sizeof ev, "event: status\ndata: %s\n\n", msg);
        if (out_append(c, ev, (size_t)n) < 0)
            return;
    } else {
        return;
    }
    if (terminal) {
        stats.ended++;
        finish(c);
    } else {
        flush(c);
    }
}

void
client_end(struct client *c)
{
    if (c->kind == KIND_WS && c->ws)
        c->close_code = WSLAY_CODE_NORMAL_CLOSURE;
    finish(c);
}

/* 0, or -1 when c is gone. */
static int
start_ws(struct client *c)
{
    char head[256];
    int n;

    n = snprintf(head, sizeof head,
                 "HTTP/1.1 101 Switching Protocols\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: %s\r\n\r\n",
                 c->ws_accept);
    if (out_append(c, head, (size_t)n) < 0)
        return -1;
    if (wslay_event_context_server_init(&c->ws, &ws_callbacks, c) != 0) {
        c->ws = NULL;
        client_free(c);
        return -1;
    }
    wslay_event_config_set_max_recv_msg_length(c->ws, MAX_MESSAGE);
    c->state = CL_WS;
    stats.upgraded++;
    /* pings staggered over the interval: not every client's at the same moment */
    timer(c, hub_cfg->push_ping_interval * (0.1 + 0.9 * randombytes_uniform(1000) / 1000.0));
    return 0;
}

/* 0, or -1 when c is gone. */
static int
start_sse(struct client *c)
{
    char head[512];
    int n;

    n = snprintf(head, sizeof head,
                 "HTTP/1.1 200 OK\r\n"
                 "Content-Type: text/event-stream; charset=utf-8\r\n"
                 "Cache-Control: no-store\r\n"
                 "X-Content-Type-Options: nosniff\r\n"
                 "X-Accel-Buffering: no\r\n"
                 "Connection: close\r\n\r\n"
                 "retry: %d\n\n",
                 hub_cfg->push_sse_retry);
    if (out_append(c, head, (size_t)n) < 0)
        return -1;
    c->state = CL_SSE;
    stats.streams++;
    timer(c, hub_cfg->push_ping_interval * (0.1 + 0.9 * randombytes_uniform(1000) / 1000.0));
    return 0;
}

void
client_found(struct client *c, const char *sid, const char *status, double expires)
{
    if (c->state != CL_LOOKUP)
        return;
    if (c->kind == KIND_SSE && strcasecmp(sid, c->want_sid) != 0) {
        /* the token is another session's: as unknown as any other */
        http_fail(c, ERR_NOT_FOUND, "no such session", NULL);
        return;
    }
    ev_timer_stop(hub_loop, &c->timer);
    if ((c->kind == KIND_WS ? start_ws(c) : start_sse(c)) == 0)
        sessions_wait(c, sid, status, expires);
}

void
client_not_found(struct client *c)
{
    if (c->state == CL_LOOKUP)
        http_fail(c, ERR_NOT_FOUND, "no such session", NULL);
}

void
client_unavailable(struct client *c)
{
    if (c->state == CL_LOOKUP)
        http_fail(c, ERR_UNAVAILABLE, "the service is unavailable, try again later", NULL);
}

/* --- the request head ------------------------------------------------------------------ */

/* The value of header name in head (lines after the request line), or NULL; copied into
 * out (len bytes), trimmed. */
static const char *
header(const char *head, const char *name, char *out, size_t len)
{
    size_t nlen = strlen(name);
    const char *p = strstr(head, "\r\n");

    for (; p && p[2] != '\r'; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2, *end = strstr(line, "\r\n"), *v;

        if (!end || strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
            continue;
        for (v = line + nlen + 1; *v == ' ' || *v == '\t'; v++)
            ;
        while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if ((size_t)(end - v) >= len)
            return NULL;
        memcpy(out, v, (size_t)(end - v));
        out[end - v] = '\0';
        return out;
    }
    return NULL;
}

/* 1 when the comma-separated list has token (case-insensitive). */
static int
has_token(const char *list, const char *token)
{
    size_t n = strlen(token);

    for (const char *p = list; p && *p;) {
        p += strspn(p, " \t,");
        if (strncasecmp(p, token, n) == 0 &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
            return 1;
        p = strchr(p, ',');
    }
    return 0;
}

static int
is_token(const char *t)
{
    return t && strlen(t) == TOKEN_LEN && crypto_b64url_span(t, TOKEN_LEN) == TOKEN_LEN;
}

static int
is_uuid(const char *s)
{
    if (strlen(s) != UUID_LEN)
        return 0;
    for (int i = 0; i < UUID_LEN; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

/* The request head is complete (NUL-terminated, CRLF CRLF included): route it. */
static void
request(struct client *c)
{
    char method[16], target[2048], version[16], token[TOKEN_LEN + 8], id[64];
    char upgrade[64], connection[128], key[64], wsversion[16];
    const char *t = NULL;
    int ws, sse;

    if (sscanf(c->head, "%15[A-Z] %2047[^ \r\n] %15[^\r\n]", method, target, version) != 3 ||
        target[0] != '/' ||
        (strcmp(version, "HTTP/1.1") != 0 && strcmp(version, "HTTP/1.0") != 0)) {
        http_fail(c, ERR_INVALID_REQUEST, "not an HTTP request", NULL);
        return;
    }
    ws = http_route(target, "/auth/ws/notifications", id, sizeof id) == 0;
    sse = !ws && http_route(target, "/auth/v2/session/{}/events", id, sizeof id) == 0;
    if (!ws && !sse) {
        http_fail(c, ERR_NOT_FOUND, "no such endpoint", NULL);
        return;
    }
    if (strcmp(method, "GET") != 0) {
        http_fail(c, ERR_METHOD, "method not allowed here", "Allow: GET");
        return;
    }
    if (sse && !is_uuid(id)) {
        http_fail(c, ERR_NOT_FOUND, "no such session", NULL);
        return;
    }
    if (sse)
        t = header(c->head, "Data-Session-Token", token, sizeof token);
    if (!t && http_query_param(target, "token", token, sizeof token) == 0)
        t = token;
    if (!t) {
        http_fail(c, ERR_INVALID_REQUEST,
                  ws ? "the session token is required: ?token=<session_token>"
                     : "the session token is required: Data-Session-Token or ?token=",
                  NULL);
        return;
    }
    if (!is_token(t)) {
        http_fail(c, ERR_INVALID_REQUEST, "malformed session token", NULL);
        return;
    }
    if (ws) {
        if (!header(c->head, "Upgrade", upgrade, sizeof upgrade) ||
            !has_token(upgrade, "websocket") ||
            !header(c->head, "Connection", connection, sizeof connection) ||
            !has_token(connection, "upgrade") ||
            !header(c->head, "Sec-WebSocket-Key", key, sizeof key) || strlen(key) != 24 ||
            strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
                24) {
            http_fail(c, ERR_INVALID_REQUEST, "a WebSocket upgrade is required here", NULL);
            return;
        }
        if (!header(c->head, "Sec-WebSocket-Version", wsversion, sizeof wsversion) ||
            strcmp(wsversion, "13") != 0) {
            http_fail(c, ERR_INVALID_REQUEST, "WebSocket version 13 is required",
                      "Sec-WebSocket-Version: 13");
            return;
        }
        ws_accept(key, c->ws_accept);
        c->kind = KIND_WS;
    } else {
        snprintf(c->want_sid, sizeof c->want_sid, "%s", id);
        c->kind = KIND_SSE;
    }
    crypto_token_hash(PURPOSE_SESSION_TOKEN, t, TOKEN_LEN, c->token_hash);
    sodium_memzero(token, sizeof token);
    sodium_memzero(target, sizeof target);
    sodium_memzero(c->head, c->head_len);
    c->state = CL_LOOKUP;
    timer(c, LOOKUP_TIMEOUT);
    watch(c, 0); /* nothing is read until the answer: a closed peer shows then */
    pg_lookup(c);
}

/* Reads what there is of the head. */
static void
read_head(struct client *c)
{
    for (;;) {
        ssize_t n;
        char *end;

        if (c->head_len + 1 >= c->head_cap) {
            if (c->head_cap >= HEAD_MAX) {
                http_fail(c, ERR_INVALID_REQUEST, "request head too large", NULL);
                return;
            }
            c->head_cap = c->head_cap ? c->head_cap * 2 : HEAD_INIT;
            c->head = xrealloc(c->head, c->head_cap);
        }
        n = recv(c->io.fd, c->head + c->head_len, c->head_cap - c->head_len - 1, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        if (n <= 0) {
            client_free(c);
            return;
        }
        if (memchr(c->head + c->head_len, '\0', (size_t)n)) {
            http_fail(c, ERR_INVALID_REQUEST, "not an HTTP request", NULL);
            return;
        }
        c->head_len += (size_t)n;
        c->head[c->head_len] = '\0';
        /* a request line that cannot be one is refused at once */
        if (c->head_len >= 4 && strspn(c->head, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 0) {
            http_fail(c, ERR_INVALID_REQUEST, "not an HTTP request", NULL);
            return;
        }
        if ((end = strstr(c->head, "\r\n\r\n")) != NULL) {
            size_t used = (size_t)(end + 4 - c->head);

            if (used < c->head_len) { /* early frames: wslay reads them first */
                c->rest_len = c->head_len - used;
                c->rest = xmalloc(c->rest_len);
                memcpy(c->rest, c->head + used, c->rest_len);
                c->head[used] = '\0';
                c->head_len = used;
            }
            request(c);
            if (c->state != CL_HEAD && c->head) {
                free(c->head);
                c->head = NULL;
                c->head_len = c->head_cap = 0;
            }
            return;
        }
    }
}

/* Reads and drops what a client sends after its request (SSE, a closing answer);
 * EOF closes. */
static void
drain(struct client *c)
{
    char buf[4096];

    for (int budget = READ_BUDGET; budget > 0; budget -= (int)sizeof buf) {
        ssize_t n = recv(c->io.fd, buf, sizeof buf, 0);

        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        if (n <= 0) {
            client_free(c);
            return;
        }
    }
}

/* --- events ------------------------------------------------------------------------- */

static void
on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    struct client *c = (struct client *)w; /* io is the first member */

    (void)loop;
    if (revents & EV_WRITE) {
        flush(c); /* may free c; a read waits for the next iteration */
        return;
    }
    switch (c->state) {
    case CL_HEAD:
        read_head(c);
        break;
    case CL_WS:
    case CL_CLOSING:
        if (c->ws && wslay_event_want_read(c->ws)) {
            c->budget = 0;
            if (wslay_event_recv(c->ws) != 0) {
                client_free(c);
                return;
            }
            if (ws_queued(c) > hub_cfg->push_max_output) {
                stats.overflow++;
                client_free(c);
                return;
            }
            /* wslay stops reading once it has queued a close: the answer to the client's,
             * or its own (1009, 1002). Send it, then linger: closing with unread input
             * would send a reset that can destroy the close frame on its way. */
            if (!wslay_event_want_read(c->ws) && c->state == CL_WS)
                finish(c);
            else
                flush(c);
        } else {
            drain(c);
        }
        break;
    case CL_SSE:
        drain(c);
        break;
    case CL_LOOKUP:
        watch(c, 0);
        break;
    }
}

static void
on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct client *c = (struct client *)((char *)w - offsetof(struct client, timer));

    (void)loop;
    (void)revents;
    switch (c->state) {
    case CL_HEAD:
        stats.head_timeout++;
        client_free(c);
        return;
    case CL_LOOKUP:
        pg_forget(c);
        client_unavailable(c);
        return;
    case CL_CLOSING:
        client_free(c);
        return;
    case CL_WS:
        if (c->pinged && !c->heard) {
            stats.dead++;
            client_free(c); /* no pong, nor anything else, for a whole interval */
            return;
        } else {
            struct wslay_event_msg m = {WSLAY_PING, NULL, 0};

            c->heard = 0;
            c->pinged = 1;
            if (wslay_event_queue_msg(c->ws, &m) != 0) {
                client_free(c);
                return;
            }
        }
        break;
    case CL_SSE:
        if (out_append(c, ": keep-alive\n\n", 14) < 0)
            return;
        break;
    }
    timer(c, hub_cfg->push_ping_interval);
    flush(c);
}

int
client_accept(int lfd)
{
    for (int i = 0; i < 256; i++) {
        int one = 1;
        struct client *c;
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                static double warned;
                if (ev_now(hub_loop) - warned > 60) {
                    log_warn("accept: %s (%zu clients); raise the open-file limit", strerror(errno),
                             nclients);
                    warned = ev_now(hub_loop);
                }
                return -1;
            }
            return 0;
        }
        if (nclients >= (size_t)hub_cfg->push_max_connections) {
            stats.refused++;
            close(fd);
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c = xcalloc(1, sizeof *c);
        c->id = ++serial;
        c->batch_slot = -1;
        c->state = CL_HEAD;
        ev_io_init(&c->io, on_io, fd, EV_READ);
        ev_io_start(hub_loop, &c->io);
        ev_init(&c->timer, on_timer);
        timer(c, hub_cfg->push_header_timeout);
        c->anext = all;
        if (all)
            all->aprev = c;
        all = c;
        nclients++;
        stats.accepted++;
    }
    return 0;
}

void
client_close_all(void)
{
    while (all) {
        struct client *c = all;

        if (c->ws && c->state == CL_WS) {
            wslay_event_queue_close(c->ws, WSLAY_CODE_GOING_AWAY, NULL, 0);
            wslay_event_send(c->ws);
        }
        client_free(c);
    }
}

size_t
client_count(void)
{
    return nclients;
}

void
client_stats(void)
{
    static unsigned long last;
    unsigned long sum = stats.accepted + stats.refused + stats.dead + stats.overflow;

    if (sum == last)
        return;
    last = sum;
    log_info("clients: %zu open, %zu sessions waited for; since start: %lu accepted, %lu refused "
             "(max_connections), %lu head timeouts, %lu bad requests, %lu unknown, %lu WebSocket, "
             "%lu event streams, %lu dead peers dropped, %lu dropped for output, %lu ended",
             nclients, sessions_count(), stats.accepted, stats.refused, stats.head_timeout,
             stats.bad_request, stats.not_found, stats.upgraded, stats.streams, stats.dead,
             stats.overflow, stats.ended);
}
