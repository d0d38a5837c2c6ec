/* db.h - one PGconn per process, bound parameters only. */
#ifndef QRSHARE_DB_H
#define QRSHARE_DB_H

#include <libpq-fe.h>
#include "util.h"

enum db_status {
    DB_OK = 0,
    DB_UNAVAILABLE, /* cannot connect, connection lost, lock or statement timeout */
    DB_CONSTRAINT,  /* SQLSTATE class 23 or a raise_exception (P0001) from a trigger */
    DB_ERROR,       /* anything else */
};

/* Runs one statement with text parameters (NULL = SQL NULL) and an optional binary
 * parameter mask: binary[i] != 0 means params[i] is lens[i] raw bytes (bytea).
 * The process keeps one connection, opened with conninfo (borrowed) when there is
 * none. sql must be a string that lives as long as the process (a static): it is
 * prepared once per connection, named by its address, and executed prepared
 * afterwards.
 * A connection the server has closed while idle is replaced before anything is sent.
 * Once the statement has been sent it is never sent again: it may have committed, so
 * a connection lost after that is DB_UNAVAILABLE (and replaced by the next call). A
 * connection left in a transaction gets ROLLBACK first. On DB_OK *res holds the
 * result (caller PQclear()s); otherwise *res is NULL and the detail went to the log. */
enum db_status db_exec(const char *conninfo, const char *sql, int nparams,
                       const char *const *params, const int *lens, const int *binary,
                       PGresult **res) WUR;

/* SQLSTATE -> enum db_status (exposed for tests). */
enum db_status db_classify(const char *sqlstate);

/* Closes the connection. */
void db_close(void);

#endif
