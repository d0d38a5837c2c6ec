/* sessions.c - the sessions someone waits for: a hash table by session id, each with its
 * waiters, its last known status and a timer at its expires_at.
 *
 * A session is here while at least one client waits for it. Its status only moves
 * forward (initialized < retrieved < terminal), so a stale answer (a notification that
 * crossed a lookup, a resync after the change already arrived) is dropped, and no client
 * gets a status twice. A session that passes expires_at without anyone writing "expired"
 * sends no notification: its timer asks the database then (push_statuses), which reads it
 * as expired, or gives the later expires_at of a refresh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hub.h"
#include "log.h"
#include "util.h"

/* Checked again this long after expires_at: the database's clock judges expiry, and the
 * hub's may run a little ahead. */
#define EXPIRY_GRACE 0.25
#define EXPIRY_RETRY 1.0

static struct session **table;
static size_t nbuckets; /* a power of two */
static size_t nsessions;

static size_t
hash(const char *id)
{
    size_t h = 14695981039346656037u; /* FNV-1a */

    for (; *id; id++) {
        unsigned char ch = (unsigned char)*id;
        /* ids compare case-insensitively (a UUID may be sent in capitals) */
        h = (h ^ (ch >= 'A' && ch <= 'F' ? ch + 32 : ch)) * 1099511628211u;
    }
    return h;
}

static struct session **
slot(const char *id)
{
    struct session **p = &table[hash(id) & (nbuckets - 1)];

    while (*p && strcasecmp((*p)->id, id) != 0)
        p = &(*p)->hnext;
    return p;
}

static void
grow(void)
{
    struct session **old = table;
    size_t oldn = nbuckets;

    nbuckets *= 2;
    table = xcalloc(nbuckets, sizeof *table);
    for (size_t i = 0; i < oldn; i++) {
        struct session *s = old[i], *next;

        for (; s; s = next) {
            struct session **b = &table[hash(s->id) & (nbuckets - 1)];

            next = s->hnext;
            s->hnext = *b;
            *b = s;
        }
    }
    free(old);
}

static void
forget(struct session *s)
{
    struct session **p = slot(s->id);

    if (*p == s)
        *p = s->hnext;
    ev_timer_stop(hub_loop, &s->expiry);
    free(s);
    nsessions--;
}

static void
arm(struct session *s, double after)
{
    ev_timer_stop(hub_loop, &s->expiry);
    ev_timer_set(&s->expiry, after > 0 ? after : 0, 0);
    ev_timer_start(hub_loop, &s->expiry);
}

static void
on_expiry(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct session *s = (struct session *)((char *)w - offsetof(struct session, expiry));

    (void)loop;
    (void)revents;
    s->due = 1;
    pg_due();
}

int
status_rank(const char *status)
{
    if (strcmp(status, "initialized") == 0)
        return 0;
    if (strcmp(status, "retrieved") == 0)
        return 1;
    if (strcmp(status, "confirmed") == 0 || strcmp(status, "declined") == 0 ||
        strcmp(status, "expired") == 0 || strcmp(status, "cancelled") == 0)
        return 2;
    return -1;
}

/* Sends status to every waiter; a terminal status ends them all and the session. */
static void
fan_out(struct session *s)
{
    int terminal = status_rank(s->status) == 2;
    struct client *c = s->waiters, *next;

    for (; c; c = next) {
        next = c->wnext;
        client_send_status(c, s->id, s->status, terminal);
    }
    /* client_send_status of a terminal status calls sessions_leave for each waiter, the
     * last of which forgets s */
}

static void
set_expiry(struct session *s, double expires)
{
    if (expires < 0 || status_rank(s->status) == 2)
        return;
    if (expires != s->expires || !ev_is_active(&s->expiry)) {
        s->expires = expires;
        arm(s, expires - ev_time() + EXPIRY_GRACE);
    }
}

void
sessions_wait(struct client *c, const char *sid, const char *status, double expires)
{
    struct session **p = NULL, *s = *slot(sid);
    int rank = status_rank(status);

    if (rank < 0) {
        log_error("database: unknown status %.16s", status);
        client_end(c);
        return;
    }
    if (s && rank > status_rank(s->status)) {
        /* fresher than what the others have: they get it first (a terminal status ends
         * them and the session) */
        sessions_update(sid, status, expires);
        s = *slot(sid);
    }
    if (!s) {
        s = xcalloc(1, sizeof *s);
        snprintf(s->id, sizeof s->id, "%s", sid);
        snprintf(s->status, sizeof s->status, "%s", status);
        ev_init(&s->expiry, on_expiry);
        p = slot(sid);
        *p = s;
        if (++nsessions > nbuckets)
            grow();
    }
    c->session = s;
    c->wprev = NULL;
    c->wnext = s->waiters;
    if (s->waiters)
        s->waiters->wprev = c;
    s->waiters = c;
    set_expiry(s, expires);
    /* a terminal status: c ends, and the session with it */
    client_send_status(c, s->id, s->status, status_rank(s->status) == 2);
}

void
sessions_leave(struct client *c)
{
    struct session *s = c->session;

    if (!s)
        return;
    if (c->wprev)
        c->wprev->wnext = c->wnext;
    else
        s->waiters = c->wnext;
    if (c->wnext)
        c->wnext->wprev = c->wprev;
    c->session = NULL;
    c->wprev = c->wnext = NULL;
    if (!s->waiters)
        forget(s);
}

void
sessions_update(const char *sid, const char *status, double expires)
{
    struct session *s = *slot(sid);
    int rank = status_rank(status);

    if (!s)
        return; /* nobody here waits for it */
    if (rank < 0) {
        log_error("database: unknown status %.16s", status);
        return;
    }
    if (rank > status_rank(s->status)) {
        snprintf(s->status, sizeof s->status, "%s", status);
        if (rank == 2) {
            ev_timer_stop(hub_loop, &s->expiry);
            fan_out(s); /* frees s */
            return;
        }
        fan_out(s);
        if (!(s = *slot(sid))) /* every waiter failed and closed */
            return;
    }
    if (s->due && expires >= 0) {
        /* asked at expiry and still open: its expires_at moved (a refresh), or the
         * database's clock is behind ours */
        s->due = 0;
        if (expires >= 0 && expires == s->expires)
            arm(s, EXPIRY_RETRY);
        else
            set_expiry(s, expires);
        return;
    }
    set_expiry(s, expires);
}

size_t
sessions_ask(int all, char **buf, size_t *len)
{
    size_t n = 0, cap = 64, used = 0;
    char *b = xmalloc(cap);

    b[used++] = '{';
    for (size_t i = 0; i < nbuckets; i++) {
        for (struct session *s = table[i]; s; s = s->hnext) {
            s->asked = s->seen = 0;
            if (!all && !s->due)
                continue;
            if (used + UUID_LEN + 3 > cap) {
                cap = cap * 2 + UUID_LEN + 3;
                b = xrealloc(b, cap);
            }
            if (n)
                b[used++] = ',';
            memcpy(b + used, s->id, UUID_LEN);
            used += UUID_LEN;
            s->asked = 1;
            n++;
        }
    }
    b[used++] = '}';
    b[used] = '\0';
    *buf = b;
    *len = used;
    return n;
}

/* A status query answered for sid. */
static void
mark_seen(const char *sid)
{
    struct session *s = *slot(sid);

    if (s)
        s->seen = 1;
}

void
sessions_answered(void)
{
    for (size_t i = 0; i < nbuckets; i++) {
        struct session *s = table[i], *next;

        for (; s; s = next) {
            next = s->hnext;
            if (s->asked && !s->seen) {
                /* no row: the session is gone; its waiters end */
                struct client *c = s->waiters, *cn;

                s->asked = 0;
                for (; c; c = cn) {
                    cn = c->wnext;
                    client_end(c); /* the last one forgets s */
                }
            } else {
                s->asked = s->seen = 0;
            }
        }
    }
}

void
sessions_unask(void)
{
    for (size_t i = 0; i < nbuckets; i++)
        for (struct session *s = table[i]; s; s = s->hnext)
            s->asked = s->seen = 0;
}

void
sessions_row(const char *sid, const char *status, double expires)
{
    mark_seen(sid);
    sessions_update(sid, status, expires);
}

size_t
sessions_count(void)
{
    return nsessions;
}

void
sessions_init(void)
{
    nbuckets = 1024;
    table = xcalloc(nbuckets, sizeof *table);
}
