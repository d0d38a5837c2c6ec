/* race-t.c - races between two real connections, settled by the database.
 *
 * Each race runs RUNS times, each time on a fresh retrieved session: connection A and
 * connection B send their UPDATE of that session at (nearly) the same moment, without
 * waiting for each other (PQsendQueryParams on both, then PQgetResult on both). A winner
 * is a statement that changed the row: no error and one row updated. Every repetition
 * must have exactly one winner, and the session must end in the winner's status with one
 * audit event per change (created, retrieved, the winner's).
 *
 *   1. two confirms of the same session
 *   2. a confirm against the expiry, both sent around the instant of expires_at
 *   3. a confirm against a cancel
 *
 * Even repetitions guard each UPDATE with the status it expects (the loser then updates
 * no row); odd ones do not, so the loser reaches the triggers and is refused with 23514.
 * Needs QRSHARE_TEST_DB (a libpq conninfo); skips without it. It creates its own
 * application and deletes it, with its sessions, at the end.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libpq-fe.h>
#include <sodium.h>
#include "tap.h"

#define RUNS 200

/* One side of a race: the status it writes, its UPDATE with and without a guard. */
struct move {
    const char *status;
    const char *guarded;
    const char *unguarded;
};

static const struct move move_confirm = {
    "confirmed",
    "UPDATE qrshare.sessions SET status = 'confirmed', decided_at = statement_timestamp(),"
    " granted_scopes = '{email}' WHERE id = $1 AND status = 'retrieved'",
    "UPDATE qrshare.sessions SET status = 'confirmed', decided_at = statement_timestamp(),"
    " granted_scopes = '{email}' WHERE id = $1",
};

/* The guarded form is what qrshare.expire_sessions() does, for this one session. */
static const struct move move_expire = {
    "expired",
    "UPDATE qrshare.sessions SET status = 'expired' WHERE id = $1"
    " AND status IN ('initialized', 'retrieved') AND expires_at <= statement_timestamp()",
    "UPDATE qrshare.sessions SET status = 'expired' WHERE id = $1",
};

static const struct move move_cancel = {
    "cancelled",
    "UPDATE qrshare.sessions SET status = 'cancelled' WHERE id = $1"
    " AND status IN ('initialized', 'retrieved')",
    "UPDATE qrshare.sessions SET status = 'cancelled' WHERE id = $1",
};

enum { RACE_CONFIRMS, RACE_EXPIRY, RACE_CANCEL, NRACES };

static const struct race {
    const char *name;
    const struct move *a, *b;
    const char *lifetime; /* of the session */
} races[NRACES] = {
    [RACE_CONFIRMS] = {"two confirms of one session", &move_confirm, &move_confirm, "5 minutes"},
    [RACE_EXPIRY] = {"confirm against expiry at expires_at", &move_confirm, &move_expire,
                     "10 milliseconds"},
    [RACE_CANCEL] = {"confirm against cancel", &move_confirm, &move_cancel, "5 minutes"},
};

/* Per race: repetitions that broke a rule, and how the others went. */
struct tally {
    int bad;
    int won_a, won_b;   /* by connection */
    int lost_zero_rows; /* losers that matched no row (guarded) */
    int lost_refused;   /* losers refused by the database (23514) */
};

/* Creates a session and retrieves it in one statement, so that both happen at the same
 * statement_timestamp() however short its lifetime; returns the microseconds left until
 * its expires_at, measured on the database clock as the statement ends. */
static const char race_session_sql[] =
    "CREATE FUNCTION pg_temp.race_session(p_app uuid, p_life interval,"
    "                                     OUT session_id uuid, OUT remaining_us bigint)"
    " LANGUAGE plpgsql AS $$"
    " DECLARE v_expires timestamptz;"
    " BEGIN"
    "   INSERT INTO qrshare.sessions AS s"
    "          (application_id, token_hash, requested_scopes, expires_at)"
    "   VALUES (p_app, public.gen_random_bytes(32), '{email,names}',"
    "           statement_timestamp() + p_life)"
    "   RETURNING s.id, s.expires_at INTO session_id, v_expires;"
    "   UPDATE qrshare.sessions s SET status = 'retrieved', retrieved_at = statement_timestamp(),"
    "          user_iss = 'https://race-t.invalid', user_sub = 'racer'"
    "    WHERE s.id = session_id;"
    "   remaining_us := (extract(epoch FROM v_expires - clock_timestamp()) * 1e6)::bigint;"
    " END $$";

static long long
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
sleep_until_us(long long t)
{
    struct timespec ts = {.tv_sec = t / 1000000, .tv_nsec = (t % 1000000) * 1000};

    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
        ;
}

/* diag() for problems, up to a limit, each on one line: a broken database should not
 * bury the summary under a thousand lines. */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
note(const char *fmt, ...)
{
    static int notes;
    char buf[512], *nl;
    va_list ap;

    if (notes++ == 30)
        diag("(further problems not shown)");
    if (notes > 30)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    while ((nl = strchr(buf, '\n')) != NULL)
        *nl = ' ';
    diag("%s", buf);
}

/* Runs sql with the given text parameters; returns the result when its status is want,
 * else logs the error, clears it and returns NULL. */
static PGresult *
query(PGconn *c, ExecStatusType want, const char *sql, int n, const char *const *params)
{
    PGresult *res = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);

    if (PQresultStatus(res) != want) {
        note("query failed: %s %s", PQresStatus(PQresultStatus(res)),
             PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
        PQclear(res);
        return NULL;
    }
    return res;
}

/* Collects the result of one statement sent with PQsendQueryParams: 1 when it changed
 * the row, 0 when it lost (no row, or refused with 23514); -1 on anything else. */
static int
collect(PGconn *c, struct tally *t)
{
    PGresult *res;
    int outcome = -1, got = 0;

    while ((res = PQgetResult(c)) != NULL) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

        if (got++ > 0) {
            outcome = -1; /* one statement, one result */
        } else if (PQresultStatus(res) == PGRES_COMMAND_OK) {
            if (strcmp(PQcmdTuples(res), "1") == 0) {
                outcome = 1;
            } else if (strcmp(PQcmdTuples(res), "0") == 0) {
                outcome = 0;
                t->lost_zero_rows++;
            }
        } else if (state && strcmp(state, "23514") == 0) {
            outcome = 0;
            t->lost_refused++;
        } else {
            note("unexpected outcome: %s %s %s", PQresStatus(PQresultStatus(res)),
                 state ? state : "", PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
        }
        PQclear(res);
    }
    return outcome;
}

/* One repetition of race r. Returns 1 when it had exactly one winner and the session
 * ended consistent with it; 0 otherwise (with a diagnostic). */
static int
race_once(PGconn *a, PGconn *b, const char *app, int r, int rep, struct tally *t)
{
    const struct race *race = &races[r];
    const char *params[2] = {app, race->lifetime};
    const char *sql_a, *sql_b;
    PGresult *res = NULL;
    char id[64];
    long long start, at_a, at_b;
    int out_a, out_b, ok_ = 0, sent;
    const struct move *winner;

    res = query(a, PGRES_TUPLES_OK,
                "SELECT session_id, remaining_us FROM pg_temp.race_session($1, $2)", 2, params);
    if (!res)
        goto out;
    start = now_us();
    snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
    if (r == RACE_EXPIRY) {
        /* The expiry goes just after expires_at, so its statement is past due; the
         * confirm anywhere from 2 ms before to 1 ms after: early ones should win, late
         * ones must lose, and those near the instant race for the row lock. */
        long long expires = start + atoll(PQgetvalue(res, 0, 1));

        at_a = expires - 2000 + (long long)randombytes_uniform(3000);
        at_b = expires + 200;
    } else {
        /* Both at once; who sends first alternates. */
        at_a = at_b = start;
        if (rep % 4 >= 2)
            at_a++;
        else
            at_b++;
    }
    PQclear(res);
    res = NULL;

    sql_a = rep % 2 == 0 ? race->a->guarded : race->a->unguarded;
    sql_b = rep % 2 == 0 ? race->b->guarded : race->b->unguarded;
    params[0] = id;
    for (sent = 0; sent < 2; sent++) {
        int first_a = at_a <= at_b;
        PGconn *c = (sent == 0) == first_a ? a : b;

        sleep_until_us((sent == 0) == first_a ? at_a : at_b);
        if (!PQsendQueryParams(c, c == a ? sql_a : sql_b, 1, NULL, params, NULL, NULL, 0)) {
            note("send failed: %s", PQerrorMessage(c));
            goto out;
        }
    }
    out_a = collect(a, t);
    out_b = collect(b, t);
    if (out_a < 0 || out_b < 0 || out_a + out_b != 1) {
        note("%s, run %d: %d winner(s) (A %d, B %d)", race->name, rep, out_a + out_b, out_a, out_b);
        goto out;
    }
    winner = out_a ? race->a : race->b;
    if (out_a)
        t->won_a++;
    else
        t->won_b++;

    res = query(a, PGRES_TUPLES_OK,
                "SELECT s.status, (SELECT count(*) FROM qrshare.session_events e"
                "                   WHERE e.session_id = s.id),"
                "       (SELECT string_agg(coalesce(e.from_status, '-') || '>' || e.to_status,"
                "                          ' ' ORDER BY e.id)"
                "          FROM qrshare.session_events e WHERE e.session_id = s.id)"
                "  FROM qrshare.sessions s WHERE s.id = $1",
                1, params);
    if (!res)
        goto out;
    {
        char trail[128];

        /* creation shows as "-" (from NULL) */
        snprintf(trail, sizeof trail, "->initialized initialized>retrieved retrieved>%s",
                 winner->status);
        if (strcmp(PQgetvalue(res, 0, 0), winner->status) != 0 ||
            strcmp(PQgetvalue(res, 0, 1), "3") != 0 || strcmp(PQgetvalue(res, 0, 2), trail) != 0) {
            note("%s, run %d: %s won but the session is %s with events [%s]", race->name, rep,
                 winner->status, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 2));
            goto out;
        }
    }
    ok_ = 1;
out:
    PQclear(res);
    if (!ok_) {
        /* leave both connections idle for the next run */
        while ((res = PQgetResult(a)) != NULL)
            PQclear(res);
        while ((res = PQgetResult(b)) != NULL)
            PQclear(res);
        t->bad++;
    }
    return ok_;
}

static PGconn *
connect_db(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *res = NULL;

    if (PQstatus(c) != CONNECTION_OK) {
        note("cannot connect: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    /* A race that deadlocked or hung must fail the test, not the build. */
    res = PQexec(c, "SET lock_timeout = '10s'; SET statement_timeout = '30s'");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        note("cannot set timeouts: %s", PQerrorMessage(c));
        PQclear(res);
        PQfinish(c);
        return NULL;
    }
    PQclear(res);
    return c;
}

int
main(void)
{
    const char *conninfo = getenv("QRSHARE_TEST_DB");
    PGconn *a = NULL, *b = NULL;
    PGresult *res = NULL, *res2;
    struct tally tallies[NRACES];
    char app[64] = "";
    const char *params[1];
    int r, rep, setup = 0;
    long long began;

    if (!conninfo || !*conninfo)
        skip_all("QRSHARE_TEST_DB is not set");
    if (sodium_init() < 0)
        skip_all("libsodium cannot start");
    plan(1 + NRACES);
    memset(tallies, 0, sizeof tallies);

    a = connect_db(conninfo);
    b = a ? connect_db(conninfo) : NULL;
    if (!b)
        goto setup_done;
    /* (the application is read back by a second statement: the first one's snapshot
     * does not see what the function inserted) */
    res = query(a, PGRES_TUPLES_OK,
                "SELECT client_id FROM qrshare.add_application('race-t', 'race-t.invalid',"
                "                                             ARRAY['email', 'names'])",
                0, NULL);
    if (!res || PQntuples(res) != 1)
        goto setup_done;
    params[0] = PQgetvalue(res, 0, 0);
    res2 = query(a, PGRES_TUPLES_OK, "SELECT id FROM qrshare.applications WHERE client_id = $1", 1,
                 params);
    PQclear(res);
    res = res2;
    if (!res || PQntuples(res) != 1)
        goto setup_done;
    snprintf(app, sizeof app, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    res = query(a, PGRES_COMMAND_OK, race_session_sql, 0, NULL);
    if (!res)
        goto setup_done;
    PQclear(res);
    res = NULL;
    setup = 1;
setup_done:
    if (!ok(setup, "two connections, an application and a way to make sessions")) {
        for (r = 0; r < NRACES; r++)
            ok(0, "%s (not run)", races[r].name);
        goto out;
    }

    began = now_us();
    for (r = 0; r < NRACES; r++) {
        struct tally *t = &tallies[r];

        for (rep = 0; rep < RUNS; rep++)
            race_once(a, b, app, r, rep, t);
        diag("%s: %d runs, won by A (%s) %d, by B (%s) %d; losers: %d matched no row, %d "
             "refused (23514)",
             races[r].name, RUNS, races[r].a->status, t->won_a, races[r].b->status, t->won_b,
             t->lost_zero_rows, t->lost_refused);
        ok(t->bad == 0, "%s: exactly one winner in each of %d runs (%d broke)", races[r].name, RUNS,
           t->bad);
    }
    diag("%d races in %.1f s", NRACES * RUNS, (double)(now_us() - began) / 1e6);

out:
    if (a && *app) {
        params[0] = app;
        PQclear(res);
        res = query(a, PGRES_COMMAND_OK, "DELETE FROM qrshare.sessions WHERE application_id = $1",
                    1, params);
        if (res) {
            PQclear(res);
            res = query(a, PGRES_COMMAND_OK, "DELETE FROM qrshare.applications WHERE id = $1", 1,
                        params);
        }
        if (!res)
            note("could not delete the race application %s", app);
    }
    PQclear(res);
    PQfinish(a);
    PQfinish(b);
    return done_testing();
}
