/* db-t.c - the database layer against a real PostgreSQL (QRSHARE_TEST_DB, a conninfo). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libpq-fe.h>
#include "db.h"
#include "tap.h"

static const struct {
    const char *sqlstate;
    enum db_status want;
} classes[] = {
    {"23505", DB_CONSTRAINT},
    {"23514", DB_CONSTRAINT},
    {"23503", DB_CONSTRAINT},
    {"P0001", DB_CONSTRAINT},
    {"08006", DB_UNAVAILABLE},
    {"08001", DB_UNAVAILABLE},
    {"57P01", DB_UNAVAILABLE},
    {"57P03", DB_UNAVAILABLE},
    {"53300", DB_UNAVAILABLE},
    {"42601", DB_ERROR},
    {"22012", DB_ERROR},
    {"40001", DB_ERROR},
    {"", DB_ERROR},
    {"2350", DB_ERROR},
    {"235050", DB_ERROR},
    {NULL, DB_ERROR},
};

static const char pid_sql[] = "SELECT pg_backend_pid()";

/* One text value of a one-row statement, copied to buf; NULL on failure. */
static const char *
value(const char *sql, int n, const char *const *params, char *buf, size_t len)
{
    PGresult *res = NULL;

    if (db_exec(sql, n, params, NULL, NULL, &res) != DB_OK)
        return NULL;
    snprintf(buf, len, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return buf;
}

int
main(void)
{
    const char *conninfo = getenv("QRSHARE_TEST_DB");
    char pid1[32], pid2[32], buf[256];
    const char *p[1];
    PGresult *res = NULL;
    PGconn *other = NULL;
    size_t i;
    time_t t0;

    if (!conninfo || !*conninfo)
        skip_all("QRSHARE_TEST_DB is not set");
    plan((int)(sizeof classes / sizeof classes[0]) + 16);

    for (i = 0; i < sizeof classes / sizeof classes[0]; i++)
        is_int(classes[i].want, db_classify(classes[i].sqlstate), "SQLSTATE %s classified",
               classes[i].sqlstate ? classes[i].sqlstate : "(null)");

    db_init(conninfo);
    p[0] = "41";
    is_string("42", value("SELECT $1::int + 1", 1, p, buf, sizeof buf), "a bound parameter");
    p[0] = "x'); DROP TABLE qrshare.sessions; --";
    is_string(p[0], value("SELECT $1::text", 1, p, buf, sizeof buf),
              "a parameter is data, never SQL");
    {
        const char bytes[3] = {'a', '\0', 'b'};
        const char *bp[1] = {bytes};
        const int lens[1] = {3}, bin[1] = {1};
        ok(db_exec("SELECT octet_length($1::bytea)", 1, bp, lens, bin, &res) == DB_OK &&
               strcmp(PQgetvalue(res, 0, 0), "3") == 0,
           "a binary parameter keeps its NUL byte");
        PQclear(res);
        res = NULL;
    }

    value(pid_sql, 0, NULL, pid1, sizeof pid1);
    value(pid_sql, 0, NULL, pid2, sizeof pid2);
    is_string(pid1, pid2, "one connection per process");

    /* A connection broken under it (the server ended the backend) is reset once. */
    other = PQconnectdb(conninfo);
    p[0] = pid1;
    res = PQexecParams(other, "SELECT pg_terminate_backend($1::int)", 1, NULL, p, NULL, NULL, 0);
    ok(PQresultStatus(res) == PGRES_TUPLES_OK, "the backend is terminated from outside");
    PQclear(res);
    res = NULL;
    ok(value(pid_sql, 0, NULL, pid2, sizeof pid2) != NULL,
       "the next statement succeeds after a reconnect");
    ok(strcmp(pid1, pid2) != 0, "... on a new backend");

    /* Prepared statements dropped under us (DISCARD ALL, a pooler) are prepared again. */
    ok(db_exec("DISCARD ALL", 0, NULL, NULL, NULL, &res) == DB_OK, "DISCARD ALL");
    PQclear(res);
    res = NULL;
    ok(value(pid_sql, 0, NULL, pid1, sizeof pid1) != NULL,
       "a statement prepared before DISCARD ALL still runs");

    /* A connection left inside a transaction is rolled back before reuse. */
    ok(db_exec("BEGIN ISOLATION LEVEL SERIALIZABLE", 0, NULL, NULL, NULL, &res) == DB_OK,
       "BEGIN leaves a transaction open");
    PQclear(res);
    res = NULL;
    is_string("read committed", value("SHOW transaction_isolation", 0, NULL, buf, sizeof buf),
              "the next statement runs in a transaction of its own (ROLLBACK first)");

    is_int(DB_ERROR, db_exec("SELECT 1/0", 0, NULL, NULL, NULL, &res),
           "division by zero: DB_ERROR");
    is_int(DB_OK,
           db_exec("CREATE TEMP TABLE t (x int CONSTRAINT t_x_positive CHECK (x > 0))", 0, NULL,
                   NULL, NULL, &res),
           "a temporary table with a CHECK");
    PQclear(res);
    res = NULL;
    p[0] = "-1";
    is_int(DB_CONSTRAINT, db_exec("INSERT INTO t VALUES ($1::int)", 1, p, NULL, NULL, &res),
           "a CHECK violation: DB_CONSTRAINT");

    /* The database gone: a quick DB_UNAVAILABLE, not a hang. */
    db_close();
    db_init("host=/nonexistent-qrshare port=1");
    t0 = time(NULL);
    is_int(DB_UNAVAILABLE, db_exec("SELECT 1", 0, NULL, NULL, NULL, &res),
           "no server: DB_UNAVAILABLE");
    ok(time(NULL) - t0 <= 3, "... within the connect timeout");

    db_close();
    PQfinish(other);
    return done_testing();
}
