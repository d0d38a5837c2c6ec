/* qrshare-push - the push hub: WebSocket and Server-Sent Events for waiting browsers.
 *
 * What it is (DESIGN.md §8). A page that shows a QR code waits for its session to change
 * status. Instead of polling session-status every 2 s, it keeps one connection open to
 * this daemon, which tells it each change as it happens. One process, one thread, one
 * libev loop (epoll) holds every waiting browser, non-blocking throughout; the web server
 * in front proxies two paths to it:
 *
 *   GET /auth/ws/notifications/?token=<session_token>          Didit's WebSocket
 *     On connect and on each status change, a text frame
 *       {"message": {"session_id": "<id>", "status": "<status>"}}
 *     and after a terminal status (confirmed, declined, expired, cancelled) a close frame
 *     with code 1000. Pings go out every ping_interval (at most 25 s; each client's phase
 *     is random, so they are staggered); a client that answers none for a whole interval
 *     is dropped. Anything the client sends but ping, pong and close is ignored; a message
 *     over 1 KiB closes the connection (1009).
 *
 *   GET /auth/v2/session/<session_id>/events/                  Server-Sent Events
 *     token in Data-Session-Token or ?token= (EventSource cannot set headers). First
 *     "retry: <sse_retry>", then an "event: status" whose data is the same JSON at connect
 *     and at each change, ": keep-alive" comments every ping_interval; the stream ends
 *     after a terminal status.
 *
 *   Before any upgrade, errors are the API's JSON ({"error", "error_description"}):
 *   400 invalid_request (no token, a malformed token, not a WebSocket upgrade, a request
 *   that is not HTTP or whose head passes 8 KiB), 404 not_found (a token that is unknown,
 *   replaced by a refresh, or another session's; another path), 405 (not GET),
 *   503 unavailable (the database did not answer within 5 s).
 *
 * Where the statuses come from. ONE PostgreSQL connection (libpq, non-blocking), as role
 * qrshare_push, LISTENs on the channel qrshare_status; a trigger on qrshare.sessions sends
 * '<session id> <status>' there at every status change (sql/migrations/0007_push.sql).
 * A token becomes a session through qrshare.push_sessions (token hashes -> session id,
 * status, expires_at), the only other thing the role may call is qrshare.push_statuses
 * (session ids -> statuses). When the connection breaks (a PostgreSQL restart), the hub
 * connects again with backoff and reads the status of every waiting session in one
 * push_statuses call, so no client misses its final status. A session that passes
 * expires_at sends no notification: the hub asks push_statuses then.
 *
 * Running it. qrshare-push reads the same qrshare.conf as the executables ($QRSHARE_CONF,
 * else SYSCONFDIR/qrshare.conf), its [push] section (lib/config.c): conninfo (log in as
 * qrshare_push), listen_address and listen_port (default 127.0.0.1:8091), max_connections,
 * header_timeout, ping_interval, max_output, sse_retry. It stays in the foreground and
 * logs one line per event to stderr like the executables (never a token; clients are
 * counted, not named); SIGTERM or SIGINT closes every client (WebSocket 1001) and exits.
 * conf/qrshare-push.service runs it under systemd; conf/lighttpd-qrshare-push.conf and
 * conf/apache-qrshare-push.conf put it behind the web servers. With it stopped, browsers
 * fall back to polling session-status.
 *
 * Files: qrshare-push.c (this: the conf, the listening socket, signals), client.c (a
 * connection: request head, errors, WebSocket through libwslay, event stream), sessions.c
 * (the waited-for sessions, their waiters and expiry timers), listen.c (the PostgreSQL
 * connection). */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "hub.h"
#include "log.h"

#define STATS_EVERY 60.0

struct ev_loop *hub_loop;
const struct config *hub_cfg;

static ev_io accept_io;
static ev_timer accept_pause;
static ev_timer stats_timer;
static ev_signal sigterm, sigint;

/* Opens the listening socket of [push] listen_address / listen_port. -1 logged. */
static int
listen_on(const char *address, int port)
{
    struct addrinfo hints = {0}, *res = NULL;
    char service[16];
    int fd = -1, one = 1, rc;

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    snprintf(service, sizeof service, "%d", port);
    if ((rc = getaddrinfo(address, service, &hints, &res)) != 0) {
        log_error("listen_address %s: %s", address, gai_strerror(rc));
        goto out;
    }
    fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 4096) != 0) {
        log_error("cannot listen on %s port %d: %s", address, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
out:
    if (res)
        freeaddrinfo(res);
    return fd;
}

static void
on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    /* Out of file descriptors: the pending connection stays ready and would wake the loop
     * at once; pause accepting instead of spinning. */
    if (client_accept(w->fd) < 0) {
        ev_io_stop(loop, w);
        ev_timer_start(loop, &accept_pause);
    }
}

static void
on_accept_pause(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)w;
    (void)revents;
    ev_io_start(loop, &accept_io);
}

static void
on_stats(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    client_stats();
}

static void
on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)revents;
    log_info("signal %d: closing %zu clients, exiting", w->signum, client_count());
    ev_break(loop, EVBREAK_ALL);
}

int
main(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    int lfd = -1, ret = 1;

    (void)argc;
    (void)argv;
    log_init("qrshare-push");
    crypto_init();
    if (config_load(config_path(), &cfg, err, sizeof err) < 0) {
        log_error("%s", err);
        return 1;
    }
    hub_cfg = &cfg;
    signal(SIGPIPE, SIG_IGN);
    if (!(hub_loop = ev_default_loop(EVBACKEND_EPOLL | EVFLAG_NOENV)) &&
        !(hub_loop = ev_default_loop(0))) {
        log_error("libev: no event loop");
        goto out;
    }
    if ((lfd = listen_on(cfg.push_address, cfg.push_port)) < 0)
        goto out;
    sessions_init();
    ev_io_init(&accept_io, on_accept, lfd, EV_READ);
    ev_io_start(hub_loop, &accept_io);
    ev_timer_init(&accept_pause, on_accept_pause, 0.1, 0);
    ev_timer_init(&stats_timer, on_stats, STATS_EVERY, STATS_EVERY);
    ev_timer_start(hub_loop, &stats_timer);
    ev_signal_init(&sigterm, on_signal, SIGTERM);
    ev_signal_start(hub_loop, &sigterm);
    ev_signal_init(&sigint, on_signal, SIGINT);
    ev_signal_start(hub_loop, &sigint);
    pg_init(cfg.push_conninfo);
    log_info("listening on %s port %d (%s), ping every %d s, at most %d clients", cfg.push_address,
             cfg.push_port, ev_backend(hub_loop) == EVBACKEND_EPOLL ? "epoll" : "libev",
             cfg.push_ping_interval, cfg.push_max_connections);
    ev_run(hub_loop, 0);
    client_close_all();
    pg_shutdown();
    client_stats();
    ret = 0;
out:
    if (lfd >= 0)
        close(lfd);
    config_free(&cfg);
    return ret;
}
