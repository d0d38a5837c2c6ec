/* db.c - one PGconn per process; see db.h. */
#include <string.h>
#include "db.h"
#include "log.h"

#define MAX_PREPARED 16

static const char *db_conninfo = "";
static PGconn *conn;
/* The statements prepared on this connection, by the address of their text: callers
 * pass static strings, so an address names one statement. */
static const char *prepared[MAX_PREPARED];
static int nprepared;

/* Opens the connection if there is none, and repairs one a pooler or a failed
 * statement left in a bad state. 0 / -1. */
static int
db_ready(void)
{
    PGresult *res = NULL;

    if (conn && PQstatus(conn) != CONNECTION_OK) {
        PQreset(conn);
        nprepared = 0; /* a new session knows none of them */
    }
    if (!conn) {
        /* connect_timeout first, so that a value in the conf overrides it: a server
         * that does not answer must become a 503, not a hung request. */
        const char *const keys[] = {"connect_timeout", "dbname", NULL};
        const char *const vals[] = {"2", db_conninfo, NULL};
        conn = PQconnectdbParams(keys, vals, 1);
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        log_error("database: cannot connect: %s", PQerrorMessage(conn));
        PQfinish(conn);
        conn = NULL;
        nprepared = 0;
        return -1;
    }
    if (PQtransactionStatus(conn) == PQTRANS_INERROR ||
        PQtransactionStatus(conn) == PQTRANS_INTRANS) {
        res = PQexec(conn, "ROLLBACK");
        PQclear(res);
    }
    return 0;
}

void
db_init(const char *conninfo)
{
    db_conninfo = conninfo ? conninfo : "";
}

enum db_status
db_classify(const char *sqlstate)
{
    if (!sqlstate || strlen(sqlstate) != 5)
        return DB_ERROR;
    if (strncmp(sqlstate, "23", 2) == 0 || strcmp(sqlstate, "P0001") == 0)
        return DB_CONSTRAINT;
    /* connection exceptions, shutdown, too many connections, cannot connect now */
    if (strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "57P", 3) == 0 ||
        strcmp(sqlstate, "53300") == 0)
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
    PGresult *prep = NULL, *exec = NULL, *sync = NULL;
    char name[16];
    int i;

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
        /* each result is followed by a NULL; then the sync */
        prep = PQgetResult(conn);
        PQclear(PQgetResult(conn));
        exec = PQgetResult(conn);
        PQclear(PQgetResult(conn));
        sync = PQgetResult(conn);
    }
    PQexitPipelineMode(conn);
    PQclear(sync);
    if (prep && PQresultStatus(prep) == PGRES_COMMAND_OK) {
        prepared[nprepared++] = sql;
        PQclear(prep);
        return exec;
    }
    PQclear(exec); /* PGRES_PIPELINE_ABORTED: the error is the Parse's */
    return prep;
}

enum db_status
db_exec(const char *sql, int nparams, const char *const *params, const int *lens, const int *binary,
        PGresult **res)
{
    enum db_status st = DB_ERROR;
    PGresult *r = NULL;
    int attempt;

    *res = NULL;
    for (attempt = 0; attempt < 2; attempt++) {
        if (db_ready() < 0) {
            st = DB_UNAVAILABLE;
            goto out;
        }
        r = exec_prepared(sql, nparams, params, lens, binary);
        if (r && (PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK)) {
            *res = r;
            r = NULL;
            st = DB_OK;
            goto out;
        }
        /* Our prepared statements are gone (DISCARD ALL, a pooler): prepare again. */
        if (r && PQresultErrorField(r, PG_DIAG_SQLSTATE) &&
            strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "26000") == 0 && attempt == 0) {
            nprepared = 0;
            PQclear(r);
            r = NULL;
            continue;
        }
        /* A broken connection (server restarted, network) gets one reset and retry:
         * each statement is one transaction, so a retry cannot apply it twice unless
         * the break came after the commit, which the unique keys then refuse. */
        if (PQstatus(conn) == CONNECTION_BAD) {
            log_warn("database: connection lost, reconnecting: %s", PQerrorMessage(conn));
            PQclear(r);
            r = NULL;
            st = DB_UNAVAILABLE;
            continue;
        }
        /* Only the primary message and the SQLSTATE: the DETAIL of a constraint error
         * quotes the failing row, which can hold personal data. */
        st = db_classify(r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL);
        log_error("database: %s [%s]",
                  r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : "no result",
                  r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : "-");
        goto out;
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
