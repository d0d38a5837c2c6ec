/* flow - complete flows through the real stack, for bench/run (e).
 *
 *   flow PORT SECONDS WARMUP CONNECTIONS API_KEY USER_TOKENS_FILE
 *
 * CONNECTIONS threads, each with one keep-alive HTTP/1.1 connection to 127.0.0.1:PORT,
 * run flows back to back for WARMUP + SECONDS seconds: create -> information -> update ->
 * status -> decision, each answer checked (HTTP status and the JSON fields a client
 * relies on). Flows started in the first WARMUP seconds are not counted. A failed check
 * ends the flow and is counted; the first few are printed to stderr. USER_TOKENS_FILE
 * holds user access tokens (JWT), one a line; thread i uses line i mod n. Prints:
 *
 *   BENCH flows=N seconds=S fps=F failed=N non2xx=N
 *   STEP <name> n=N p50_us=.. p99_us=..        (one line per step)
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
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#define NSTEPS 5
#define BUF_SIZE 65536
#define MAX_USERS 64

static const char *const step_names[NSTEPS] = {"create", "information", "update", "status",
                                               "decision"};
static const char update_body[] =
    "{\"status\":\"confirmed\",\"user_data\":{"
    "\"email\":{\"email\":\"ada@example.org\",\"is_verified\":false,\"is_primary\":true},"
    "\"names\":{\"first_name\":\"Ada\",\"family_name\":\"Lovelace\",\"is_verified\":false}}}";

static int port;
static double t_start, t_count, t_end;
static const char *api_key;
static char *users[MAX_USERS];
static int nusers;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;
static int printed;

struct series {
    unsigned *v;
    size_t n, cap;
};

struct worker {
    pthread_t thread;
    int index;
    int fd;
    char buf[BUF_SIZE];
    size_t used;
    struct series lat[NSTEPS];
    long flows, failed, non2xx;
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
series_add(struct series *s, unsigned us)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v)
            abort();
    }
    s->v[s->n++] = us;
}

static void __attribute__((format(printf, 2, 3))) complain(struct worker *w, const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&print_lock);
    if (printed++ < 5) {
        fprintf(stderr, "flow[%d]: ", w->index);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    pthread_mutex_unlock(&print_lock);
}

static int
conn_open(struct worker *w)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int one = 1;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    w->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (w->fd < 0 || connect(w->fd, (struct sockaddr *)&a, sizeof a) < 0) {
        if (w->fd >= 0)
            close(w->fd);
        w->fd = -1;
        return -1;
    }
    setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    w->used = 0;
    return 0;
}

static void
conn_close(struct worker *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
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

/* One exchange on w's connection. 0 with *status and the body (NUL-terminated, in
 * w->buf) at *body, or -1 when the connection failed. */
static int
exchange(struct worker *w, const char *req, size_t reqlen, int *status, char **body)
{
    char *end = NULL, *h;
    size_t clen = 0, head = 0;
    int close_after = 0, attempt;

    for (attempt = 0; attempt < 2; attempt++) {
        if (w->fd < 0 && conn_open(w) < 0)
            return -1;
        if (send_all(w->fd, req, reqlen) == 0)
            break;
        conn_close(w); /* the server closed a kept-alive connection: once more */
    }
    if (w->fd < 0)
        return -1;
    w->used = 0;
    for (;;) {
        ssize_t r;
        w->buf[w->used] = '\0';
        if (!end && (end = strstr(w->buf, "\r\n\r\n"))) {
            head = (size_t)(end - w->buf) + 4;
            *status = atoi(w->buf + 9);
            for (h = strstr(w->buf, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n")) {
                if (strncasecmp(h + 2, "Content-Length:", 15) == 0)
                    clen = strtoul(h + 17, NULL, 10);
                else if (strncasecmp(h + 2, "Connection: close", 17) == 0)
                    close_after = 1;
            }
            if (head + clen >= BUF_SIZE)
                return conn_close(w), -1;
        }
        if (end && w->used >= head + clen)
            break;
        r = recv(w->fd, w->buf + w->used, BUF_SIZE - 1 - w->used, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return conn_close(w), -1;
        w->used += (size_t)r;
    }
    w->buf[head + clen] = '\0';
    *body = w->buf + head;
    if (close_after)
        conn_close(w);
    return 0;
}

/* A request for one step; returns its length. */
static size_t
format_request(char *out, size_t cap, const char *method, const char *path, const char *headers,
               const char *body)
{
    int n = snprintf(out, cap,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s%s"
                     "Content-Length: %zu\r\n\r\n%s",
                     method, path, port, headers, body ? "Content-Type: application/json\r\n" : "",
                     body ? strlen(body) : 0, body ? body : "");
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
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

    return v && strcmp(v, want) == 0;
}

/* One flow. 0 when every step answered as it must. */
static int
flow(struct worker *w, int record)
{
    char req[4096], hdr[1024], path[256], id[64] = "", token[64] = "", *body;
    const char *user = users[w->index % nusers];
    json_object *o = NULL, *ud, *email;
    int step, status = 0, ok = 0;
    double t0;
    size_t n;

    for (step = 0; step < NSTEPS; step++) {
        switch (step) {
        case 0:
            snprintf(hdr, sizeof hdr, "X-Api-Key: %s\r\n", api_key);
            n = format_request(req, sizeof req, "POST", "/auth/v2/session/", hdr,
                               "{\"scope\":\"email names\",\"vendor_data\":\"flow\"}");
            break;
        case 1:
            snprintf(path, sizeof path, "/auth/v2/session/%s/information/", token);
            snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n", user);
            n = format_request(req, sizeof req, "GET", path, hdr, NULL);
            break;
        case 2:
            snprintf(path, sizeof path, "/auth/v2/session/%s/update/", token);
            n = format_request(req, sizeof req, "POST", path, hdr, update_body);
            break;
        case 3:
            snprintf(path, sizeof path, "/auth/v2/session/%s/status/", id);
            snprintf(hdr, sizeof hdr, "Data-Session-Token: %s\r\n", token);
            n = format_request(req, sizeof req, "GET", path, hdr, NULL);
            break;
        default:
            snprintf(path, sizeof path, "/auth/v2/session/%s/decision/", id);
            snprintf(hdr, sizeof hdr, "X-Api-Key: %s\r\n", api_key);
            n = format_request(req, sizeof req, "GET", path, hdr, NULL);
            break;
        }
        t0 = now();
        if (n == 0 || exchange(w, req, n, &status, &body) < 0) {
            complain(w, "%s: connection failed", step_names[step]);
            goto out;
        }
        if (record)
            series_add(&w->lat[step], (unsigned)((now() - t0) * 1e6));
        if (status < 200 || status > 299) {
            if (record)
                w->non2xx++;
            complain(w, "%s: HTTP %d %s", step_names[step], status, body);
            goto out;
        }
        json_object_put(o);
        if (!(o = parse(body))) {
            complain(w, "%s: not JSON: %s", step_names[step], body);
            goto out;
        }
        switch (step) {
        case 0:
            if (status != 201 || !str(o, "session_id") || strlen(str(o, "session_id")) != 36 ||
                !str(o, "session_token") || strlen(str(o, "session_token")) != 43 ||
                !str_is(o, "status", "initialized"))
                goto bad;
            strcpy(id, str(o, "session_id"));
            strcpy(token, str(o, "session_token"));
            break;
        case 1:
            if (status != 200 || !str_is(o, "session_id", id) || !str_is(o, "status", "retrieved"))
                goto bad;
            break;
        case 2:
        case 3:
            if (status != 200 || !str_is(o, "session_id", id) || !str_is(o, "status", "confirmed"))
                goto bad;
            break;
        default:
            if (status != 200 || !str_is(o, "session_id", id) ||
                !str_is(o, "status", "confirmed") ||
                !json_object_object_get_ex(o, "user_data", &ud) ||
                !json_object_object_get_ex(ud, "email", &email) ||
                !str_is(email, "email", "ada@example.org") || !str(ud, "sub"))
                goto bad;
            break;
        }
    }
    ok = 1;
    goto out;
bad:
    complain(w, "%s: unexpected answer (HTTP %d): %s", step_names[step], status, body);
out:
    json_object_put(o);
    return ok ? 0 : -1;
}

static void *
run(void *arg)
{
    struct worker *w = arg;
    double t;

    w->fd = -1;
    while ((t = now()) < t_end) {
        int record = t >= t_count;
        int r = flow(w, record);
        if (record && now() <= t_end) {
            if (r == 0)
                w->flows++;
            else
                w->failed++;
        } else if (record && r != 0) {
            w->failed++;
        }
    }
    conn_close(w);
    return NULL;
}

static int
cmp_unsigned(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

    return x < y ? -1 : x > y;
}

static unsigned
percentile(const struct series *s, double p)
{
    size_t i;

    if (s->n == 0)
        return 0;
    i = (size_t)(p / 100.0 * (double)s->n);
    return s->v[i >= s->n ? s->n - 1 : i];
}

int
main(int argc, char **argv)
{
    struct worker *w;
    struct series all[NSTEPS] = {{0}};
    double seconds, warmup;
    long flows = 0, failed = 0, non2xx = 0;
    int nconn, i, s;
    char line[4096];
    FILE *f;

    if (argc != 7) {
        fprintf(stderr, "usage: flow PORT SECONDS WARMUP CONNECTIONS API_KEY USER_TOKENS_FILE\n");
        return 2;
    }
    port = atoi(argv[1]);
    seconds = atof(argv[2]);
    warmup = atof(argv[3]);
    nconn = atoi(argv[4]);
    api_key = argv[5];
    if (!(f = fopen(argv[6], "r"))) {
        perror(argv[6]);
        return 2;
    }
    while (nusers < MAX_USERS && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (*line)
            users[nusers++] = strdup(line);
    }
    fclose(f);
    if (port <= 0 || seconds <= 0 || nconn <= 0 || nusers == 0) {
        fprintf(stderr, "flow: bad arguments\n");
        return 2;
    }
    w = calloc((size_t)nconn, sizeof *w);
    if (!w)
        return 1;
    t_start = now();
    t_count = t_start + warmup;
    t_end = t_count + seconds;
    for (i = 0; i < nconn; i++) {
        w[i].index = i;
        if (pthread_create(&w[i].thread, NULL, run, &w[i]) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    for (i = 0; i < nconn; i++) {
        pthread_join(w[i].thread, NULL);
        flows += w[i].flows;
        failed += w[i].failed;
        non2xx += w[i].non2xx;
        for (s = 0; s < NSTEPS; s++) {
            size_t k;
            for (k = 0; k < w[i].lat[s].n; k++)
                series_add(&all[s], w[i].lat[s].v[k]);
            free(w[i].lat[s].v);
        }
    }
    printf("BENCH flows=%ld seconds=%.2f fps=%.0f failed=%ld non2xx=%ld\n", flows, seconds,
           (double)flows / seconds, failed, non2xx);
    for (s = 0; s < NSTEPS; s++) {
        qsort(all[s].v, all[s].n, sizeof *all[s].v, cmp_unsigned);
        printf("STEP %s n=%zu p50_us=%u p99_us=%u\n", step_names[s], all[s].n,
               percentile(&all[s], 50), percentile(&all[s], 99));
        free(all[s].v);
    }
    free(w);
    for (i = 0; i < nusers; i++)
        free(users[i]);
    return failed || non2xx ? 1 : 0;
}
