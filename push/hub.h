/* hub.h - qrshare-push's parts: the clients (client.c), the sessions they wait for
 * (sessions.c) and the one PostgreSQL connection (listen.c), on one libev loop.
 * See qrshare-push.c for what the hub does and why. Everything runs on the loop's one
 * thread; nothing blocks. */
#ifndef QRSHARE_PUSH_HUB_H
#define QRSHARE_PUSH_HUB_H

#include <stddef.h>
#include <stdint.h>
#include <ev.h>
#include <wslay/wslay.h>
#include "config.h"
#include "crypto.h"

#define UUID_LEN 36
#define STATUS_MAX 16 /* the longest status, "initialized", and room */

enum client_state {
    CL_HEAD,    /* reading the request head, under header_timeout */
    CL_LOOKUP,  /* waiting for the database to name the token's session */
    CL_WS,      /* upgraded: WebSocket frames through wslay */
    CL_SSE,     /* an event stream */
    CL_CLOSING, /* flushing a last answer, then the socket closes */
};

enum client_kind { KIND_NONE, KIND_WS, KIND_SSE };

struct session;

struct client {
    ev_io io;       /* the socket; READ always, WRITE while output waits */
    ev_timer timer; /* header timeout, lookup deadline, ping / heartbeat, close deadline */
    enum client_state state;
    enum client_kind kind;
    uint64_t id;                /* for log lines: never the token */
    char *head;                 /* the request head while it arrives; owned */
    size_t head_len, head_cap;  /* head_cap grows up to HEAD_MAX */
    char *rest;                 /* bytes after the head (early frames); owned */
    size_t rest_len, rest_off;  /* */
    char *out;                  /* raw bytes to send before wslay's: owned */
    size_t out_len, out_off;    /* */
    wslay_event_context_ptr ws; /* owned, CL_WS only */
    unsigned char token_hash[HASH_BYTES];
    char want_sid[UUID_LEN + 1];  /* SSE: the session id of the path */
    char ws_accept[32];           /* Sec-WebSocket-Accept for the 101 */
    struct session *session;      /* the session waited for, once known */
    struct client *wprev, *wnext; /* the session's waiters */
    struct client *qprev, *qnext; /* the lookup queue */
    int queued;                   /* in the lookup queue */
    int batch_slot;               /* index in the lookup in flight, or -1 */
    int heard;                    /* bytes arrived since the last ping */
    int pinged;                   /* a ping went out (the next tick may judge) */
    uint16_t close_code;          /* a close frame to send once the queue is empty */
    size_t budget;                /* bytes read in this loop iteration */
    struct client *aprev, *anext; /* every client */
};

/* --- client.c --------------------------------------------------------------------- */

/* Accepts what the listening socket fd has; -1 when out of file descriptors. */
int client_accept(int fd);
/* The session of the client's token (lookup answered): sid, its status, expires_at. */
void client_found(struct client *c, const char *sid, const char *status, double expires);
/* The token names no session (unknown or replaced). */
void client_not_found(struct client *c);
/* The database could not answer in time. */
void client_unavailable(struct client *c);
/* A status for the client: its frame or event; after a terminal one the client ends. */
void client_send_status(struct client *c, const char *sid, const char *status, int terminal);
/* The session disappeared (no row any more): the client ends without a status. */
void client_end(struct client *c);
/* Closes every client (SIGTERM): WebSocket close 1001 where the socket takes it. */
void client_close_all(void);
size_t client_count(void);
/* Logs what the clients did since the last call, when anything happened. */
void client_stats(void);

/* --- sessions.c ------------------------------------------------------------------- */

struct session {
    char id[UUID_LEN + 1];
    char status[STATUS_MAX];
    double expires; /* Unix seconds (database clock) */
    ev_timer expiry;
    int due;   /* asked again at expiry: in the next status query */
    int asked; /* in the status query in flight */
    int seen;  /* that query answered for it */
    struct client *waiters;
    struct session *hnext;
};

/* 0..2: initialized, retrieved, terminal; -1 unknown. Statuses only move forward. */
int status_rank(const char *status);
/* Adds c as a waiter of sid, whose status the database just gave; sends c the status
 * the hub knows (the later of the two). */
void sessions_wait(struct client *c, const char *sid, const char *status, double expires);
/* Removes c from its session (it closes); a session without waiters is forgotten. */
void sessions_leave(struct client *c);
/* A new status from a notification or a status query: fanned out to the waiters when it
 * is later than the one they have. expires < 0 leaves expires_at alone. */
void sessions_update(const char *sid, const char *status, double expires);
/* Status queries: marks the sessions to ask (all, or only the due ones) and writes their
 * ids into buf as a uuid[] literal; returns how many (0: nothing to ask). */
size_t sessions_ask(int all, char **buf, size_t *len);
/* One row of a status query: sessions_update, and the session counts as answered. */
void sessions_row(const char *sid, const char *status, double expires);
/* After a status query: the marked sessions it did not return no longer exist. */
void sessions_answered(void);
/* A status query failed: the asked sessions are asked again next time. */
void sessions_unask(void);
size_t sessions_count(void);
void sessions_init(void);

/* --- listen.c --------------------------------------------------------------------- */

void pg_init(const char *conninfo);
/* Queues c for a token lookup (client_found / _not_found / _unavailable follow). */
void pg_lookup(struct client *c);
/* c closes: forget its lookup. */
void pg_forget(struct client *c);
/* A session's expires_at passed: ask its status. */
void pg_due(void);
int pg_ready(void);
void pg_shutdown(void);

/* --- qrshare-push.c --------------------------------------------------------------- */

extern struct ev_loop *hub_loop;
extern const struct config *hub_cfg;

#endif
