/* db-t.c - the database layer against a real PostgreSQL (QRSHARE_TEST_DB, a conninfo). */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <libpq-fe.h>
#include "db.h"
#include "tap.h"

static const struct {
    const char *sqlstate;
    enum db_status want;
} classes[] = {
    {"23505", DB_CONSTRAINT},  {"23514", DB_CONSTRAINT},
    {"23503", DB_CONSTRAINT},  {"P0001", DB_CONSTRAINT},
    {"08006", DB_UNAVAILABLE}, {"08001", DB_UNAVAILABLE},
    {"57P01", DB_UNAVAILABLE}, {"57P03", DB_UNAVAILABLE},
    {"53300", DB_UNAVAILABLE}, {"55P03", DB_UNAVAILABLE}, /* lock_timeout */
    {"57014", DB_UNAVAILABLE},                            /* statement_timeout */
    {"40P01", DB_UNAVAILABLE},                            /* deadlock victim */
    {"42601", DB_ERROR},       {"22012", DB_ERROR},
    {"40001", DB_ERROR},       {"", DB_ERROR},
    {"2350", DB_ERROR},        {"235050", DB_ERROR},
    {NULL, DB_ERROR},
};

static const char pid_sql[] = "SELECT pg_backend_pid()";
static const char *conninfo;

/* A proxy on a Unix socket between db.c and the server, which can cut the connection
 * at the server's next answer: the statement has then run and committed (an autocommit
 * statement's answer is flushed at its commit), but its answer never arrives. */
struct proxy {
    int listen_fd;
    char dir[64];       /* holds .s.PGSQL.<port>, like the server's socket folder */
    char upstream[100]; /* the server's socket */
    volatile int cut;   /* set: close at the server's next bytes, forwarding none */
    pthread_t thread;
};

static void
relay(struct proxy *px, int client, int server)
{
    struct pollfd p[2] = {{.fd = client, .events = POLLIN}, {.fd = server, .events = POLLIN}};
    char buf[8192];
    ssize_t n;

    while (poll(p, 2, -1) > 0) {
        if (p[0].revents) {
            if ((n = read(client, buf, sizeof buf)) <= 0 || write(server, buf, (size_t)n) != n)
                return;
        }
        if (p[1].revents) {
            if ((n = read(server, buf, sizeof buf)) <= 0)
                return;
            if (px->cut) {
                px->cut = 0;
                return;
            }
            if (write(client, buf, (size_t)n) != n)
                return;
        }
    }
}

static void *
proxy_run(void *arg)
{
    struct proxy *px = arg;
    struct sockaddr_un up = {.sun_family = AF_UNIX};
    int client, server;

    snprintf(up.sun_path, sizeof up.sun_path, "%s", px->upstream);
    while ((client = accept(px->listen_fd, NULL, NULL)) >= 0) {
        server = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(server, (struct sockaddr *)&up, sizeof up) == 0)
            relay(px, client, server);
        close(server);
        close(client);
    }
    return NULL;
}

/* Starts px in front of the server of conninfo; writes the conninfo that goes through
 * it to via. -1 when the server is not on a Unix socket. */
static int
proxy_start(struct proxy *px, char *via, size_t vialen)
{
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL), *o;
    const char *host = NULL, *port = "5432", *db = NULL, *user = NULL;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int rc = -1;

    for (o = opts; o && o->keyword; o++) {
        if (!o->val)
            continue;
        if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "dbname") == 0)
            db = o->val;
        else if (strcmp(o->keyword, "user") == 0)
            user = o->val;
    }
    if (!host || host[0] != '/')
        goto out;
    snprintf(px->upstream, sizeof px->upstream, "%s/.s.PGSQL.%s", host, port);
    snprintf(px->dir, sizeof px->dir, "/tmp/db-t.XXXXXX");
    if (!mkdtemp(px->dir))
        goto out;
    snprintf(a.sun_path, sizeof a.sun_path, "%s/.s.PGSQL.%s", px->dir, port);
    px->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(px->listen_fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(px->listen_fd, 4) < 0)
        goto out;
    snprintf(via, vialen, "host=%s port=%s%s%s%s%s", px->dir, port, db ? " dbname=" : "",
             db ? db : "", user ? " user=" : "", user ? user : "");
    rc = pthread_create(&px->thread, NULL, proxy_run, px) == 0 ? 0 : -1;
out:
    PQconninfoFree(opts);
    return rc;
}

static void
proxy_stop(struct proxy *px)
{
    char path[128];

    shutdown(px->listen_fd, SHUT_RDWR); /* accept() returns: the thread ends */
    pthread_join(px->thread, NULL);
    close(px->listen_fd);
    snprintf(path, sizeof path, "%s/.s.PGSQL.%s", px->dir, strrchr(px->upstream, '.') + 1);
    unlink(path);
    rmdir(px->dir);
}

/* One text value of a one-row statement, copied to buf; NULL on failure. */
static const char *
value(const char *sql, int n, const char *const *params, char *buf, size_t len)
{
    PGresult *res = NULL;

    if (db_exec(conninfo, sql, n, params, NULL, NULL, &res) != DB_OK)
        return NULL;
    snprintf(buf, len, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return buf;
}

/* A statement without parameters that must succeed (its result is dropped). */
static void
exec_ok(const char *sql, const char *what)
{
    PGresult *res = NULL;

    is_int(DB_OK, db_exec(conninfo, sql, 0, NULL, NULL, NULL, &res), "%s", what);
    PQclear(res);
}

int
main(void)
{
    char pid1[32], pid2[32], buf[256];
    const char *p[1];
    PGresult *res = NULL;
    PGconn *other = NULL;
    size_t i;
    time_t t0;

    conninfo = getenv("QRSHARE_TEST_DB");
    if (!conninfo || !*conninfo)
        skip_all("QRSHARE_TEST_DB is not set");
    plan((int)(sizeof classes / sizeof classes[0]) + 27);

    for (i = 0; i < sizeof classes / sizeof classes[0]; i++)
        is_int(classes[i].want, db_classify(classes[i].sqlstate), "SQLSTATE %s classified",
               classes[i].sqlstate ? classes[i].sqlstate : "(null)");

    p[0] = "41";
    is_string("42", value("SELECT $1::int + 1", 1, p, buf, sizeof buf), "a bound parameter");
    p[0] = "x'); DROP TABLE qrshare.sessions; --";
    is_string(p[0], value("SELECT $1::text", 1, p, buf, sizeof buf),
              "a parameter is data, never SQL");
    {
        const char bytes[3] = {'a', '\0', 'b'};
        const char *bp[1] = {bytes};
        const int lens[1] = {3}, bin[1] = {1};
        ok(db_exec(conninfo, "SELECT octet_length($1::bytea)", 1, bp, lens, bin, &res) == DB_OK &&
               strcmp(PQgetvalue(res, 0, 0), "3") == 0,
           "a binary parameter keeps its NUL byte");
        PQclear(res);
        res = NULL;
    }

    value(pid_sql, 0, NULL, pid1, sizeof pid1);
    value(pid_sql, 0, NULL, pid2, sizeof pid2);
    is_string(pid1, pid2, "one connection per process");

    /* A connection the server closed while idle is replaced before anything is sent. */
    other = PQconnectdb(conninfo);
    p[0] = pid1;
    res = PQexecParams(other, "SELECT pg_terminate_backend($1::int)", 1, NULL, p, NULL, NULL, 0);
    ok(PQresultStatus(res) == PGRES_TUPLES_OK, "the backend is terminated from outside");
    PQclear(res);
    /* pg_terminate_backend only signals: wait until the backend has gone */
    for (i = 0; i < 100; i++) {
        res = PQexecParams(other, "SELECT 1 FROM pg_stat_activity WHERE pid = $1::int", 1, NULL, p,
                           NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) == 0)
            break;
        PQclear(res);
        usleep(20000);
    }
    PQclear(res);
    res = NULL;
    ok(value(pid_sql, 0, NULL, pid2, sizeof pid2) != NULL,
       "the next statement succeeds after a reconnect");
    ok(strcmp(pid1, pid2) != 0, "... on a new backend");

    /* Prepared statements dropped under us (DISCARD ALL, a pooler) are prepared again. */
    exec_ok("DISCARD ALL", "DISCARD ALL");
    ok(value(pid_sql, 0, NULL, pid1, sizeof pid1) != NULL,
       "a statement prepared before DISCARD ALL still runs");

    /* A connection left inside a transaction is rolled back before reuse. */
    exec_ok("BEGIN ISOLATION LEVEL SERIALIZABLE", "BEGIN leaves a transaction open");
    is_string("read committed", value("SHOW transaction_isolation", 0, NULL, buf, sizeof buf),
              "the next statement runs in a transaction of its own (ROLLBACK first)");

    is_int(DB_ERROR, db_exec(conninfo, "SELECT 1/0", 0, NULL, NULL, NULL, &res),
           "division by zero: DB_ERROR");
    exec_ok("CREATE TEMP TABLE t (x int CONSTRAINT t_x_positive CHECK (x > 0))",
            "a temporary table with a CHECK");
    p[0] = "-1";
    is_int(DB_CONSTRAINT,
           db_exec(conninfo, "INSERT INTO t VALUES ($1::int)", 1, p, NULL, NULL, &res),
           "a CHECK violation: DB_CONSTRAINT");

    /* An error at the commit (here a deferred UNIQUE; in a cluster, a lock_timeout on the
     * commit's NOTIFY) undoes what the statement answered: an error, not DB_OK, on its
     * first run (Parse, Bind and Execute in one pipeline, committed at its Sync) as on a
     * later one; and the connection goes on. */
    exec_ok("CREATE TEMP TABLE u (x int UNIQUE DEFERRABLE INITIALLY DEFERRED)",
            "a temporary table with a deferred UNIQUE");
    p[0] = "1";
    is_int(DB_CONSTRAINT,
           db_exec(conninfo, "INSERT INTO u VALUES ($1::int), ($1::int) RETURNING x", 1, p, NULL,
                   NULL, &res),
           "a violation found at the commit, first run (pipelined): DB_CONSTRAINT");
    is_int(DB_CONSTRAINT,
           db_exec(conninfo, "INSERT INTO u VALUES ($1::int), ($1::int) RETURNING x", 1, p, NULL,
                   NULL, &res),
           "the same, prepared: DB_CONSTRAINT");
    is_string("0", value("SELECT count(*) FROM u", 0, NULL, buf, sizeof buf),
              "nothing of either stayed, and the connection answers the next statement");

    /* Lost after the statement was sent: it ran (the sequence moved), so it must not be
     * sent again. The backend ends itself in the middle of the statement. */
    PQclear(PQexec(other, "CREATE SEQUENCE IF NOT EXISTS db_t_sent"));
    is_int(DB_UNAVAILABLE,
           db_exec(conninfo, "SELECT nextval('db_t_sent'), pg_terminate_backend(pg_backend_pid())",
                   0, NULL, NULL, NULL, &res),
           "a connection lost during a statement: DB_UNAVAILABLE, no retry");
    res = PQexec(other, "SELECT last_value FROM db_t_sent");
    is_string("1", PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 0) : "?",
              "... the statement was sent once, not again");
    PQclear(res);
    PQclear(PQexec(other, "DROP SEQUENCE db_t_sent"));
    res = NULL;
    ok(value(pid_sql, 0, NULL, pid2, sizeof pid2) != NULL, "... and the next statement reconnects");

    /* Lost after the commit, before the answer: a create sent again would collide with
     * itself (a 400 for a session that was made), so it is not sent again. */
    {
        struct proxy px = {0};
        char via[256];
        if (proxy_start(&px, via, sizeof via) < 0)
            skip_all("QRSHARE_TEST_DB is not on a Unix socket: no proxy"); /* never in check */
        db_close();
        PQclear(
            PQexec(other, "CREATE TABLE db_t_once (k int CONSTRAINT db_t_once_pkey PRIMARY KEY)"));
        PQclear(PQexec(other, "GRANT ALL ON db_t_once TO PUBLIC"));
        ok(db_exec(via, "SELECT 1", 0, NULL, NULL, NULL, &res) == DB_OK, "through the proxy");
        PQclear(res);
        res = NULL;
        px.cut = 1;
        is_int(DB_UNAVAILABLE,
               db_exec(via, "INSERT INTO db_t_once VALUES (1)", 0, NULL, NULL, NULL, &res),
               "the answer to a committed statement lost: DB_UNAVAILABLE, not DB_CONSTRAINT");
        res = PQexec(other, "SELECT count(*) FROM db_t_once");
        is_string("1", PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 0) : "?",
                  "... the row was committed once");
        PQclear(res);
        res = NULL;
        ok(db_exec(via, "SELECT 1", 0, NULL, NULL, NULL, &res) == DB_OK,
           "... and the next statement reconnects");
        PQclear(res);
        res = NULL;
        PQclear(PQexec(other, "DROP TABLE db_t_once"));
        db_close();
        proxy_stop(&px);
    }

    /* The database gone: a quick DB_UNAVAILABLE, not a hang. */
    db_close();
    t0 = time(NULL);
    is_int(DB_UNAVAILABLE,
           db_exec("host=/nonexistent-qrshare port=1", "SELECT 1", 0, NULL, NULL, NULL, &res),
           "no server: DB_UNAVAILABLE");
    ok(time(NULL) - t0 <= 3, "... within the connect timeout");

    db_close();
    PQfinish(other);
    return done_testing();
}
