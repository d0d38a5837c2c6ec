/* push - the load generator of bench/run push (bench/push-run): browsers waiting for their
 * session over Didit's WebSocket through lighttpd and qrshare-push, status changes made in
 * PostgreSQL at a fixed rate, and the same browsers polling the status endpoint instead.
 *
 *   push KEY=VALUE...
 *
 *   port=P           lighttpd on 127.0.0.1:P
 *   ws=FILE          "session_id session_token" a line: the WebSocket waiters' sessions,
 *                    status initialized
 *   poll=FILE        the same for the pollers (other sessions, initialized)
 *   conninfo=STR     libpq conninfo of the database owner: the changes and the commit
 *                    timestamps (track_commit_timestamp must be on)
 *   waiters=N        WebSocket waiters, one per session of ws (default: every line)
 *   rate=R           status changes per second (1000)
 *   seconds=S        length of one latency run (5); runs=K runs (2), each on its own
 *                    rate * seconds sessions of ws (each changes once: initialized ->
 *                    retrieved, as when the phone opens it)
 *   hold=S           seconds the waiters are held idle before the runs (10)
 *   ceiling=N        then more waiters (on the same sessions) until N in all or failures
 *                    (0: skipped)
 *   interval=S       polling interval (2); poll_seconds=S changes while polling (5);
 *                    poll_ramp=S the pollers' first requests spread over S seconds (10)
 *   drivers=N        database connections making the changes, each one statement at a
 *                    time (16): enough that a slow statement does not hold the rate back
 *   listen=0|1       a LISTEN of the bench's own on the hub's channel (1): it splits
 *                    each latency into commit -> a plain libpq listener hears it
 *                    (PostgreSQL's part) and that -> the frame (the hub's, lighttpd's and
 *                    the client's part); it is a second listener PostgreSQL signals
 *   src=K            client sockets bound to 127.0.0.2 .. 127.0.0.(K+1), spreading the
 *                    loopback 4-tuples (4)
 *   inflight=N       handshakes under way at once (256); timeout=S per handshake (10)
 *   cpu=NAME:PID[,PID...]   a group of processes (and their children) whose CPU time is
 *                    reported per phase; RSS for the groups named hub and lighttpd
 *
 * What is measured, on one clock (CLOCK_REALTIME, which PostgreSQL's commit timestamps
 * use): a change is the UPDATE qrshare.api_information makes when the phone opens the
 * session (initialized -> retrieved), in a transaction of its own, sent on one of the
 * drivers' connections at its scheduled time; after each run its commit time is read with
 * pg_xact_commit_timestamp,
 * and its latency is the arrival of the "retrieved" frame at the client (stamped when
 * read() returns it) minus that commit time. The client is one thread on epoll; its own
 * CPU is reported. A poller does what the SDK does: GET status/ with Data-Session-Token
 * and If-None-Match on a keep-alive connection, the next one an interval after the
 * answer; its delay is the arrival of the first answer that shows "retrieved" minus the
 * commit time. Every figure is printed on a line "push: ...". Exit 1 when a waiter within
 * `waiters` could not connect, a change failed, or a notification never arrived. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>

#define BUF_SIZE 1536
#define DRIVERS_MAX 64
#define MAX_GROUPS 8
#define MAX_ROOTS 64
#define MAX_PROCS 1024
#define EVENTS 1024
#define FAIL_LIMIT 500 /* the ceiling ramp stops after this many failures */

enum { T_CONN, T_DRIVER, T_LISTEN };
enum kind { K_WS, K_POLL };
enum state { ST_CLOSED, ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_IDLE, ST_REQUEST };
enum fail { F_CONNECT, F_CLOSED, F_HTTP, F_TIMEOUT, F_PROTOCOL, NFAIL };
static const char *const fail_names[NFAIL] = {"connect", "closed", "http", "timeout", "protocol"};

struct conn {
    uint8_t type; /* T_CONN */
    uint8_t kind, state, primary, held;
    int fd;
    int sess; /* index into sessions */
    size_t len;
    double t0;  /* monotonic: connect started, or request sent */
    double due; /* poller: next request (monotonic) */
    struct conn *qnext;
    char etag[64];
    char buf[BUF_SIZE];
};

struct driver {
    uint8_t type; /* T_DRIVER */
    PGconn *pg;
    int fd, busy, sess, writing;
};

struct session {
    char id[40], token[48];
    /* CLOCK_REALTIME seconds; 0: not yet. heard: the NOTIFY at the bench's own LISTEN */
    double t_send, t_ack, commit, heard, arrival;
    int ok;
};

struct group {
    char name[16];
    int roots[MAX_ROOTS], nroots;
};

struct proc {
    int pid;
    unsigned long long ticks;
    long rss_kib;
};

struct snap {
    double t;
    struct rusage self;
    struct proc p[MAX_GROUPS][MAX_PROCS];
    int n[MAX_GROUPS];
};

/* arguments */
static int port, waiters = -1, rate = 1000, runs = 2, ceiling, nsrc = 4, inflight_max = 256;
static double seconds = 5, hold = 10, interval = 2, poll_seconds = 5, poll_ramp = 10,
              timeout_s = 10;
static const char *ws_file, *poll_file, *conninfo;
static struct group groups[MAX_GROUPS];
static int ngroups;

static int ep;
static struct session *S; /* ws sessions, then poll sessions */
static int nws, npoll;
static struct conn *W; /* WebSocket clients */
static int nw, wcap;
static struct conn *P; /* pollers */
static struct driver D[DRIVERS_MAX];
static int drivers = 16;
static struct {
    uint8_t type; /* T_LISTEN */
    PGconn *pg;
} L;
static int listen_too = 1;
static int *htab; /* session index + 1 by session id, open addressing */
static size_t hsize;

/* WebSocket state */
static int inflight, held, ramp_next, ramp_total, conn_failed, dropped, pongs;
static int fails[NFAIL], first_fail_at = -1;
static char first_fail[128];
static double *conn_ms;
static int nconn_ms;

/* changes */
static int *sched, nsched, sched_next, change_errors;
static double sched_t0, max_lag;
static char change_error[256];

/* polling */
static struct conn *qhead, *qtail;
static int polling, poll_counting;
static long poll_responses, poll_non2xx, poll_errors;
static double *resp_ms;
static long nresp_ms, resp_cap;

static void
die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("push: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static double
now_m(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
now_r(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);

    if (!p)
        die("out of memory");
    return p;
}

static void
ep_ctl(int op, int fd, void *ptr, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = ptr};

    if (epoll_ctl(ep, op, fd, &ev) != 0)
        die("epoll_ctl: %s", strerror(errno));
}

/* --- figures --------------------------------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* v sorted, n > 0 */
static double
pct(const double *v, long n, double p)
{
    long i = (long)(p / 100.0 * (double)n);

    return v[i >= n ? n - 1 : i];
}

static double
mean(const double *v, long n)
{
    double s = 0;

    for (long i = 0; i < n; i++)
        s += v[i];
    return n ? s / (double)n : 0;
}

/* --- processes: CPU and RSS ------------------------------------------------------------ */

static void
snapshot(struct snap *s)
{
    static struct {
        int pid, ppid;
        unsigned long long ticks;
        long rss;
    } all[8192];
    long page_kib = sysconf(_SC_PAGESIZE) / 1024;
    int nall = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;

    if (!d)
        die("/proc: %s", strerror(errno));
    while ((e = readdir(d)) && nall < (int)(sizeof all / sizeof all[0])) {
        char path[64], line[1024], *p;
        unsigned long long ut, st;
        long rss;
        int ppid, pid = atoi(e->d_name);
        FILE *f;

        if (pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        if (!(f = fopen(path, "r")))
            continue;
        p = fgets(line, sizeof line, f);
        fclose(f);
        if (!p || !(p = strrchr(line, ')')))
            continue;
        /* after "pid (comm)": state ppid ... utime(14) stime(15) ... rss(24) */
        if (sscanf(p + 2,
                   "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
                   "%*d %*u %*u %ld",
                   &ppid, &ut, &st, &rss) != 4)
            continue;
        all[nall].pid = pid;
        all[nall].ppid = ppid;
        all[nall].ticks = ut + st;
        all[nall].rss = rss * page_kib;
        nall++;
    }
    closedir(d);
    for (int g = 0; g < ngroups; g++) {
        s->n[g] = 0;
        for (int i = 0; i < nall && s->n[g] < MAX_PROCS; i++) {
            int in = 0;
            for (int r = 0; r < groups[g].nroots && !in; r++)
                in = all[i].pid == groups[g].roots[r] || all[i].ppid == groups[g].roots[r];
            if (in) {
                s->p[g][s->n[g]].pid = all[i].pid;
                s->p[g][s->n[g]].ticks = all[i].ticks;
                s->p[g][s->n[g]].rss_kib = all[i].rss;
                s->n[g]++;
            }
        }
    }
    getrusage(RUSAGE_SELF, &s->self);
    s->t = now_m();
}

/* CPU of group g between a and b, in % of one core; a process started meanwhile counts
 * whole, one that ended is lost */
static double
cpu_pct(const struct snap *a, const struct snap *b, int g)
{
    unsigned long long sum = 0;

    for (int i = 0; i < b->n[g]; i++) {
        unsigned long long before = 0;
        for (int j = 0; j < a->n[g]; j++)
            if (a->p[g][j].pid == b->p[g][i].pid)
                before = a->p[g][j].ticks;
        sum += b->p[g][i].ticks >= before ? b->p[g][i].ticks - before : 0;
    }
    return 100.0 * (double)sum / (double)sysconf(_SC_CLK_TCK) / (b->t - a->t);
}

static double
tv(struct timeval t)
{
    return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

static double
self_pct(const struct snap *a, const struct snap *b)
{
    double used =
        tv(b->self.ru_utime) + tv(b->self.ru_stime) - tv(a->self.ru_utime) - tv(a->self.ru_stime);

    return 100.0 * used / (b->t - a->t);
}

static long
rss_kib(const struct snap *s, const char *name)
{
    long sum = 0;

    for (int g = 0; g < ngroups; g++)
        if (strcmp(groups[g].name, name) == 0)
            for (int i = 0; i < s->n[g]; i++)
                sum += s->p[g][i].rss_kib;
    return sum;
}

/* " cpu_pct hub=.. lighttpd=.. client=.." and the sum of the groups (the stack) */
static double
print_cpu(const struct snap *a, const struct snap *b)
{
    double stack = 0;

    printf(" cpu_pct");
    for (int g = 0; g < ngroups; g++) {
        double c = cpu_pct(a, b, g);
        stack += c;
        printf(" %s=%.1f", groups[g].name, c);
    }
    printf(" stack=%.1f client=%.1f", stack, self_pct(a, b));
    return stack;
}

/* --- sessions -------------------------------------------------------------------------- */

static int
load(const char *file, int at, int cap)
{
    FILE *f = fopen(file, "r");
    char line[256];
    int n = 0;

    if (!f)
        die("%s: %s", file, strerror(errno));
    while (n < cap && fgets(line, sizeof line, f)) {
        struct session *s = &S[at + n];
        if (sscanf(line, "%39s %47s", s->id, s->token) == 2 && strlen(s->id) == 36 &&
            strlen(s->token) == 43)
            n++;
    }
    fclose(f);
    return n;
}

static int
count_lines(const char *file)
{
    FILE *f = fopen(file, "r");
    int n = 0, ch;

    if (!f)
        die("%s: %s", file, strerror(errno));
    while ((ch = getc(f)) != EOF)
        n += ch == '\n';
    fclose(f);
    return n;
}

/* the value of "status" in a JSON text, into out */
static int
json_status(const char *p, size_t n, char *out, size_t cap)
{
    const char *k = memmem(p, n, "\"status\"", 8), *end = p + n;
    size_t i = 0;

    if (!k)
        return -1;
    for (k += 8; k < end && (*k == ' ' || *k == ':'); k++)
        ;
    if (k >= end || *k++ != '"')
        return -1;
    while (k < end && *k != '"' && i + 1 < cap)
        out[i++] = *k++;
    out[i] = '\0';
    return k < end ? 0 : -1;
}

/* --- sockets --------------------------------------------------------------------------- */

static int
open_socket(int index)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -errno;
    if (nsrc > 0) {
        /* from 127.0.0.2.., the port chosen at connect: each source address has the whole
         * ephemeral range towards lighttpd's one port */
        struct sockaddr_in src = {.sin_family = AF_INET};
        src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(index % nsrc));
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0) {
            int err = errno;
            close(fd);
            return -err;
        }
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

static void
conn_close(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->len = 0;
    c->state = ST_CLOSED;
}

static int
send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1; /* small writes on a fresh socket: EAGAIN is a failure too */
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* --- WebSocket clients ----------------------------------------------------------------- */

static void
ws_fail(struct conn *c, enum fail why, const char *fmt, ...)
{
    va_list ap;

    if (c->held) {
        held--;
        dropped++;
    } else {
        inflight--;
        conn_failed++;
        fails[why]++;
        if (first_fail_at < 0) {
            first_fail_at = held;
            va_start(ap, fmt);
            vsnprintf(first_fail, sizeof first_fail, fmt, ap);
            va_end(ap);
        }
    }
    c->held = 0;
    conn_close(c);
}

static void
ws_open(struct conn *c, int index)
{
    int fd = open_socket(index);

    c->type = T_CONN;
    c->kind = K_WS;
    c->t0 = now_m();
    c->fd = -1;
    inflight++;
    if (fd < 0) {
        ws_fail(c, F_CONNECT, "connect: %s", strerror(-fd));
        return;
    }
    c->fd = fd;
    c->state = ST_CONNECTING;
    ep_ctl(EPOLL_CTL_ADD, fd, c, EPOLLIN | EPOLLOUT);
}

static void
ws_status(struct conn *c, const char *p, size_t n, double at)
{
    char st[32];

    if (json_status(p, n, st, sizeof st) < 0)
        return;
    if (!c->held) {
        c->held = 1;
        held++;
        inflight--;
        conn_ms[nconn_ms++] = (now_m() - c->t0) * 1e3;
    }
    if (c->primary && strcmp(st, "retrieved") == 0 && S[c->sess].arrival == 0)
        S[c->sess].arrival = at;
}

/* The frames in c->buf (the server's: never masked). */
static void
ws_frames(struct conn *c, double at)
{
    size_t off = 0;

    while (c->len - off >= 2) {
        unsigned char *b = (unsigned char *)c->buf + off;
        size_t hl = 2, pl = b[1] & 0x7f;
        int op = b[0] & 0x0f;

        if (b[1] & 0x80) {
            ws_fail(c, F_PROTOCOL, "a masked frame from the server");
            return;
        }
        if (pl == 126) {
            if (c->len - off < 4)
                break;
            pl = (size_t)b[2] << 8 | b[3];
            hl = 4;
        } else if (pl == 127) {
            ws_fail(c, F_PROTOCOL, "a 64-bit frame length");
            return;
        }
        if (hl + pl > sizeof c->buf) {
            ws_fail(c, F_PROTOCOL, "a frame of %zu bytes", pl);
            return;
        }
        if (c->len - off < hl + pl)
            break;
        if (op == 1) {
            ws_status(c, (char *)b + hl, pl, at);
        } else if (op == 9 && pl <= 125) {
            /* pong, masked with a zero key: the payload goes as it came */
            unsigned char f[2 + 4 + 125] = {0x8a, (unsigned char)(0x80 | pl)};
            memcpy(f + 6, b + hl, pl);
            if (send_all(c->fd, (char *)f, 6 + pl) == 0)
                pongs++;
        } else if (op == 8) {
            unsigned code = pl >= 2 ? (unsigned)b[hl] << 8 | b[hl + 1] : 0;
            ws_fail(c, F_CLOSED, "close frame %u", code);
            return;
        }
        off += hl + pl;
    }
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
}

static void
ws_event(struct conn *c, uint32_t ev)
{
    if (c->state == ST_CONNECTING) {
        char req[256];
        int err = 0, n;
        socklen_t el = sizeof err;

        if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) {
            ws_fail(c, F_CONNECT, "connect: %s", strerror(err));
            return;
        }
        n = snprintf(req, sizeof req,
                     "GET /auth/ws/notifications/?token=%s HTTP/1.1\r\n"
                     "Host: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: cXJzaGFyZSBiZW5jaCBrZXk=\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     S[c->sess].token, port);
        if (send_all(c->fd, req, (size_t)n) < 0) {
            ws_fail(c, F_CONNECT, "send: %s", strerror(errno));
            return;
        }
        c->state = ST_HANDSHAKE;
        ep_ctl(EPOLL_CTL_MOD, c->fd, c, EPOLLIN);
        return;
    }
    for (;;) {
        ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
        double at = now_r();

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN)
            return;
        if (r <= 0) {
            ws_fail(c, F_CLOSED, r == 0 ? "closed by the server" : "read: %s", strerror(errno));
            return;
        }
        c->len += (size_t)r;
        if (c->state == ST_HANDSHAKE) {
            char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
            int code;
            size_t head;

            if (!end) {
                if (c->len == sizeof c->buf)
                    ws_fail(c, F_PROTOCOL, "an answer head over %zu bytes", sizeof c->buf);
                if (c->state == ST_CLOSED)
                    return;
                continue;
            }
            code = c->len > 12 ? atoi(c->buf + 9) : 0;
            if (code != 101) {
                ws_fail(c, F_HTTP, "HTTP %d", code);
                return;
            }
            head = (size_t)(end - c->buf) + 4;
            memmove(c->buf, c->buf + head, c->len - head);
            c->len -= head;
            c->state = ST_OPEN;
        }
        ws_frames(c, at);
        if (c->state == ST_CLOSED)
            return;
        if ((size_t)r < sizeof c->buf / 2)
            return; /* read what there was: the next epoll_wait tells of more */
    }
}

static void
ws_timeouts(double now)
{
    for (int i = 0; i < nw; i++) {
        struct conn *c = &W[i];
        if ((c->state == ST_CONNECTING || c->state == ST_HANDSHAKE ||
             (c->state == ST_OPEN && !c->held)) &&
            now - c->t0 > timeout_s)
            ws_fail(c, F_TIMEOUT, "no status frame within %.0f s (%s)", timeout_s,
                    c->state == ST_CONNECTING  ? "connecting"
                    : c->state == ST_HANDSHAKE ? "no answer to the upgrade"
                                               : "upgraded");
    }
}

/* --- the changes ----------------------------------------------------------------------- */

/* The UPDATE qrshare.api_information makes when the phone opens a session (its BEFORE
 * triggers, the event log and the notify trigger fire as they do for the phone), without
 * the function's reading of the application and the scope catalog: the bench controls the
 * rate of status changes, not of information requests. $1 the session id. */
static const char sql_change[] =
    "UPDATE qrshare.sessions SET status = 'retrieved', retrieved_at = statement_timestamp(), "
    "user_iss = 'https://bench.invalid/push', user_sub = $2 "
    "WHERE id = $1 AND status = 'initialized' RETURNING 'ok'";

static void
drivers_open(void)
{
    for (int k = 0; k < drivers; k++) {
        struct driver *d = &D[k];
        PGresult *r;

        d->type = T_DRIVER;
        d->pg = PQconnectdb(conninfo);
        if (PQstatus(d->pg) != CONNECTION_OK)
            die("database: %s", PQerrorMessage(d->pg));
        r = PQprepare(d->pg, "change", sql_change, 2, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            die("prepare: %s", PQerrorMessage(d->pg));
        PQclear(r);
        if (PQsetnonblocking(d->pg, 1) != 0)
            die("database: cannot go non-blocking");
        d->fd = PQsocket(d->pg);
        ep_ctl(EPOLL_CTL_ADD, d->fd, d, EPOLLIN);
    }
}

static void
driver_send(struct driver *d, int sess)
{
    char sub[32];
    const char *vals[2] = {S[sess].id, sub};

    snprintf(sub, sizeof sub, "bench-push-%d", sess);
    S[sess].t_send = now_r();
    if (PQsendQueryPrepared(d->pg, "change", 2, vals, NULL, NULL, 0) != 1)
        die("send: %s", PQerrorMessage(d->pg));
    d->busy = 1;
    d->sess = sess;
    if (PQflush(d->pg) == 1 && !d->writing) {
        d->writing = 1;
        ep_ctl(EPOLL_CTL_MOD, d->fd, d, EPOLLIN | EPOLLOUT);
    }
}

static void
drivers_tick(double now)
{
    while (sched_next < nsched && sched_t0 + (double)sched_next / rate <= now) {
        struct driver *d = NULL;

        for (int k = 0; k < drivers && !d; k++)
            if (!D[k].busy)
                d = &D[k];
        if (!d)
            return; /* all busy: it goes late, and the lag is counted */
        if (now - (sched_t0 + (double)sched_next / rate) > max_lag)
            max_lag = now - (sched_t0 + (double)sched_next / rate);
        driver_send(d, sched[sched_next++]);
    }
}

static void
driver_event(struct driver *d, uint32_t ev)
{
    if ((ev & EPOLLOUT) && PQflush(d->pg) == 0 && d->writing) {
        d->writing = 0;
        ep_ctl(EPOLL_CTL_MOD, d->fd, d, EPOLLIN);
    }
    if (!(ev & (EPOLLIN | EPOLLERR | EPOLLHUP)))
        return;
    if (PQconsumeInput(d->pg) != 1)
        die("database: %s", PQerrorMessage(d->pg));
    while (d->busy && !PQisBusy(d->pg)) {
        PGresult *r = PQgetResult(d->pg);
        if (!r) {
            d->busy = 0;
            break;
        }
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
            strcmp(PQgetvalue(r, 0, 0), "ok") == 0) {
            S[d->sess].ok = 1;
            S[d->sess].t_ack = now_r();
        } else if (change_errors++ == 0) {
            snprintf(change_error, sizeof change_error, "%s",
                     PQresultStatus(r) == PGRES_TUPLES_OK
                         ? "no row: the session was not initialized"
                         : PQresultErrorMessage(r));
        }
        PQclear(r);
    }
}

static size_t
id_hash(const char *id)
{
    size_t h = 14695981039346656037u;

    for (int i = 0; i < 36; i++)
        h = (h ^ (unsigned char)id[i]) * 1099511628211u;
    return h;
}

static void
htab_build(void)
{
    for (hsize = 1024; hsize < 2 * (size_t)(nws + npoll); hsize *= 2)
        ;
    htab = xcalloc(hsize, sizeof *htab);
    for (int i = 0; i < nws + npoll; i++) {
        size_t h = id_hash(S[i].id) & (hsize - 1);
        while (htab[h])
            h = (h + 1) & (hsize - 1);
        htab[h] = i + 1;
    }
}

static int
htab_find(const char *id)
{
    for (size_t h = id_hash(id) & (hsize - 1); htab[h]; h = (h + 1) & (hsize - 1))
        if (memcmp(S[htab[h] - 1].id, id, 36) == 0)
            return htab[h] - 1;
    return -1;
}

/* A LISTEN of the bench's own on the hub's channel: when a plain libpq client hears each
 * change, which splits the latency into PostgreSQL's part and the hub's + lighttpd's. */
static void
listener_open(void)
{
    PGresult *r;

    L.type = T_LISTEN;
    L.pg = PQconnectdb(conninfo);
    if (PQstatus(L.pg) != CONNECTION_OK)
        die("database: %s", PQerrorMessage(L.pg));
    r = PQexec(L.pg, "LISTEN qrshare_status");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        die("LISTEN: %s", PQerrorMessage(L.pg));
    PQclear(r);
    PQsetnonblocking(L.pg, 1);
    ep_ctl(EPOLL_CTL_ADD, PQsocket(L.pg), &L, EPOLLIN);
}

static void
listener_event(void)
{
    PGnotify *n;
    double at = now_r();

    if (PQconsumeInput(L.pg) != 1)
        die("LISTEN: %s", PQerrorMessage(L.pg));
    while ((n = PQnotifies(L.pg)) != NULL) {
        int i;
        if (strlen(n->extra) > 37 && strcmp(n->extra + 37, "retrieved") == 0 &&
            (i = htab_find(n->extra)) >= 0 && S[i].heard == 0)
            S[i].heard = at;
        PQfreemem(n);
    }
}

/* The commit time of each scheduled change, from track_commit_timestamp. -1 when the
 * database keeps none. */
static int
commit_times(void)
{
    size_t cap = (size_t)nsched * 37 + 3, used = 0;
    char *arr = xcalloc(cap, 1);
    const char *vals[1] = {arr};
    PGresult *r;
    int rc = 0;

    arr[used++] = '{';
    for (int j = 0; j < nsched; j++) {
        if (j)
            arr[used++] = ',';
        memcpy(arr + used, S[sched[j]].id, 36);
        used += 36;
    }
    arr[used++] = '}';
    r = PQexecParams(D[0].pg,
                     "SELECT t.ord, extract(epoch FROM pg_xact_commit_timestamp(s.xmin))::float8 "
                     "FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord) "
                     "JOIN qrshare.sessions s ON s.id = t.id",
                     1, NULL, vals, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "push: no commit timestamps (%s); measuring from the send\n",
                PQresultErrorMessage(r));
        rc = -1;
    } else {
        for (int i = 0; i < PQntuples(r); i++) {
            int ord = atoi(PQgetvalue(r, i, 0));
            if (ord >= 1 && ord <= nsched && !PQgetisnull(r, i, 1))
                S[sched[ord - 1]].commit = strtod(PQgetvalue(r, i, 1), NULL);
        }
    }
    PQclear(r);
    free(arr);
    return rc;
}

/* --- pollers --------------------------------------------------------------------------- */

static void
poll_queue(struct conn *c, double due)
{
    c->due = due;
    c->qnext = NULL;
    if (qtail)
        qtail->qnext = c;
    else
        qhead = c;
    qtail = c;
}

static void
poll_request(struct conn *c)
{
    char req[512], inm[96] = "";
    int n;

    if (c->etag[0])
        snprintf(inm, sizeof inm, "If-None-Match: %s\r\n", c->etag);
    n = snprintf(req, sizeof req,
                 "GET /auth/v2/session/%s/status/ HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                 "Data-Session-Token: %s\r\n%s\r\n",
                 S[c->sess].id, port, S[c->sess].token, inm);
    c->len = 0;
    c->state = ST_REQUEST;
    if (send_all(c->fd, req, (size_t)n) < 0) {
        poll_errors++;
        conn_close(c);
        poll_queue(c, now_m() + interval);
    }
}

static void
poll_send(struct conn *c, double now)
{
    c->t0 = now;
    if (c->fd < 0) {
        int fd = open_socket((int)(c - P));
        if (fd < 0) {
            poll_errors++;
            poll_queue(c, now + interval);
            return;
        }
        c->fd = fd;
        c->state = ST_CONNECTING;
        ep_ctl(EPOLL_CTL_ADD, fd, c, EPOLLIN | EPOLLOUT);
        return;
    }
    poll_request(c);
}

/* "Name: value" of a response head, into out */
static int
head_value(const char *head, size_t n, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);

    for (const char *h = memmem(head, n, "\r\n", 2); h && h + 2 < head + n;
         h = memmem(h + 2, (size_t)(head + n - h - 2), "\r\n", 2)) {
        const char *v = h + 2, *e;
        if ((size_t)(head + n - v) > nl + 1 && strncasecmp(v, name, nl) == 0 && v[nl] == ':') {
            size_t i = 0;
            for (v += nl + 1; *v == ' '; v++)
                ;
            e = memmem(v, (size_t)(head + n - v), "\r\n", 2);
            while (e && v < e && i + 1 < cap)
                out[i++] = *v++;
            out[i] = '\0';
            return 0;
        }
    }
    return -1;
}

static void
poll_event(struct conn *c, uint32_t ev)
{
    if (c->state == ST_CONNECTING) {
        int err = 0;
        socklen_t el = sizeof err;

        if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) {
            poll_errors++;
            conn_close(c);
            poll_queue(c, now_m() + interval);
            return;
        }
        ep_ctl(EPOLL_CTL_MOD, c->fd, c, EPOLLIN);
        poll_request(c);
        return;
    }
    for (;;) {
        ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
        double at = now_r(), now;
        char *end, val[64];
        size_t head, clen = 0;
        int code, close_after;

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN)
            return;
        if (r <= 0) {
            /* a kept-alive connection closed while idle is no error: the next poll opens
             * another */
            if (c->state == ST_REQUEST) {
                poll_errors++;
                poll_queue(c, now_m() + interval);
            }
            conn_close(c);
            return;
        }
        if (c->state != ST_REQUEST) {
            c->len = 0; /* bytes while idle: nothing asked for them */
            continue;
        }
        c->len += (size_t)r;
        c->buf[c->len] = '\0';
        if (!(end = memmem(c->buf, c->len, "\r\n\r\n", 4))) {
            if (c->len >= sizeof c->buf - 1) {
                poll_errors++;
                conn_close(c);
                poll_queue(c, now_m() + interval);
                return;
            }
            continue;
        }
        head = (size_t)(end - c->buf) + 4;
        code = atoi(c->buf + 9);
        if (code != 304 && head_value(c->buf, head, "Content-Length", val, sizeof val) == 0)
            clen = strtoul(val, NULL, 10);
        if (c->len < head + clen)
            continue;
        close_after = head_value(c->buf, head, "Connection", val, sizeof val) == 0 &&
                      strcasecmp(val, "close") == 0;
        now = now_m();
        if (code == 200) {
            char st[32];
            if (head_value(c->buf, head, "ETag", val, sizeof val) == 0)
                snprintf(c->etag, sizeof c->etag, "%s", val);
            if (json_status(c->buf + head, clen, st, sizeof st) == 0 &&
                strcmp(st, "retrieved") == 0 && S[c->sess].arrival == 0)
                S[c->sess].arrival = at;
        }
        if (poll_counting) {
            poll_responses++;
            if (code != 200 && code != 304)
                poll_non2xx++;
            if (nresp_ms == resp_cap) {
                resp_cap = resp_cap ? resp_cap * 2 : 65536;
                resp_ms = realloc(resp_ms, (size_t)resp_cap * sizeof *resp_ms);
                if (!resp_ms)
                    die("out of memory");
            }
            resp_ms[nresp_ms++] = (now - c->t0) * 1e3;
        }
        c->len = 0;
        c->state = ST_IDLE;
        if (close_after)
            conn_close(c);
        poll_queue(c, now + interval);
        return;
    }
}

/* --- the loop -------------------------------------------------------------------------- */

static void
loop_once(double until)
{
    static struct epoll_event evs[EVENTS];
    double now = now_m(), next = until;
    int n, ms;

    drivers_tick(now);
    if (sched_next < nsched) {
        double due = sched_t0 + (double)sched_next / rate;
        if (due < next)
            next = due;
    }
    while (polling && qhead && qhead->due <= now) {
        struct conn *c = qhead;
        qhead = c->qnext;
        if (!qhead)
            qtail = NULL;
        poll_send(c, now);
    }
    if (polling && qhead && qhead->due < next)
        next = qhead->due;
    while (ramp_next < ramp_total && inflight < inflight_max &&
           (ramp_total <= waiters || conn_failed < FAIL_LIMIT)) {
        struct conn *c = &W[ramp_next];
        c->sess = ramp_next % nws;
        c->primary = ramp_next < waiters;
        nw = ++ramp_next;
        ws_open(c, nw - 1);
    }
    if (inflight > 0) {
        static double last_scan;
        if (now - last_scan > 0.1) {
            last_scan = now;
            ws_timeouts(now);
        }
        if (now + 0.1 < next)
            next = now + 0.1;
    }
    ms = next <= now ? 0 : (int)ceil((next - now) * 1e3);
    n = epoll_wait(ep, evs, EVENTS, ms > 1000 ? 1000 : ms);
    for (int i = 0; i < n; i++) {
        uint8_t type = *(uint8_t *)evs[i].data.ptr;
        if (type == T_DRIVER) {
            driver_event(evs[i].data.ptr, evs[i].events);
        } else if (type == T_LISTEN) {
            listener_event();
        } else {
            struct conn *c = evs[i].data.ptr;
            if (c->state == ST_CLOSED)
                continue; /* closed earlier in this batch */
            if (c->kind == K_WS)
                ws_event(c, evs[i].events);
            else
                poll_event(c, evs[i].events);
        }
    }
    drivers_tick(now_m());
}

static void
run_for(double secs)
{
    double until = now_m() + secs;

    while (now_m() < until)
        loop_once(until);
}

static int
drivers_idle(void)
{
    for (int k = 0; k < drivers; k++)
        if (D[k].busy)
            return 0;
    return 1;
}

/* The scheduled changes, then until each arrived (or grace seconds after the last). */
static void
run_changes(int *which, int n, int (*arrived)(void), double grace)
{
    double until;

    sched = which;
    nsched = n;
    sched_next = 0;
    max_lag = 0;
    sched_t0 = now_m() + 0.01;
    while (sched_next < nsched || !drivers_idle())
        loop_once(now_m() + 0.05);
    until = now_m() + grace;
    while (now_m() < until && !arrived())
        loop_once(until);
}

static int
all_arrived(void)
{
    for (int j = 0; j < nsched; j++)
        if (S[sched[j]].ok && S[sched[j]].arrival == 0)
            return 0;
    return 1;
}

static int
never(void)
{
    return 0;
}

/* Latencies (ms) of the scheduled changes from their commit (or send) to arrival. */
struct lat {
    double *v, *from_send, *stmt, *pg, *hub;
    long n, lost, ok, clock_odd, nh;
    int from_commit;
};

static void
latencies(struct lat *l)
{
    l->from_commit = commit_times() == 0;
    l->v = xcalloc((size_t)nsched, sizeof *l->v);
    l->from_send = xcalloc((size_t)nsched, sizeof *l->v);
    l->stmt = xcalloc((size_t)nsched, sizeof *l->v);
    l->pg = xcalloc((size_t)nsched, sizeof *l->v);
    l->hub = xcalloc((size_t)nsched, sizeof *l->v);
    l->n = l->lost = l->ok = l->clock_odd = l->nh = 0;
    for (int j = 0; j < nsched; j++) {
        struct session *s = &S[sched[j]];
        double from = l->from_commit ? s->commit : s->t_send;
        if (!s->ok)
            continue;
        l->stmt[l->ok++] = (s->t_ack - s->t_send) * 1e3;
        /* the commit lies between the send and the answer (1 ms of slack for clocks) */
        if (l->from_commit && (s->commit < s->t_send - 1e-3 || s->commit > s->t_ack + 1e-3))
            l->clock_odd++;
        if (s->arrival == 0 || from == 0) {
            l->lost++;
            continue;
        }
        l->from_send[l->n] = (s->arrival - s->t_send) * 1e3;
        l->v[l->n++] = (s->arrival - from) * 1e3;
        if (s->heard > 0) {
            l->pg[l->nh] = (s->heard - from) * 1e3;
            l->hub[l->nh++] = (s->arrival - s->heard) * 1e3;
        }
    }
    qsort(l->pg, (size_t)l->nh, sizeof *l->v, cmp_double);
    qsort(l->hub, (size_t)l->nh, sizeof *l->v, cmp_double);
    qsort(l->v, (size_t)l->n, sizeof *l->v, cmp_double);
    qsort(l->from_send, (size_t)l->n, sizeof *l->v, cmp_double);
    qsort(l->stmt, (size_t)l->ok, sizeof *l->v, cmp_double);
}

static void
lat_free(struct lat *l)
{
    free(l->v);
    free(l->from_send);
    free(l->stmt);
    free(l->pg);
    free(l->hub);
}

/* --- main ------------------------------------------------------------------------------ */

static void
arg(const char *a)
{
    const char *v = strchr(a, '=');
    size_t k;

    if (!v)
        die("not KEY=VALUE: %s", a);
    k = (size_t)(v++ - a);
#define IS(name) (k == strlen(name) && strncmp(a, name, k) == 0)
    if (IS("port"))
        port = atoi(v);
    else if (IS("ws"))
        ws_file = v;
    else if (IS("poll"))
        poll_file = v;
    else if (IS("conninfo"))
        conninfo = v;
    else if (IS("waiters"))
        waiters = atoi(v);
    else if (IS("rate"))
        rate = atoi(v);
    else if (IS("seconds"))
        seconds = atof(v);
    else if (IS("runs"))
        runs = atoi(v);
    else if (IS("hold"))
        hold = atof(v);
    else if (IS("ceiling"))
        ceiling = atoi(v);
    else if (IS("interval"))
        interval = atof(v);
    else if (IS("poll_seconds"))
        poll_seconds = atof(v);
    else if (IS("listen"))
        listen_too = atoi(v);
    else if (IS("drivers"))
        drivers = atoi(v) < 1 ? 1 : atoi(v) > DRIVERS_MAX ? DRIVERS_MAX : atoi(v);
    else if (IS("poll_ramp"))
        poll_ramp = atof(v);
    else if (IS("src"))
        nsrc = atoi(v);
    else if (IS("inflight"))
        inflight_max = atoi(v);
    else if (IS("timeout"))
        timeout_s = atof(v);
    else if (IS("cpu")) {
        struct group *g = &groups[ngroups];
        const char *c = strchr(v, ':');
        if (ngroups == MAX_GROUPS || !c || (size_t)(c - v) >= sizeof g->name)
            die("cpu=NAME:PID[,PID...]: %s", v);
        memcpy(g->name, v, (size_t)(c - v));
        for (c++; *c && g->nroots < MAX_ROOTS; c += strcspn(c, ","), c += *c == ',')
            if (atoi(c) > 0)
                g->roots[g->nroots++] = atoi(c);
        ngroups++;
    } else
        die("unknown argument %s", a);
#undef IS
}

/* the WebSocket clients connect: ramp to total, until each is held or failed */
static void
ramp(int total)
{
    ramp_total = total;
    while (ramp_next < ramp_total && (ramp_total <= waiters || conn_failed < FAIL_LIMIT))
        loop_once(now_m() + 0.05);
    while (inflight > 0)
        loop_once(now_m() + 0.05);
}

static void
print_failures(void)
{
    printf(" failures=");
    for (int f = 0, first = 1; f < NFAIL; f++)
        if (fails[f]) {
            printf("%s%s:%d", first ? "" : ",", fail_names[f], fails[f]);
            first = 0;
        }
    if (!conn_failed)
        printf("0");
}

int
main(int argc, char **argv)
{
    static struct snap s0, s1, s2;
    struct lat l;
    double t, push_mean = -1, push_stack = -1, worst_p99 = 0, worst_max = 0;
    long hub0, lig0;
    int bad = 0, *order, M;

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++)
        arg(argv[i]);
    if (port <= 0 || !ws_file || !poll_file || !conninfo || rate <= 0 || seconds <= 0)
        die("usage: push port=P ws=FILE poll=FILE conninfo=STR [waiters= rate= seconds= runs= "
            "hold= ceiling= interval= poll_seconds= src= inflight= timeout= cpu=NAME:PIDS]");
    nws = count_lines(ws_file);
    npoll = count_lines(poll_file);
    S = xcalloc((size_t)(nws + npoll), sizeof *S);
    if (load(ws_file, 0, nws) != nws || load(poll_file, nws, npoll) != npoll)
        die("a line of the session files is not \"<uuid> <43-character token>\"");
    if (waiters < 0 || waiters > nws)
        waiters = nws;
    M = (int)(rate * seconds);
    if ((long)M * runs > waiters)
        die("rate * seconds * runs = %ld changes, but only %d waiters (each changes once)",
            (long)M * runs, waiters);
    wcap = ceiling > waiters ? ceiling : waiters;
    W = xcalloc((size_t)wcap, sizeof *W);
    conn_ms = xcalloc((size_t)wcap, sizeof *conn_ms);
    P = xcalloc((size_t)npoll, sizeof *P);
    if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
        die("epoll: %s", strerror(errno));
    srand(20240611);
    drivers_open();
    htab_build();
    if (listen_too)
        listener_open();

    /* 1. the waiters connect */
    snapshot(&s0);
    hub0 = rss_kib(&s0, "hub");
    lig0 = rss_kib(&s0, "lighttpd");
    t = now_m();
    ramp(waiters);
    t = now_m() - t;
    qsort(conn_ms, (size_t)nconn_ms, sizeof *conn_ms, cmp_double);
    printf("push: waiters=%d held=%d failed=%d", waiters, held, conn_failed);
    print_failures();
    printf(" connect_s=%.2f connects_per_s=%.0f connect_p50_ms=%.1f connect_p99_ms=%.1f\n", t,
           waiters / t, nconn_ms ? pct(conn_ms, nconn_ms, 50) : 0,
           nconn_ms ? pct(conn_ms, nconn_ms, 99) : 0);
    if (conn_failed)
        printf("push: first failure after %d held: %s\n", first_fail_at, first_fail);
    bad |= held < waiters;

    /* 2. held idle: what waiting costs */
    snapshot(&s1);
    run_for(hold);
    snapshot(&s2);
    printf("push: idle waiters=%d held=%d dropped=%d seconds=%.0f pongs=%d", waiters, held, dropped,
           hold, pongs);
    print_cpu(&s1, &s2);
    printf("\n");
    printf("push: memory held=%d hub_rss_kib=%ld->%ld hub_kib_per_waiter=%.2f "
           "lighttpd_rss_kib=%ld->%ld lighttpd_kib_per_waiter=%.2f\n",
           held, hub0, rss_kib(&s2, "hub"), held ? (double)(rss_kib(&s2, "hub") - hub0) / held : 0,
           lig0, rss_kib(&s2, "lighttpd"),
           held ? (double)(rss_kib(&s2, "lighttpd") - lig0) / held : 0);

    /* 3. latency runs: rate changes per second, each on its own sessions */
    order = xcalloc((size_t)waiters, sizeof *order);
    for (int i = 0; i < waiters; i++)
        order[i] = i;
    for (int i = waiters - 1; i > 0; i--) {
        int j = rand() % (i + 1), x = order[i];
        order[i] = order[j];
        order[j] = x;
    }
    for (int run = 1; run <= runs; run++) {
        double t_first, stack;

        change_errors = 0;
        snapshot(&s1);
        t_first = now_m();
        run_changes(order + (run - 1) * M, M, never, 0);
        t_first = now_m() - t_first;
        snapshot(&s2);
        /* then until every frame arrived (at most 5 s), outside the CPU window */
        t = now_m() + 5;
        while (now_m() < t && !all_arrived())
            loop_once(t);
        latencies(&l);
        printf("push: latency run=%d waiters=%d held=%d changes=%d rate=%d achieved_per_s=%.0f "
               "max_lag_ms=%.1f failed_changes=%d delivered=%ld lost=%ld from=%s",
               run, waiters, held, M, rate, M / t_first, max_lag * 1e3, change_errors, l.n, l.lost,
               l.from_commit ? "commit" : "send");
        if (l.n)
            printf(" p50_ms=%.2f p99_ms=%.2f max_ms=%.2f mean_ms=%.2f", pct(l.v, l.n, 50),
                   pct(l.v, l.n, 99), l.v[l.n - 1], mean(l.v, l.n));
        printf("\n");
        printf("push: latency run=%d", run);
        if (l.n)
            printf(" from_send_p99_ms=%.2f statement_p50_ms=%.2f statement_p99_ms=%.2f "
                   "commit_outside_statement=%ld",
                   pct(l.from_send, l.n, 99), pct(l.stmt, l.ok, 50), pct(l.stmt, l.ok, 99),
                   l.clock_odd);
        if (l.nh)
            printf(" commit_to_listen_p50_ms=%.2f commit_to_listen_p99_ms=%.2f "
                   "listen_to_frame_p50_ms=%.2f listen_to_frame_p99_ms=%.2f",
                   pct(l.pg, l.nh, 50), pct(l.pg, l.nh, 99), pct(l.hub, l.nh, 50),
                   pct(l.hub, l.nh, 99));
        stack = print_cpu(&s1, &s2);
        printf("\n");
        if (change_errors)
            printf("push: a change failed: %s\n", change_error);
        if (l.n) {
            if (pct(l.v, l.n, 99) > worst_p99)
                worst_p99 = pct(l.v, l.n, 99);
            if (l.v[l.n - 1] > worst_max)
                worst_max = l.v[l.n - 1];
            push_mean = push_mean < 0 ? mean(l.v, l.n) : (push_mean + mean(l.v, l.n)) / 2;
            push_stack = push_stack < 0 ? stack : (push_stack + stack) / 2;
        }
        bad |= change_errors > 0 || l.lost > 0 || l.n == 0;
        lat_free(&l);
    }
    if (change_errors == 0 && worst_max > 0)
        printf("push: targets held>=10000 %s (%d); p99<=10ms %s (worst run %.2f); "
               "max<=50ms %s (worst %.2f)\n",
               held >= 10000 ? "met" : "missed", held, worst_p99 <= 10 ? "met" : "missed",
               worst_p99, worst_max <= 50 ? "met" : "missed", worst_max);

    /* 4. the ceiling: more waiters on the same sessions, until ceiling or failures */
    if (ceiling > waiters) {
        int after_ramp;
        conn_failed = 0;
        memset(fails, 0, sizeof fails);
        first_fail_at = -1;
        t = now_m();
        ramp(ceiling);
        t = now_m() - t;
        after_ramp = held;
        snapshot(&s1);
        run_for(5);
        snapshot(&s2);
        printf("push: ceiling tried=%d held=%d held_after_5s=%d failed=%d", ramp_next, after_ramp,
               held, conn_failed);
        print_failures();
        printf(" ramp_s=%.1f hub_rss_kib=%ld hub_kib_per_waiter=%.2f lighttpd_rss_kib=%ld "
               "lighttpd_kib_per_waiter=%.2f\n",
               t, rss_kib(&s2, "hub"), held ? (double)(rss_kib(&s2, "hub") - hub0) / held : 0,
               rss_kib(&s2, "lighttpd"),
               held ? (double)(rss_kib(&s2, "lighttpd") - lig0) / held : 0);
        if (conn_failed)
            printf("push: ceiling first failure with %d held: %s\n", first_fail_at, first_fail);
    }

    /* 5. the waiters leave */
    for (int i = 0; i < nw; i++)
        if (W[i].state != ST_CLOSED) {
            W[i].held = 0;
            conn_close(&W[i]);
        }
    held = 0;
    run_for(3);
    snapshot(&s1);
    printf("push: closed hub_rss_kib=%ld lighttpd_rss_kib=%ld\n", rss_kib(&s1, "hub"),
           rss_kib(&s1, "lighttpd"));

    /* 6. the same waiting load, polling: npoll pollers, each phase at random */
    {
        int *perm = xcalloc((size_t)npoll, sizeof *perm), Mp = (int)(rate * poll_seconds);
        double t0 = now_m(), t_meas, t_end, stack, polling_mean = 0;
        struct lat pl;

        if (Mp > npoll)
            Mp = npoll;
        for (int i = 0; i < npoll; i++)
            perm[i] = i;
        for (int i = npoll - 1; i > 0; i--) {
            int j = rand() % (i + 1), x = perm[i];
            perm[i] = perm[j];
            perm[j] = x;
        }
        for (int k = 0; k < npoll; k++) {
            struct conn *c = &P[perm[k]];
            c->type = T_CONN;
            c->kind = K_POLL;
            c->fd = -1;
            c->sess = nws + perm[k];
            /* arriving over poll_ramp seconds (cold FastCGI children and lighttpd's
             * accept queue do not take 10 000 first polls within one interval) */
            poll_queue(c, t0 + (poll_ramp > interval ? poll_ramp : interval) * k / npoll);
        }
        polling = 1;
        /* every poller connected and polled once: the steady state */
        run_for((poll_ramp > interval ? poll_ramp : interval) + interval + 1);
        snapshot(&s1);
        t_meas = now_m();
        poll_counting = 1;
        run_for(0.5);
        for (int i = 0; i < Mp; i++)
            perm[i] = nws + i; /* the changes, in session order (the phases are random) */
        change_errors = 0;
        run_changes(perm, Mp, never, 0);
        t = now_m();
        run_for(interval + 1.5); /* every change seen by its next poll */
        snapshot(&s2);
        t_end = now_m();
        poll_counting = 0;
        latencies(&pl);
        printf("push: polling waiters=%d interval_s=%.0f req_per_s=%.0f non2xx=%ld errors=%ld",
               npoll, interval, poll_responses / (t_end - t_meas), poll_non2xx, poll_errors);
        if (nresp_ms) {
            qsort(resp_ms, (size_t)nresp_ms, sizeof *resp_ms, cmp_double);
            printf(" resp_p50_ms=%.2f resp_p99_ms=%.2f", pct(resp_ms, nresp_ms, 50),
                   pct(resp_ms, nresp_ms, 99));
        }
        printf(" changes=%d seen=%ld unseen=%ld", Mp, pl.n, pl.lost);
        if (pl.n) {
            polling_mean = mean(pl.v, pl.n);
            printf(" delay_mean_ms=%.0f delay_p50_ms=%.0f delay_p99_ms=%.0f delay_max_ms=%.0f",
                   polling_mean, pct(pl.v, pl.n, 50), pct(pl.v, pl.n, 99), pl.v[pl.n - 1]);
        }
        stack = print_cpu(&s1, &s2);
        printf("\n");
        printf("push: versus waiters=%d changes_per_s=%d push_http_req_per_s=0 "
               "polling_req_per_s=%.0f push_mean_delay_ms=%.2f polling_mean_delay_ms=%.0f "
               "push_stack_cpu_pct=%.1f polling_stack_cpu_pct=%.1f\n",
               waiters, rate, poll_responses / (t_end - t_meas), push_mean, polling_mean,
               push_stack, stack);
        bad |= change_errors > 0;
        lat_free(&pl);
        free(perm);
    }
    free(order);
    return bad ? 1 : 0;
}
