/* fcgi-select - the ceiling of the status endpoint, for bench/run: a trivial FastCGI
 * program that makes the status endpoint's one database call (the text of sql_status in
 * lib/browser.c: qrshare.api_status, the same bound parameters, as the same role) and
 * answers a small JSON. No config file, no JSON library, no logging: what is left is
 * lighttpd + FastCGI + libpq + PostgreSQL running the product's function.
 *
 *   GET /bench/<route>/{session_id}/status/   Data-Session-Token: <session token>
 *
 * Environment: BENCH_CONNINFO (libpq conninfo; bench/run gives it the executables' role,
 * qrshare_api); BENCH_PREPARED=1 prepares the statement once per connection (as the
 * product does) instead of PQexecParams (which parses and plans it every time). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcgiapp.h>
#include <libpq-fe.h>
#include <sodium.h>

/* Keep in step with sql_status in lib/browser.c. $3, $4 (the app credential) and $5
 * (Origin) are NULL, as a browser's poll from the page of the QR code sends them. */
static const char sql_status[] = "SELECT code, status, expires_at, expires_epoch, cors"
                                 " FROM qrshare.api_status($1, $2, $3, $4, $5)";

#define PREFIX "/bench/"
#define PURPOSE "qrshare session token"

static PGconn *conn;
static int prepared;

static int
db_ready(void)
{
    PGresult *res;

    if (conn && PQstatus(conn) == CONNECTION_OK)
        return 0;
    PQfinish(conn);
    conn = PQconnectdb(getenv("BENCH_CONNINFO") ? getenv("BENCH_CONNINFO") : "");
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "fcgi-select: %s", PQerrorMessage(conn));
        return -1;
    }
    if (prepared) {
        res = PQprepare(conn, "status", sql_status, 5, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            fprintf(stderr, "fcgi-select: prepare: %s", PQerrorMessage(conn));
        PQclear(res);
    }
    return 0;
}

static void
answer(FCGX_Request *r, int status, const char *body)
{
    char head[256];
    int n;

    /* (snprintf: FCGX_FPrintF knows no %zu) */
    n = snprintf(head, sizeof head,
                 "Status: %d\r\nCache-Control: no-store\r\n"
                 "Content-Type: application/json; charset=utf-8\r\nContent-Length: %zu\r\n\r\n",
                 status, strlen(body));
    FCGX_PutStr(head, n, r->out);
    FCGX_PutStr(body, (int)strlen(body), r->out);
}

static void
serve(FCGX_Request *r)
{
    const char *uri = FCGX_GetParam("REQUEST_URI", r->envp);
    const char *token = FCGX_GetParam("HTTP_DATA_SESSION_TOKEN", r->envp);
    const char *v[5] = {NULL, NULL, NULL, NULL, NULL};
    int len[5] = {0, 32, 0, 0, 0}, bin[5] = {0, 1, 0, 0, 0};
    unsigned char th[32];
    char id[64], body[256];
    crypto_auth_hmacsha256_state st;
    PGresult *res = NULL;
    size_t n;

    /* /bench/<route>/{session_id}/status/ */
    if (!uri || strncmp(uri, PREFIX, sizeof PREFIX - 1) != 0 || !token ||
        !(uri = strchr(uri + sizeof PREFIX - 1, '/'))) {
        answer(r, 404, "{\"error\":\"not_found\"}");
        goto out;
    }
    n = strcspn(++uri, "/?");
    if (n == 0 || n >= sizeof id) {
        answer(r, 404, "{\"error\":\"not_found\"}");
        goto out;
    }
    memcpy(id, uri, n);
    id[n] = '\0';
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)PURPOSE, strlen(PURPOSE));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)token, strlen(token));
    crypto_auth_hmacsha256_final(&st, th);
    v[0] = id;
    v[1] = (const char *)th;
    if (db_ready() < 0) {
        answer(r, 503, "{\"error\":\"unavailable\"}");
        goto out;
    }
    res = prepared ? PQexecPrepared(conn, "status", 5, v, len, bin, 0)
                   : PQexecParams(conn, sql_status, 5, NULL, v, len, bin, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        fprintf(stderr, "fcgi-select: %s", PQerrorMessage(conn));
        answer(r, 500, "{\"error\":\"server_error\"}");
        goto out;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "ok") != 0) {
        answer(r, 404, "{\"error\":\"not_found\"}");
        goto out;
    }
    snprintf(body, sizeof body,
             "{\"session_id\":\"%s\",\"status\":\"%s\",\"expires_at\":\"%s\",\"interval\":2}", id,
             PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
    answer(r, 200, body);
out:
    PQclear(res);
}

int
main(void)
{
    FCGX_Request r;

    signal(SIGPIPE, SIG_IGN);
    if (sodium_init() < 0)
        return 1;
    prepared = getenv("BENCH_PREPARED") && strcmp(getenv("BENCH_PREPARED"), "1") == 0;
    FCGX_Init();
    FCGX_InitRequest(&r, 0, 0);
    while (FCGX_Accept_r(&r) >= 0) {
        serve(&r);
        FCGX_Finish_r(&r);
    }
    PQfinish(conn);
    return 0;
}
