/* db.c - one PGconn per process; see db.h. */
#include <poll.h>
#include <string.h>
#include "db.h"
#include "log.h"
#include "schema-version.h"

#define MAX_PREPARED 16

static PGconn *conn;
/* The statements prepared on this connection, by the address of their text: callers
 * pass static strings, so an address names one statement. */
static const char *prepared[MAX_PREPARED];
static int nprepared;

/* 1 when the idle connection has something to read. Between statements the server
 * writes only to end it (a restart, pg_terminate_backend, an idle timeout: an error,
 * then EOF), or rarely a notice; either way a fresh connection is the safe choice. */
static int
spoken_while_idle(void)
{
    struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};

    return poll(&p, 1, 0) != 0;
}

/* On a new connection: the schema is the one this build knows, the newest migration of
 * its source tree (qrshare.api_schema_version() names it). Anything else is refused with
 * a line that says what to do; the caller then drops the connection, so that the next
 * request checks again (after qrshare-migrate, or once the new release is installed).
 * One statement per connection, not per request. 0 / -1. */
static int
schema_known(void)
{
    PGresult *res = PQexec(conn, "SELECT qrshare.api_schema_version()");
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *have = NULL;
    int ret = -1;

    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
        have = PQgetvalue(res, 0, 0);
    if (have && strcmp(have, QRSHARE_SCHEMA_VERSION) == 0)
        ret = 0;
    else if (have && strcmp(have, QRSHARE_SCHEMA_VERSION) > 0)
        log_error("database: its schema is newer (%s) than this build knows (%s): install "
                  "the qrshare release that migrated it",
                  have, QRSHARE_SCHEMA_VERSION);
    else if (have)
        log_error("database: its schema lacks migration %s (it has %s): run qrshare-migrate",
                  QRSHARE_SCHEMA_VERSION, have);
    else if (state && (strcmp(state, "42883") == 0 || strcmp(state, "3F000") == 0))
        /* no such function, or no schema qrshare at all */
        log_error("database: its schema lacks migration %s (it has none of 0009 or later): "
                  "run qrshare-migrate",
                  QRSHARE_SCHEMA_VERSION);
    else
        log_error("database: cannot read the schema version: %s [%s]",
                  PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                      ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                      : "no result",
                  state ? state : "-");
    PQclear(res);
    return ret;
}

/* Opens the connection if there is none or the server closed it, and ends a
 * transaction a failed statement left open. Nothing of a statement has been sent
 * yet, so replacing the connection here is always safe. 0 / -1. */
static int
db_ready(const char *conninfo)
{
    PGresult *res = NULL;
    int fresh = 0;

    if (conn && (PQstatus(conn) != CONNECTION_OK || spoken_while_idle())) {
        PQreset(conn);
        nprepared = 0; /* a new session knows none of them */
        fresh = 1;
    }
    if (!conn) {
        /* connect_timeout first, so that a value in the conf overrides it: a server
         * that does not answer must become a 503, not a hung request. */
        const char *const keys[] = {"connect_timeout", "dbname", NULL};
        const char *const vals[] = {"2", conninfo ? conninfo : "", NULL};
        conn = PQconnectdbParams(keys, vals, 1);
        fresh = 1;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        log_error("database: cannot connect: %s", PQerrorMessage(conn));
        db_close();
        return -1;
    }
    if (fresh && schema_known() < 0) {
        db_close();
        return -1;
    }
    if (PQtransactionStatus(conn) == PQTRANS_INERROR ||
        PQtransactionStatus(conn) == PQTRANS_INTRANS) {
        res = PQexec(conn, "ROLLBACK");
        PQclear(res);
    }
    return 0;
}

enum db_status
db_classify(const char *sqlstate)
{
    if (!sqlstate || strlen(sqlstate) != 5)
        return DB_ERROR;
    if (strncmp(sqlstate, "23", 2) == 0 || strcmp(sqlstate, "P0001") == 0)
        return DB_CONSTRAINT;
    /* connection exceptions, shutdown, too many connections, cannot connect now; and
     * waits cut short by lock_timeout or statement_timeout (the statement was rolled
     * back: the client may try again), a deadlock victim likewise */
    if (strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "57P", 3) == 0 ||
        strcmp(sqlstate, "53300") == 0 || strcmp(sqlstate, "55P03") == 0 ||
        strcmp(sqlstate, "57014") == 0 || strcmp(sqlstate, "40P01") == 0)
        return DB_UNAVAILABLE;
    return DB_ERROR;
}

/* Runs sql as a prepared statement. The first time on this connection, Parse goes in
 * one pipeline with the execution, so that too is one round trip; later, only Bind
 * and Execute are sent: no parsing or planning per request. */
static PGresult *
exec_prepared(const char *sql, int nparams, const char *const *params, const int *lens,
              const int *binary)
{
    PGresult *prep = NULL, *exec = NULL, *r;
    char name[16];
    int i, k;

    for (i = 0; i < nprepared && prepared[i] != sql; i++)
        ;
    snprintf(name, sizeof name, "q%d", i);
    if (i < nprepared)
        return PQexecPrepared(conn, name, nparams, params, lens, binary, 0);
    if (i == MAX_PREPARED || PQenterPipelineMode(conn) != 1)
        return PQexecParams(conn, sql, nparams, NULL, params, lens, binary, 0);
    if (PQsendPrepare(conn, name, sql, nparams, NULL) == 1 &&
        PQsendQueryPrepared(conn, name, nparams, params, lens, binary, 0) == 1 &&
        PQpipelineSync(conn) == 1) {
        /* each result is followed by a NULL; then the sync. The implicit transaction
         * commits at the sync: an error there (a deferred constraint, a lock_timeout on
         * the commit's NOTIFY) comes before the sync's own result, and undid what the
         * execution answered. */
        prep = PQgetResult(conn);
        PQclear(PQgetResult(conn));
        exec = PQgetResult(conn);
        PQclear(PQgetResult(conn));
        for (k = 0; k < 4; k++) {
            if (!(r = PQgetResult(conn)))
                continue;
            if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
                PQclear(r);
                break;
            }
            if (PQresultStatus(r) == PGRES_FATAL_ERROR && exec &&
                PQresultStatus(exec) != PGRES_FATAL_ERROR) {
                PQclear(exec);
                exec = r;
            } else
                PQclear(r);
        }
    }
    if (PQexitPipelineMode(conn) != 1) {
        /* results still unread: this connection cannot run another statement */
        log_warn("database: the connection is left in pipeline mode: %s", PQerrorMessage(conn));
        PQclear(prep);
        PQclear(exec);
        db_close();
        return NULL;
    }
    if (prep && PQresultStatus(prep) == PGRES_COMMAND_OK) {
        prepared[nprepared++] = sql;
        PQclear(prep);
        return exec;
    }
    PQclear(exec); /* PGRES_PIPELINE_ABORTED: the error is the Parse's */
    return prep;
}

enum db_status
db_exec(const char *conninfo, const char *sql, int nparams, const char *const *params,
        const int *lens, const int *binary, PGresult **res)
{
    enum db_status st = DB_UNAVAILABLE;
    PGresult *r = NULL;
    const char *state = NULL;

    *res = NULL;
    if (db_ready(conninfo) < 0)
        goto out;
    r = exec_prepared(sql, nparams, params, lens, binary);
    state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    /* Our prepared statement is gone (DISCARD ALL, a pooler): the Bind failed, so
     * nothing ran, and preparing again is safe. */
    if (state && strcmp(state, "26000") == 0) {
        PQclear(r);
        nprepared = 0;
        r = exec_prepared(sql, nparams, params, lens, binary);
        state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    }
    if (r && (PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK)) {
        *res = r;
        r = NULL;
        st = DB_OK;
    } else if (PQstatus(conn) == CONNECTION_BAD) {
        /* Lost after the statement was sent: it may have committed, so it is not sent
         * again (a retried create would collide with itself, a retried one-time
         * decision would answer gone). The next call reconnects. */
        log_warn("database: connection lost during a statement: %s", PQerrorMessage(conn));
    } else {
        /* Only the primary message and the SQLSTATE: the DETAIL of a constraint error
         * quotes the failing row, which can hold personal data. */
        st = db_classify(state);
        log_error("database: %s [%s]",
                  r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : "no result",
                  state ? state : "-");
    }
out:
    PQclear(r);
    return st;
}

void
db_close(void)
{
    PQfinish(conn);
    conn = NULL;
    nprepared = 0;
}
