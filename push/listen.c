/* listen.c - the hub's one PostgreSQL connection, non-blocking on the loop: it LISTENs
 * on qrshare_status, and runs one query at a time:
 *
 *   resync   push_statuses(every waited-for session), after each (re)connect: the
 *            notifications sent while the connection was down are lost, the statuses
 *            are not;
 *   lookup   push_sessions(token hashes of every client that connected meanwhile);
 *   due      push_statuses(the sessions whose expires_at passed).
 *
 * Clients that connect while a query runs wait for the next one, so one round trip serves
 * them all however many arrive. A lost connection is opened again with backoff (0.1 s
 * doubling up to 5 s); the lookup that was in flight is sent again (it only reads). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>
#include "hub.h"
#include "log.h"
#include "util.h"

#define CHANNEL "qrshare_status"
#define BATCH_MAX 1000 /* token hashes per lookup */
#define CONNECT_TIMEOUT 5.0
#define BACKOFF_MIN 0.1
#define BACKOFF_MAX 5.0
#define ERROR_PAUSE 1.0 /* after a query failed, before the next try */

static const char sql_listen[] = "LISTEN " CHANNEL;
static const char sql_lookup[] =
    "SELECT ord, session_id, status, expires_epoch FROM qrshare.push_sessions($1::bytea[])";
static const char sql_statuses[] =
    "SELECT session_id, status, expires_epoch FROM qrshare.push_statuses($1::uuid[])";

enum pg_state { PG_DOWN, PG_CONNECTING, PG_UP };
enum query { Q_NONE, Q_LISTEN, Q_LOOKUP, Q_RESYNC, Q_DUE };

static const char *conninfo;
static PGconn *conn;
static enum pg_state state;
static enum query inflight;
static int listening;
static int need_resync;
static int due_pending;
static int attempts;      /* failed connection attempts since the last success */
static double down_since; /* ev_now when the connection was lost */
static double backoff = BACKOFF_MIN;
static ev_io io;
static ev_timer retry;               /* reconnect, connect timeout, pause after an error */
static struct client *qhead, *qtail; /* clients waiting for a lookup */
static struct client *batch[BATCH_MAX];
static int nbatch;

static void kick(void);
static void on_io(struct ev_loop *loop, ev_io *w, int revents);

static void
watch(int events)
{
    int fd = conn ? PQsocket(conn) : -1;

    if (fd < 0) {
        ev_io_stop(hub_loop, &io);
        return;
    }
    if (ev_is_active(&io) && io.fd == fd && (io.events & (EV_READ | EV_WRITE)) == events)
        return;
    ev_io_stop(hub_loop, &io);
    ev_io_set(&io, fd, events);
    ev_io_start(hub_loop, &io);
}

static void
queue_push(struct client *c, int front)
{
    c->queued = 1;
    c->qprev = c->qnext = NULL;
    if (!qhead) {
        qhead = qtail = c;
    } else if (front) {
        c->qnext = qhead;
        qhead->qprev = c;
        qhead = c;
    } else {
        c->qprev = qtail;
        qtail->qnext = c;
        qtail = c;
    }
}

static void
queue_remove(struct client *c)
{
    if (!c->queued)
        return;
    if (c->qprev)
        c->qprev->qnext = c->qnext;
    else
        qhead = c->qnext;
    if (c->qnext)
        c->qnext->qprev = c->qprev;
    else
        qtail = c->qprev;
    c->queued = 0;
    c->qprev = c->qnext = NULL;
}

/* The lookup in flight will not be answered: its clients go back to the front. */
static void
batch_requeue(void)
{
    for (int i = nbatch - 1; i >= 0; i--) {
        if (batch[i]) {
            batch[i]->batch_slot = -1;
            queue_push(batch[i], 1);
        }
    }
    nbatch = 0;
}

static void
schedule(double after)
{
    ev_timer_stop(hub_loop, &retry);
    ev_timer_set(&retry, after, 0);
    ev_timer_start(hub_loop, &retry);
}

static void
lost(const char *why)
{
    char msg[256];

    snprintf(msg, sizeof msg, "%s", conn ? PQerrorMessage(conn) : "");
    if (state == PG_UP)
        log_warn("database: connection lost (%s%s%s); reconnecting, %zu sessions waited for", why,
                 msg[0] ? ": " : "", msg, sessions_count());
    else if (attempts == 0 || attempts % 10 == 0)
        log_warn("database: cannot connect (%s%s%s); attempt %d, trying again", why,
                 msg[0] ? ": " : "", msg, attempts + 1);
    if (state == PG_UP)
        down_since = ev_now(hub_loop);
    if (state != PG_UP)
        attempts++;
    if (inflight == Q_LOOKUP)
        batch_requeue();
    if (inflight == Q_RESYNC || inflight == Q_DUE)
        sessions_unask();
    if (inflight == Q_DUE)
        due_pending = 1;
    inflight = Q_NONE;
    listening = 0;
    need_resync = 1; /* notifications may have been missed */
    ev_io_stop(hub_loop, &io);
    PQfinish(conn);
    conn = NULL;
    state = PG_DOWN;
    schedule(backoff);
    backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
}

static void
connect_step(void)
{
    switch (PQconnectPoll(conn)) {
    case PGRES_POLLING_READING:
        watch(EV_READ);
        break;
    case PGRES_POLLING_WRITING:
        watch(EV_WRITE);
        break;
    case PGRES_POLLING_OK:
        ev_timer_stop(hub_loop, &retry);
        if (PQsetnonblocking(conn, 1) != 0) {
            lost("cannot make the connection non-blocking");
            return;
        }
        state = PG_UP;
        if (attempts > 0 || down_since > 0)
            log_info("database: connected again after %d failed attempts, %.1f s", attempts,
                     down_since > 0 ? ev_now(hub_loop) - down_since : 0.0);
        else
            log_info("database: connected");
        attempts = 0;
        down_since = 0;
        watch(EV_READ);
        if (PQsendQuery(conn, sql_listen) != 1) {
            lost("LISTEN");
            return;
        }
        inflight = Q_LISTEN;
        kick();
        break;
    default: /* PGRES_POLLING_FAILED */
        lost("connect");
        break;
    }
}

static void
start_connect(void)
{
    const char *const keys[] = {"dbname", "application_name", NULL};
    const char *const vals[] = {conninfo, "qrshare-push", NULL};

    conn = PQconnectStartParams(keys, vals, 1);
    if (!conn || PQstatus(conn) == CONNECTION_BAD) {
        lost("connect");
        return;
    }
    state = PG_CONNECTING;
    schedule(CONNECT_TIMEOUT);
    connect_step();
}

static void
on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    if (state == PG_DOWN)
        start_connect();
    else if (state == PG_CONNECTING)
        lost("timed out");
    else
        kick(); /* the pause after a failed query is over */
}

/* Sends sql with one text parameter; the answer comes to on_io. */
static int
send_query(const char *sql, const char *param, enum query q)
{
    const char *params[1] = {param};

    if (PQsendQueryParams(conn, sql, 1, NULL, params, NULL, NULL, 0) != 1) {
        lost("send");
        return -1;
    }
    inflight = q;
    if (PQflush(conn) == 1)
        watch(EV_READ | EV_WRITE);
    return 0;
}

static void
send_lookup(void)
{
    /* {"\\x<64 hex>",...}: a bytea[] literal, 71 bytes an element */
    static char buf[BATCH_MAX * 72 + 3];
    size_t used = 0;

    buf[used++] = '{';
    nbatch = 0;
    while (qhead && nbatch < BATCH_MAX) {
        struct client *c = qhead;

        queue_remove(c);
        c->batch_slot = nbatch;
        batch[nbatch++] = c;
        if (nbatch > 1)
            buf[used++] = ',';
        memcpy(buf + used, "\"\\\\x", 4);
        used += 4;
        for (int i = 0; i < HASH_BYTES; i++) {
            static const char hex[] = "0123456789abcdef";
            buf[used++] = hex[c->token_hash[i] >> 4];
            buf[used++] = hex[c->token_hash[i] & 15];
        }
        buf[used++] = '"';
    }
    buf[used++] = '}';
    buf[used] = '\0';
    send_query(sql_lookup, buf, Q_LOOKUP);
}

static void
send_statuses(int all)
{
    char *ids = NULL;
    size_t len = 0;

    if (sessions_ask(all, &ids, &len) > 0) {
        if (all)
            log_info("database: reading the status of %zu waited-for sessions", sessions_count());
        send_query(sql_statuses, ids, all ? Q_RESYNC : Q_DUE);
    }
    free(ids);
}

static void
kick(void)
{
    if (state != PG_UP || inflight != Q_NONE || !listening || ev_is_active(&retry))
        return;
    if (need_resync) {
        need_resync = 0;
        due_pending = 0; /* a resync asks them all */
        send_statuses(1);
    }
    if (inflight == Q_NONE && qhead)
        send_lookup();
    if (inflight == Q_NONE && due_pending) {
        due_pending = 0;
        send_statuses(0);
    }
}

static double
field_double(const PGresult *r, int row, int col)
{
    return strtod(PQgetvalue(r, row, col), NULL);
}

static void
lookup_done(PGresult *r)
{
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
        for (int i = 0; i < PQntuples(r); i++) {
            int ord = atoi(PQgetvalue(r, i, 0));
            struct client *c = ord >= 1 && ord <= nbatch ? batch[ord - 1] : NULL;

            if (!c)
                continue; /* closed while it waited */
            batch[ord - 1] = NULL;
            c->batch_slot = -1;
            client_found(c, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), field_double(r, i, 3));
        }
        for (int i = 0; i < nbatch; i++) {
            struct client *c = batch[i];

            if (c) {
                batch[i] = NULL;
                c->batch_slot = -1;
                client_not_found(c);
            }
        }
    } else {
        for (int i = 0; i < nbatch; i++) {
            struct client *c = batch[i];

            if (c) {
                batch[i] = NULL;
                c->batch_slot = -1;
                client_unavailable(c);
            }
        }
    }
    nbatch = 0;
}

static void
statuses_done(PGresult *r, enum query q)
{
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        sessions_unask();
        if (q == Q_RESYNC)
            need_resync = 1;
        else
            due_pending = 1;
        return;
    }
    for (int i = 0; i < PQntuples(r); i++)
        sessions_row(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), field_double(r, i, 2));
    sessions_answered();
    if (q == Q_RESYNC)
        log_info("database: statuses read again: %d sessions", PQntuples(r));
}

static void
result(PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);

    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        const char *state_code = PQresultErrorField(r, PG_DIAG_SQLSTATE);

        /* the primary message and the SQLSTATE only, as lib/db.c logs them */
        log_error("database: %s [%s]",
                  PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
                      ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
                      : "no message",
                  state_code ? state_code : "-");
        if (PQstatus(conn) != CONNECTION_BAD)
            schedule(ERROR_PAUSE);
    }
    switch (inflight) {
    case Q_LISTEN:
        if (st == PGRES_COMMAND_OK) {
            listening = 1;
            backoff = BACKOFF_MIN;
        }
        break;
    case Q_LOOKUP:
        lookup_done(r);
        break;
    case Q_RESYNC:
    case Q_DUE:
        statuses_done(r, inflight);
        break;
    case Q_NONE:
        break;
    }
}

static void
notifications(void)
{
    PGnotify *n;

    while ((n = PQnotifies(conn)) != NULL) {
        const char *p = n->extra;

        /* "<uuid> <status>" */
        if (strcmp(n->relname, CHANNEL) == 0 && strlen(p) > UUID_LEN + 1 && p[UUID_LEN] == ' ') {
            char sid[UUID_LEN + 1];

            memcpy(sid, p, UUID_LEN);
            sid[UUID_LEN] = '\0';
            sessions_update(sid, p + UUID_LEN + 1, -1);
        }
        PQfreemem(n);
    }
}

static void
on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)w;
    if (state == PG_CONNECTING) {
        connect_step();
        return;
    }
    if (revents & EV_WRITE) {
        int f = PQflush(conn);

        if (f < 0) {
            lost("send");
            return;
        }
        if (f == 0)
            watch(EV_READ);
    }
    if ((revents & EV_READ) && PQconsumeInput(conn) != 1) {
        lost("receive");
        return;
    }
    while (inflight != Q_NONE && PQisBusy(conn) == 0) {
        PGresult *r = PQgetResult(conn);

        if (!r) {
            if (inflight == Q_LISTEN && !listening) {
                lost("LISTEN refused");
                return;
            }
            inflight = Q_NONE;
            break;
        }
        result(r);
        PQclear(r);
    }
    notifications();
    if (PQstatus(conn) == CONNECTION_BAD) {
        lost("closed by the server");
        return;
    }
    kick();
}

void
pg_lookup(struct client *c)
{
    c->batch_slot = -1;
    queue_push(c, 0);
    kick();
}

void
pg_forget(struct client *c)
{
    queue_remove(c);
    if (c->batch_slot >= 0 && c->batch_slot < nbatch && batch[c->batch_slot] == c)
        batch[c->batch_slot] = NULL;
    c->batch_slot = -1;
}

void
pg_due(void)
{
    due_pending = 1;
    kick();
}

int
pg_ready(void)
{
    return state == PG_UP && listening;
}

void
pg_init(const char *ci)
{
    conninfo = ci;
    ev_init(&io, on_io);
    ev_init(&retry, on_retry);
    start_connect();
}

void
pg_shutdown(void)
{
    ev_io_stop(hub_loop, &io);
    ev_timer_stop(hub_loop, &retry);
    PQfinish(conn);
    conn = NULL;
}
