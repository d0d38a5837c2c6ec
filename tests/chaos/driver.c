/* chaos-driver - complete qrshare flows at a steady rate through HAProxy, while
 * tests/chaos/run breaks things, checked against a ledger the driver keeps itself.
 *
 *   chaos-driver PORT WORKERS RATE USERS SECRET_FILE OTHER_SECRET_FILE STOP_FILE
 *                PHASES_FILE LEDGER_FILE
 *
 * WORKERS threads, each with one keep-alive connection to 127.0.0.1:PORT, start flows
 * at RATE flows per second in all (paced, not bursting after a stall) until STOP_FILE
 * exists: create (X-Api-Key from SECRET_FILE, an Idempotency-Key) -> information (the
 * user's JWT, a line "SUB TOKEN" of USERS) -> update (confirmed with this flow's own
 * email, or declined for one flow in eight) -> status -> decision. Every eighth flow
 * also checks that another user cannot open the session (409) and that another
 * application cannot read its decision (404, the key of OTHER_SECRET_FILE).
 *
 * Besides, CHAOS_WAITERS (default 16) waiting browsers, each a thread that runs one flow
 * after another until STOP_FILE: after create it opens the session's event stream
 * (GET /auth/v2/session/{id}/events/ with Data-Session-Token, its own connection through
 * HAProxy), reads the first status (initialized), holds the stream 2 to 6 s (the user
 * scans the QR code), does the phone's part as above (information, update), then reads
 * the stream until the terminal status, then status and decision as above. A stream that
 * breaks (EOF, an error, a 503) is opened again after 0.5 s, as the SDK's EventSource
 * does; the hub sends the current status first, so nothing is missed.
 *
 * A client as the README asks for: a 503 is retried after its Retry-After (at most 2 s
 * here), a lost connection after 200 ms, create with the same Idempotency-Key and body,
 * update with the same body; a 401 on the application's key (a rotation) re-reads
 * SECRET_FILE. A flow gives up after 120 s.
 *
 * The ledger: each flow's session id, user, decision and data. It is wrong when an answer
 * contradicts it (another session's id, a status other than the one this flow set,
 * another user's or another flow's data, a pairwise sub that changed for a user or is
 * shared by two users, another user or application let in, a pushed status of another
 * session, a pushed terminal status other than the one this flow set), when a 5xx other
 * than a 503 with Retry-After comes, or when an identical retry is refused. A waiting
 * browser that has not been pushed its terminal status by the flow's deadline is
 * unfinished. After STOP_FILE, every flow whose update was answered is read again
 * (decision and status): one whose decision is gone or changed is lost. LEDGER_FILE gets
 * "session_id status email" per decided flow, for the run's own check in SQL.
 *
 * PHASES_FILE, read at the end, has one line per fault, "NAME START_MS END_MS" (wall
 * clock): flows are counted in the phase they started in (until the next phase starts);
 * error_window_s is the time from the first to the last failed answer (a 5xx, a lost
 * connection or event stream, a 401 after a rotation) in the phase; recovery_s the time
 * from the end of the fault until completed flows per second are back to 80 % of the
 * 10 s before it (and no more errors). Prints per phase
 *
 *   chaos: NAME flows=N lost=0 wrong=0 error_window_s=X recovery_s=Y retried=R
 *          unfinished=0 bad5xx=0 browsers=B pushed=P push_reconnects=C   (one line)
 *
 * (flows counts the browsers' flows too; browsers how many were a waiting browser's,
 * pushed how many of those were pushed their terminal status, push_reconnects how often
 * their streams were opened again), then "driver: total flows=N lost=L wrong=W
 * unfinished=U bad5xx=B retried=R seconds=S browsers=B pushed=P push_reconnects=C" and
 * exits 1 when any of lost, wrong, unfinished, bad5xx is not 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#define BUF_SIZE 65536
#define MAX_USERS 256
#define MAX_SECONDS 7200
#define FLOW_DEADLINE 120.0
#define MAX_RETRY_AFTER 2.0

enum { RUNNING, DONE, UNFINISHED };

struct flow {
    long id;
    int user, decline, check_others, state, update_ok, retried, wrong, bad5xx;
    int browser, pushed, reconnects; /* a waiting browser's flow */
    char sid[40], token[48], email[96], why[160];
    char at[96]; /* the request under way (or the stream read), for an unfinished flow */
    int last;    /* its last HTTP status, -1: no answer */
    double t_start, t_end, t_deadline;
};

struct worker {
    pthread_t thread;
    int index, fd;
    char buf[BUF_SIZE];
    size_t used;
    unsigned rng;
    struct worker *stream; /* a waiter's event stream connection */
    size_t pos;            /* a stream: the next byte of buf to read */
    long left;             /* a chunked stream: bytes left in the chunk (-1: at its size) */
    int chunked;
};

static int port, nworkers, nwaiters, nusers;
static double rate, t0;
static const char *secret_file, *stop_file;
static char secret[256], other_secret[256];
static char *user_sub[MAX_USERS], *user_jwt[MAX_USERS], user_pairwise[MAX_USERS][64];
static char run_id[32];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct flow **flows;
static size_t nflows, capflows;
static double *errs;
static size_t nerrs, caperrs;
static int done_per_sec[MAX_SECONDS];
static volatile int stopping;
static int complaints;
/* CHAOS_EMAIL_STRING=1: the email scope as a plain string, as builds before the
 * {email, is_verified, is_primary} object had it */
static int email_string;

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_s(double s)
{
    struct timespec ts;

    if (s <= 0)
        return;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
}

static void *
xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p)
        abort();
    return p;
}

static void
note_error(void)
{
    double t = now();

    pthread_mutex_lock(&lock);
    if (nerrs == caperrs) {
        caperrs = caperrs ? caperrs * 2 : 4096;
        errs = xrealloc(errs, caperrs * sizeof *errs);
    }
    errs[nerrs++] = t;
    pthread_mutex_unlock(&lock);
}

/* The flow's ledger says it went wrong: why, once; the first few printed. */
static void __attribute__((format(printf, 2, 3))) mark_wrong(struct flow *f, const char *fmt, ...)
{
    va_list ap;

    f->wrong = 1;
    if (f->why[0])
        return;
    va_start(ap, fmt);
    vsnprintf(f->why, sizeof f->why, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&lock);
    if (complaints++ < 20)
        fprintf(stderr, "chaos-driver: flow %ld (%.8s): %s\n", f->id, f->sid, f->why);
    pthread_mutex_unlock(&lock);
}

static void
read_secret(const char *file, char *out, size_t cap)
{
    FILE *fp = fopen(file, "r");
    char line[256];

    if (!fp)
        return;
    if (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        pthread_mutex_lock(&lock);
        snprintf(out, cap, "%s", line);
        pthread_mutex_unlock(&lock);
    }
    fclose(fp);
}

/* --- HTTP/1.1 on a kept-alive connection -------------------------------------------- */

static void
conn_close(struct worker *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
}

static int
conn_open(struct worker *w)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct timeval tv = {.tv_sec = 35};
    int one = 1;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    w->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (w->fd < 0)
        return -1;
    if (connect(w->fd, (struct sockaddr *)&a, sizeof a) < 0) {
        conn_close(w);
        return -1;
    }
    setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return 0;
}

static int
send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

struct answer {
    int status;
    double retry_after; /* -1: none */
    char *body;
    int stream, chunked; /* an event stream: its body follows w->buf[head] as it comes */
    size_t head;
};

/* One request. 0 with *a (body in w->buf), -1 when no answer came. A kept-alive
 * connection the server closed meanwhile is opened again once: nothing was read of it,
 * so the request did not reach a server. An event stream returns after its head. */
static int
exchange(struct worker *w, const char *req, size_t len, struct answer *a)
{
    char *end = NULL, *h;
    size_t clen = 0, head = 0;
    int close_after = 0, attempt, fresh = 0;

    for (attempt = 0; attempt < 2; attempt++) {
        if (w->fd < 0) {
            if (conn_open(w) < 0)
                return -1;
            fresh = 1;
        }
        if (send_all(w->fd, req, len) == 0)
            break;
        conn_close(w);
        if (fresh)
            return -1;
    }
    if (w->fd < 0)
        return -1;
    w->used = 0;
    a->retry_after = -1;
    a->stream = a->chunked = 0;
    for (;;) {
        ssize_t r;
        w->buf[w->used] = '\0';
        if (!end && (end = strstr(w->buf, "\r\n\r\n"))) {
            head = (size_t)(end - w->buf) + 4;
            a->status = atoi(w->buf + 9);
            for (h = strstr(w->buf, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n")) {
                if (strncasecmp(h + 2, "Content-Length:", 15) == 0)
                    clen = strtoul(h + 17, NULL, 10);
                else if (strncasecmp(h + 2, "Connection: close", 17) == 0)
                    close_after = 1;
                else if (strncasecmp(h + 2, "Retry-After:", 12) == 0)
                    a->retry_after = atof(h + 14);
                else if (strncasecmp(h + 2, "Content-Type: text/event-stream", 31) == 0)
                    a->stream = 1;
                else if (strncasecmp(h + 2, "Transfer-Encoding: chunked", 26) == 0)
                    a->chunked = 1;
            }
            if (head + clen >= BUF_SIZE)
                return conn_close(w), -1;
        }
        if (end && (a->stream || w->used >= head + clen))
            break;
        r = recv(w->fd, w->buf + w->used, BUF_SIZE - 1 - w->used, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            /* the server closed a kept-alive connection before this request: again */
            if (w->used == 0 && !fresh) {
                conn_close(w);
                fresh = 1;
                if (conn_open(w) < 0 || send_all(w->fd, req, len) < 0)
                    return conn_close(w), -1;
                continue;
            }
            return conn_close(w), -1;
        }
        w->used += (size_t)r;
    }
    a->head = head;
    if (a->stream) {
        a->body = "";
        return 0;
    }
    w->buf[head + clen] = '\0';
    a->body = w->buf + head;
    if (close_after)
        conn_close(w);
    return 0;
}

static json_object *
parse(const char *s)
{
    json_tokener *tok = json_tokener_new_ex(16);
    json_object *o;

    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    o = json_tokener_parse_ex(tok, s, (int)strlen(s));
    if (json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

static const char *
str(json_object *o, const char *key)
{
    json_object *v;

    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static int
str_is(json_object *o, const char *key, const char *want)
{
    const char *v = str(o, key);

    return v && want && strcmp(v, want) == 0;
}

enum cred { NO_CRED, APP_KEY, OTHER_KEY, USER, OTHER_USER, SESSION };

/* call: one request of flow f, retried as a client following the README would until
 * an answer that is not a 503 (or another 5xx, counted against the flow) comes or the
 * flow's deadline passes. 0 with *a and the parsed body in *o (NULL when not JSON),
 * -1 when the flow ran out of time. */
static int
call(struct worker *w, struct flow *f, const char *method, const char *path, enum cred cred,
     const char *body, struct answer *a, json_object **o)
{
    char req[8192], hdr[2048] = "", key[256];
    int n;

    *o = NULL;
    for (;;) {
        if (now() > f->t_deadline)
            return -1;
        switch (cred) {
        case APP_KEY:
        case OTHER_KEY:
            pthread_mutex_lock(&lock);
            snprintf(key, sizeof key, "%s", cred == APP_KEY ? secret : other_secret);
            pthread_mutex_unlock(&lock);
            snprintf(hdr, sizeof hdr, "X-Api-Key: %s\r\n", key);
            break;
        case USER:
        case OTHER_USER:
            snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n",
                     user_jwt[(f->user + (cred == OTHER_USER)) % nusers]);
            break;
        case SESSION:
            snprintf(hdr, sizeof hdr, "Data-Session-Token: %s\r\n", f->token);
            break;
        default:
            break;
        }
        if (strcmp(path, "/auth/v2/session/") == 0) {
            size_t l = strlen(hdr);
            snprintf(hdr + l, sizeof hdr - l, "Idempotency-Key: chaos-%s-%ld\r\n", run_id, f->id);
        }
        n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.1\r\nHost: qrshare.chaos\r\n%s%sContent-Length: %zu\r\n\r\n%s",
                     method, path, hdr, body ? "Content-Type: application/json\r\n" : "",
                     body ? strlen(body) : 0, body ? body : "");
        if (n <= 0 || (size_t)n >= sizeof req)
            abort();
        snprintf(f->at, sizeof f->at, "%.8s %.80s", method, path);
        f->last = -1;
        if (exchange(w, req, (size_t)n, a) < 0) {
            note_error();
            f->retried = 1;
            sleep_s(0.2);
            continue;
        }
        f->last = a->status;
        if (a->status >= 500) {
            note_error();
            f->retried = 1;
            if (a->status != 503 || a->retry_after < 0) {
                f->bad5xx++;
                mark_wrong(f, "%s %s: HTTP %d%s", method, path, a->status,
                           a->status == 503 ? " without Retry-After" : "");
            }
            sleep_s(a->retry_after < 0
                        ? 0.5
                        : (a->retry_after > MAX_RETRY_AFTER ? MAX_RETRY_AFTER : a->retry_after));
            continue;
        }
        if (a->status == 401 && cred == APP_KEY) {
            /* the secret was rotated: the operator put the new one in the file */
            note_error();
            f->retried = 1;
            read_secret(secret_file, secret, sizeof secret);
            sleep_s(0.1);
            continue;
        }
        *o = parse(a->body);
        return 0;
    }
}

static void
done_flow(struct flow *f, int state)
{
    long s;

    f->state = state;
    f->t_end = now();
    s = (long)(f->t_end - t0);
    if (state == DONE && s >= 0 && s < MAX_SECONDS) {
        pthread_mutex_lock(&lock);
        done_per_sec[s]++;
        pthread_mutex_unlock(&lock);
    }
}

/* check_decision: the decision answer o agrees with the ledger. */
static void
check_decision(struct flow *f, json_object *o, int status, const char *when)
{
    json_object *ud = NULL, *email = NULL, *names = NULL;
    const char *sub;

    if (status != 200 || !o) {
        mark_wrong(f, "%s decision: HTTP %d", when, status);
        return;
    }
    if (!str_is(o, "session_id", f->sid)) {
        mark_wrong(f, "%s decision: another session's answer", when);
        return;
    }
    if (!str_is(o, "status", f->decline ? "declined" : "confirmed")) {
        mark_wrong(f, "%s decision: status %s, the user %s", when, str(o, "status"),
                   f->decline ? "declined" : "confirmed");
        return;
    }
    if (f->decline) {
        if (json_object_object_get_ex(o, "user_data", &ud) && ud &&
            json_object_get_type(ud) == json_type_object && json_object_object_length(ud) > 0)
            mark_wrong(f, "%s decision: user data on a declined session", when);
        return;
    }
    if (!json_object_object_get_ex(o, "user_data", &ud) ||
        !json_object_object_get_ex(ud, "email", &email) ||
        !json_object_object_get_ex(ud, "names", &names)) {
        mark_wrong(f, "%s decision: user data missing", when);
        return;
    }
    if (!(email_string ? json_object_is_type(email, json_type_string) &&
                             strcmp(json_object_get_string(email), f->email) == 0
                       : str_is(email, "email", f->email)) ||
        !str_is(names, "first_name", user_sub[f->user]))
        mark_wrong(f, "%s decision: another flow's or user's data", when);
    sub = str(ud, "sub");
    pthread_mutex_lock(&lock);
    if (!sub)
        f->wrong = 1;
    else if (!user_pairwise[f->user][0])
        snprintf(user_pairwise[f->user], sizeof user_pairwise[f->user], "%s", sub);
    else if (strcmp(user_pairwise[f->user], sub) != 0)
        f->wrong = 1;
    pthread_mutex_unlock(&lock);
    if (f->wrong && !f->why[0])
        mark_wrong(f, "%s decision: the pairwise sub changed", when);
}

/* --- a waiting browser: the event stream of its session ------------------------- */

static int stream_line(struct worker *s, int raw, char *line, size_t cap);

/* The next byte of a stream's body (chunked or not), or with raw of the stream itself;
 * -1 when it broke or ended. */
static int
stream_byte(struct worker *s, int raw)
{
    char line[32];

    if (s->chunked && !raw && s->left <= 0) {
        /* the CRLF after a chunk, then the next one's size; size 0 ends the body */
        for (int i = s->left == 0 ? 0 : 1; i < 2; i++)
            if (stream_line(s, 1, line, sizeof line) < 0)
                return -1;
        if ((s->left = strtol(line, NULL, 16)) <= 0)
            return -1;
    }
    if (s->pos == s->used) {
        ssize_t r;
        do
            r = recv(s->fd, s->buf, BUF_SIZE, 0);
        while (r < 0 && errno == EINTR);
        if (r <= 0)
            return -1;
        s->used = (size_t)r;
        s->pos = 0;
    }
    if (s->chunked && !raw)
        s->left--;
    return (unsigned char)s->buf[s->pos++];
}

/* The next line of a stream (as stream_byte reads it) into line, without its CRLF or LF
 * and cut to cap - 1 bytes: its length, or -1 when the stream broke or ended. */
static int
stream_line(struct worker *s, int raw, char *line, size_t cap)
{
    size_t n = 0;
    int c;

    while ((c = stream_byte(s, raw)) >= 0 && c != '\n')
        if (n + 1 < cap)
            line[n++] = (char)c;
    if (c < 0)
        return -1;
    if (n > 0 && line[n - 1] == '\r')
        n--;
    line[n] = '\0';
    return (int)n;
}

/* The next "event: status" of f's stream: its status into st. 0, or -1 when the stream
 * broke or ended, or the event is not about f's session (wrong). */
static int
stream_status(struct worker *s, struct flow *f, char *st, size_t cap)
{
    char line[512], event[32] = "", data[512] = "";
    json_object *o, *m;
    int n;

    for (;;) {
        if (now() > f->t_deadline || (n = stream_line(s, 0, line, sizeof line)) < 0)
            return -1;
        if (strncmp(line, "event:", 6) == 0)
            snprintf(event, sizeof event, "%s", line + 6 + (line[6] == ' '));
        else if (strncmp(line, "data:", 5) == 0)
            snprintf(data, sizeof data, "%s", line + 5 + (line[5] == ' '));
        if (n > 0 || strcmp(event, "status") != 0) {
            if (n == 0)
                event[0] = data[0] = '\0';
            continue;
        }
        /* {"message": {"session_id": "...", "status": "..."}} */
        o = parse(data);
        if (!o || !json_object_object_get_ex(o, "message", &m) ||
            !str_is(m, "session_id", f->sid) || !str(m, "status")) {
            mark_wrong(f, "events: another session's or no status: %.80s", data);
            json_object_put(o);
            return -1;
        }
        snprintf(st, cap, "%s", str(m, "status"));
        json_object_put(o);
        return 0;
    }
}

/* browser: the page waiting for f's session reads its event stream on s, as the SDK's
 * EventSource does: opened when there is none; after a break (EOF, an error, a 503)
 * opened again 0.5 s later, and the hub first sends the current status, so nothing is
 * missed. Without final, reads the first status: the page was just shown, so it must be
 * initialized. With final, reads until the terminal status, which must be the one the
 * flow set. 0, or -1 when the flow is wrong or ran out of time. */
static int
browser(struct worker *s, struct flow *f, int final)
{
    const char *want = f->decline ? "declined" : "confirmed";
    char path[128], st[32];
    struct answer a;
    json_object *o;

    snprintf(path, sizeof path, "/auth/v2/session/%s/events/", f->sid);
    for (;;) {
        if (s->fd < 0) {
            if (call(s, f, "GET", path, SESSION, NULL, &a, &o) < 0)
                return -1;
            json_object_put(o);
            if (a.status != 200 || !a.stream) {
                mark_wrong(f, "events: HTTP %d %.80s", a.status, a.body);
                return conn_close(s), -1;
            }
            s->pos = a.head;
            s->chunked = a.chunked;
            s->left = -1;
        }
        snprintf(f->at, sizeof f->at, "reading %.80s", path);
        if (stream_status(s, f, st, sizeof st) < 0) {
            conn_close(s);
            if (f->wrong || now() > f->t_deadline)
                return -1;
            note_error();
            f->retried = 1;
            f->reconnects++;
            sleep_s(0.5);
            continue;
        }
        if (!final) {
            if (strcmp(st, "initialized") == 0)
                return 0;
            mark_wrong(f, "events: %s before the user opened the session", st);
            return conn_close(s), -1;
        }
        if (strcmp(st, "initialized") == 0 || strcmp(st, "retrieved") == 0)
            continue;
        conn_close(s);
        if (strcmp(st, want) != 0) {
            mark_wrong(f, "events: pushed %s, the user %s", st, want);
            return -1;
        }
        f->pushed = 1;
        return 0;
    }
}

/* One flow, recorded in the ledger; with sse, a waiting browser's (f->browser): the page
 * shows the QR code and waits on the event stream while the user scans it (2 to 6 s),
 * opens the session and decides on the phone. */
static void
flow(struct worker *w, struct flow *f, struct worker *sse)
{
    char path[256], body[512];
    struct answer a;
    json_object *o = NULL;

    /* create */
    if (call(w, f, "POST", "/auth/v2/session/", APP_KEY,
             "{\"scope\":\"email names\",\"vendor_data\":\"chaos\"}", &a, &o) < 0)
        goto unfinished;
    if (a.status != 201 || !str(o, "session_id") || !str(o, "session_token") ||
        !str_is(o, "status", "initialized")) {
        mark_wrong(f, "create: HTTP %d %.80s", a.status, a.body);
        goto out;
    }
    snprintf(f->sid, sizeof f->sid, "%s", str(o, "session_id"));
    snprintf(f->token, sizeof f->token, "%s", str(o, "session_token"));
    json_object_put(o);
    o = NULL;
    if (sse) {
        if (browser(sse, f, 0) < 0)
            goto browser_failed;
        sleep_s(2.0 + (double)(rand_r(&w->rng) % 4001) / 1000.0);
    }

    /* information, as the user; then another user must be refused */
    snprintf(path, sizeof path, "/auth/v2/session/%s/information/", f->token);
    if (call(w, f, "GET", path, USER, NULL, &a, &o) < 0)
        goto unfinished;
    if (a.status != 200 || !str_is(o, "session_id", f->sid) || !str_is(o, "status", "retrieved")) {
        mark_wrong(f, "information: HTTP %d %.80s", a.status, a.body);
        goto out;
    }
    json_object_put(o);
    if (f->check_others) {
        if (call(w, f, "GET", path, OTHER_USER, NULL, &a, &o) < 0)
            goto unfinished;
        if (a.status != 409 || !str_is(o, "error", "already_claimed"))
            mark_wrong(f, "another user opened the session: HTTP %d", a.status);
        json_object_put(o);
    }

    /* update */
    snprintf(path, sizeof path, "/auth/v2/session/%s/update/", f->token);
    if (f->decline)
        snprintf(body, sizeof body, "{\"status\":\"declined\"}");
    else if (email_string)
        snprintf(body, sizeof body,
                 "{\"status\":\"confirmed\",\"user_data\":{\"email\":\"%s\","
                 "\"names\":{\"first_name\":\"%s\"}}}",
                 f->email, user_sub[f->user]);
    else
        snprintf(body, sizeof body,
                 "{\"status\":\"confirmed\",\"user_data\":{\"email\":{\"email\":\"%s\","
                 "\"is_primary\":true},\"names\":{\"first_name\":\"%s\"}}}",
                 f->email, user_sub[f->user]);
    if (call(w, f, "POST", path, USER, body, &a, &o) < 0)
        goto unfinished;
    if (a.status != 200 || !str_is(o, "status", f->decline ? "declined" : "confirmed")) {
        mark_wrong(f, "update%s: HTTP %d %.80s", f->retried ? " (a retry)" : "", a.status, a.body);
        goto out;
    }
    f->update_ok = 1;
    json_object_put(o);
    o = NULL;
    if (sse && browser(sse, f, 1) < 0)
        goto browser_failed;

    /* status, as the browser */
    snprintf(path, sizeof path, "/auth/v2/session/%s/status/", f->sid);
    if (call(w, f, "GET", path, SESSION, NULL, &a, &o) < 0)
        goto unfinished;
    if (a.status != 200 || !str_is(o, "status", f->decline ? "declined" : "confirmed"))
        mark_wrong(f, "status: HTTP %d %.80s", a.status, a.body);
    json_object_put(o);

    /* decision, as the backend; another application must not see it */
    snprintf(path, sizeof path, "/auth/v2/session/%s/decision/", f->sid);
    if (call(w, f, "GET", path, APP_KEY, NULL, &a, &o) < 0)
        goto unfinished;
    check_decision(f, o, a.status, "flow");
    json_object_put(o);
    if (f->check_others) {
        if (call(w, f, "GET", path, OTHER_KEY, NULL, &a, &o) < 0)
            goto unfinished;
        if (a.status != 404)
            mark_wrong(f, "another application read the decision: HTTP %d", a.status);
        json_object_put(o);
    }
    o = NULL;
    done_flow(f, DONE);
    return;
browser_failed:
    if (f->wrong)
        goto out;
unfinished:
    done_flow(f, UNFINISHED);
    pthread_mutex_lock(&lock);
    if (complaints++ < 20)
        fprintf(stderr, "chaos-driver: flow %ld (%.8s) did not finish in %.0f s: %.60s (HTTP %d)\n",
                f->id, f->sid, FLOW_DEADLINE, f->at, f->last);
    pthread_mutex_unlock(&lock);
    return;
out:
    json_object_put(o);
    done_flow(f, DONE);
}

static struct flow *
new_flow(struct worker *w, int browser)
{
    struct flow *f = calloc(1, sizeof *f);

    if (!f)
        abort();
    pthread_mutex_lock(&lock);
    if (nflows == capflows) {
        capflows = capflows ? capflows * 2 : 4096;
        flows = xrealloc(flows, capflows * sizeof *flows);
    }
    f->id = (long)nflows;
    flows[nflows++] = f;
    pthread_mutex_unlock(&lock);
    f->user = (int)(rand_r(&w->rng) % (unsigned)nusers);
    f->decline = f->id % 8 == 5;
    f->check_others = f->id % 8 == 3;
    f->browser = browser;
    snprintf(f->email, sizeof f->email, "%s.f%ld@example.org", user_sub[f->user], f->id);
    f->t_start = now();
    f->t_deadline = f->t_start + FLOW_DEADLINE;
    return f;
}

static void *
run(void *arg)
{
    struct worker *w = arg;
    double interval = (double)nworkers / rate, next = now() + interval * w->index / nworkers;
    struct stat st;

    w->fd = -1;
    while (!stopping) {
        double t = now();
        if (stat(stop_file, &st) == 0) {
            stopping = 1;
            break;
        }
        if (t < next) {
            sleep_s(next - t > 0.2 ? 0.2 : next - t);
            continue;
        }
        /* paced: after a stall, carry on at the rate, do not catch up in a burst */
        next = (t - next > interval ? t : next) + interval;
        flow(w, new_flow(w, 0), NULL);
    }
    conn_close(w);
    return NULL;
}

/* A waiting browser: one flow after another, each with its event stream, until STOP_FILE. */
static void *
waiter(void *arg)
{
    struct worker *w = arg;
    struct stat st;

    w->fd = w->stream->fd = -1;
    while (!stopping && stat(stop_file, &st) != 0) {
        flow(w, new_flow(w, 1), w->stream);
        conn_close(w->stream); /* however the flow ended: the next one opens its own */
    }
    conn_close(w);
    return NULL;
}

/* --- after the run ------------------------------------------------------------------- */

/* Reads every decided flow again: lost when its decision is gone or changed. Each
 * worker re-reads its share (flows k with k % WORKERS == its index). */
static long lost;

static void *
verify(void *arg)
{
    struct worker *w = arg;
    size_t i;
    char path[256];
    struct answer a;
    json_object *o;

    w->fd = -1;
    for (i = (size_t)w->index; i < nflows; i += (size_t)nworkers) {
        struct flow *f = flows[i];
        int was_wrong = f->wrong, gone = 0;
        if (!f->update_ok)
            continue;
        f->t_deadline = now() + FLOW_DEADLINE; /* a fresh deadline for the re-read */
        snprintf(path, sizeof path, "/auth/v2/session/%s/decision/", f->sid);
        if (call(w, f, "GET", path, APP_KEY, NULL, &a, &o) < 0) {
            gone = 1;
        } else {
            f->wrong = 0;
            check_decision(f, o, a.status, "re-read");
            json_object_put(o);
            gone = f->wrong && !was_wrong;
            f->wrong = was_wrong;
        }
        snprintf(path, sizeof path, "/auth/v2/session/%s/status/", f->sid);
        if (!gone && call(w, f, "GET", path, SESSION, NULL, &a, &o) == 0) {
            gone = a.status != 200 || !str_is(o, "status", f->decline ? "declined" : "confirmed");
            json_object_put(o);
        }
        if (gone) {
            f->update_ok = -1;
            pthread_mutex_lock(&lock);
            lost++;
            pthread_mutex_unlock(&lock);
        }
    }
    conn_close(w);
    return NULL;
}

struct phase {
    char name[64];
    double start, end;
};

static int
rate_at(long s, double *r)
{
    if (s < 0 || s + 3 >= MAX_SECONDS)
        return -1;
    *r = (done_per_sec[s] + done_per_sec[s + 1] + done_per_sec[s + 2]) / 3.0;
    return 0;
}

int
main(int argc, char **argv)
{
    struct worker *w, *streams;
    struct phase ph[64];
    int nph = 0, i;
    size_t k;
    FILE *fp;
    char line[8192];
    long tl = 0, tw = 0, tu = 0, tb = 0, tr = 0, tbr = 0, tp = 0, trc = 0;
    double t_stop;

    if (argc != 10) {
        fprintf(stderr, "usage: chaos-driver PORT WORKERS RATE USERS SECRET_FILE "
                        "OTHER_SECRET_FILE STOP_FILE PHASES_FILE LEDGER_FILE\n");
        return 2;
    }
    port = atoi(argv[1]);
    nworkers = atoi(argv[2]);
    rate = atof(argv[3]);
    secret_file = argv[5];
    stop_file = argv[7];
    if (!(fp = fopen(argv[4], "r"))) {
        perror(argv[4]);
        return 2;
    }
    while (nusers < MAX_USERS && fgets(line, sizeof line, fp)) {
        char *sp = strchr(line, ' ');
        line[strcspn(line, "\r\n")] = '\0';
        if (!sp)
            continue;
        *sp = '\0';
        user_sub[nusers] = strdup(line);
        user_jwt[nusers] = strdup(sp + 1);
        nusers++;
    }
    fclose(fp);
    read_secret(secret_file, secret, sizeof secret);
    read_secret(argv[6], other_secret, sizeof other_secret);
    if (port <= 0 || nworkers <= 0 || rate <= 0 || nusers < 2 || !secret[0] || !other_secret[0]) {
        fprintf(stderr, "chaos-driver: bad arguments\n");
        return 2;
    }
    email_string = getenv("CHAOS_EMAIL_STRING") && *getenv("CHAOS_EMAIL_STRING") == '1';
    nwaiters = getenv("CHAOS_WAITERS") ? atoi(getenv("CHAOS_WAITERS")) : 16;
    if (nwaiters < 0)
        nwaiters = 0;
    t0 = now();
    snprintf(run_id, sizeof run_id, "%lx%x", (long)t0, (unsigned)getpid());
    w = calloc((size_t)(nworkers + nwaiters), sizeof *w);
    streams = calloc((size_t)nwaiters + 1, sizeof *streams);
    if (!w || !streams)
        return 1;
    for (i = 0; i < nworkers + nwaiters; i++) {
        w[i].index = i;
        w[i].rng = (unsigned)(t0 * 1000) + (unsigned)i * 7919u;
        if (i >= nworkers)
            w[i].stream = &streams[i - nworkers];
        if (pthread_create(&w[i].thread, NULL, i < nworkers ? run : waiter, &w[i]) != 0)
            return 1;
    }
    for (i = 0; i < nworkers + nwaiters; i++)
        pthread_join(w[i].thread, NULL);
    t_stop = now();

    for (i = 0; i < nworkers; i++)
        if (pthread_create(&w[i].thread, NULL, verify, &w[i]) != 0)
            return 1;
    for (i = 0; i < nworkers; i++)
        pthread_join(w[i].thread, NULL);

    if ((fp = fopen(argv[9], "w"))) {
        for (k = 0; k < nflows; k++)
            if (flows[k]->update_ok)
                fprintf(fp, "%s %s %s\n", flows[k]->sid,
                        flows[k]->decline ? "declined" : "confirmed", flows[k]->email);
        fclose(fp);
    }
    /* two users with one pairwise sub: someone got another's identity */
    for (i = 0; i < nusers; i++) {
        int j;
        for (j = i + 1; j < nusers; j++)
            if (user_pairwise[i][0] && strcmp(user_pairwise[i], user_pairwise[j]) == 0) {
                fprintf(stderr, "chaos-driver: users %s and %s share a pairwise sub\n", user_sub[i],
                        user_sub[j]);
                tw++;
            }
    }

    if ((fp = fopen(argv[8], "r"))) {
        while (nph < 64 && fgets(line, sizeof line, fp)) {
            long long s, e;
            if (sscanf(line, "%63s %lld %lld", ph[nph].name, &s, &e) == 3) {
                ph[nph].start = (double)s / 1000.0;
                ph[nph].end = (double)e / 1000.0;
                nph++;
            }
        }
        fclose(fp);
    }
    for (i = 0; i < nph; i++) {
        double from = ph[i].start, to = i + 1 < nph ? ph[i + 1].start : t_stop;
        double first = 0, last = 0, base = 0, r, rec = 0;
        long n = 0, l = 0, wr = 0, u = 0, b = 0, re = 0, s, bs = 0, br = 0, pu = 0, rc = 0;
        for (k = 0; k < nflows; k++) {
            struct flow *f = flows[k];
            if (f->t_start < from || f->t_start >= to)
                continue;
            n++;
            l += f->update_ok == -1;
            wr += f->wrong;
            u += f->state == UNFINISHED;
            b += f->bad5xx;
            re += f->retried;
            br += f->browser;
            pu += f->pushed;
            rc += f->reconnects;
        }
        for (k = 0; k < nerrs; k++)
            if (errs[k] >= from && errs[k] < to) {
                if (!first || errs[k] < first)
                    first = errs[k];
                if (errs[k] > last)
                    last = errs[k];
            }
        for (s = (long)(from - t0) - 10; s < (long)(from - t0); s++)
            if (s >= 0) {
                base += done_per_sec[s];
                bs++;
            }
        base = bs ? base / (double)bs : 0;
        if (base > 0) {
            s = (long)((last > ph[i].end ? last : ph[i].end) - t0) + 1;
            for (; s < (long)(to - t0); s++)
                if (rate_at(s, &r) == 0 && r >= 0.8 * base)
                    break;
            rec = (double)s + t0 - ph[i].end;
            if (rec < 0)
                rec = 0;
        }
        printf(
            "chaos: %s flows=%ld lost=%ld wrong=%ld error_window_s=%.1f recovery_s=%.1f "
            "retried=%ld unfinished=%ld bad5xx=%ld browsers=%ld pushed=%ld push_reconnects=%ld\n",
            ph[i].name, n, l, wr, first ? last - first : 0.0, rec, re, u, b, br, pu, rc);
    }
    for (k = 0; k < nflows; k++) {
        tw += flows[k]->wrong;
        tu += flows[k]->state == UNFINISHED;
        tb += flows[k]->bad5xx;
        tr += flows[k]->retried;
        tbr += flows[k]->browser;
        tp += flows[k]->pushed;
        trc += flows[k]->reconnects;
    }
    tl = lost;
    printf("driver: total flows=%zu lost=%ld wrong=%ld unfinished=%ld bad5xx=%ld retried=%ld "
           "seconds=%.0f browsers=%ld pushed=%ld push_reconnects=%ld\n",
           nflows, tl, tw, tu, tb, tr, t_stop - t0, tbr, tp, trc);
    fflush(stdout);
    return tl || tw || tu || tb ? 1 : 0;
}
