#!/usr/bin/env bash
# Row locks and the executables' role (issue 9): the executables connect as qrshare_api,
# which waits at most lock_timeout for a row lock. A request that meets a session locked
# for longer (an operator's psql, a long sweep) answers 503 "unavailable" with Retry-After
# within that bound, instead of piling up waiting processes; once the lock is gone the
# same request succeeds.
. "$(dirname "$0")/lib.sh"
plan 16

APP=qrshare-test-locks
# The lock must not outlive this test, however it ends: later tests use the session table.
unlock() {
    sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$APP'" >/dev/null
}
trap 'unlock; rm -rf "$tmp"' EXIT

api_sql() { psql -X -At -d "${QRSHARE_API_PSQL:-}" -c "$1"; }

# lock SID: a psql in the background, as the owner, holding SID's row lock for 15 s (far
# beyond any timeout of qrshare_api); returns once the lock is held.
lock() {
    PGAPPNAME=$APP psql -X -q -d "$QRSHARE_PSQL" -c BEGIN \
        -c "SELECT 1 FROM qrshare.sessions WHERE id = '$1' FOR UPDATE" \
        -c 'SELECT pg_sleep(15)' -c COMMIT >/dev/null 2>&1 &
    wait_for lock_held
}
lock_held() {
    [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$APP' AND wait_event = 'PgSleep'")" = 1 ]
}
lock_gone() {
    [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$APP'")" = 0 ]
}

# timed METHOD PATH [curl args...]: req, and SECS: how long it took, from date +%s.%N.
timed() {
    local t0
    t0=$(date +%s.%N)
    req "$@"
    SECS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
}

# within SECS LIMIT: SECS <= LIMIT.
within() { awk -v s="$1" -v l="$2" 'BEGIN { exit !(s <= l) }'; }

# --- the role --------------------------------------------------------------------------
ok '[ -n "${QRSHARE_API_PSQL:-}" ]' "the stack's env names QRSHARE_API_PSQL"
is "conninfo = ${QRSHARE_API_PSQL:-}" "$(awk '/^\[/ { db = ($0 == "[database]") } db && /^conninfo/' "$QRSHARE_STATE/qrshare.conf")" \
    "the executables' conninfo is QRSHARE_API_PSQL"
is "qrshare_api 0" "$(api_sql "SELECT current_user || ' ' || rolsuper::int FROM pg_roles WHERE rolname = current_user")" \
    "QRSHARE_API_PSQL logs in as qrshare_api, not a superuser"
isnt "$(sql 'SELECT current_user')" "$(api_sql 'SELECT current_user')" "qrshare_api is not the owner's login"

LOCK_TIMEOUT=$(api_sql 'SHOW lock_timeout')
STATEMENT_TIMEOUT=$(api_sql 'SHOW statement_timeout')
# In seconds: PostgreSQL reads its own spelling of a duration ("3s", "500ms") as an interval.
LOCK_S=$(sql "SELECT extract(epoch FROM interval '${LOCK_TIMEOUT:-0}')")
STMT_S=$(sql "SELECT extract(epoch FROM interval '${STATEMENT_TIMEOUT:-0}')")
ok 'awk -v l="$LOCK_S" "BEGIN { exit !(l > 0) }"' "qrshare_api has a lock_timeout ($LOCK_TIMEOUT)"
ok 'awk -v l="$LOCK_S" -v s="$STMT_S" "BEGIN { exit !(s > 0 && l < s) }"' \
    "qrshare_api has a statement_timeout ($STATEMENT_TIMEOUT), above lock_timeout: a lock wait ends as such"
LIMIT=$(awk -v l="$LOCK_S" 'BEGIN { print l + 2 }')

# --- a session whose row another transaction holds --------------------------------------
ALICE=$(user_token alice)
API="X-Api-Key: $QRSHARE_CLIENT_SECRET"
create
is 201 "$STATUS" "setup: a session"
OWN=$(sql "SELECT count(*) FROM pg_stat_activity WHERE usename = current_user AND backend_type = 'client backend' AND application_name NOT IN ('psql', '$APP')")
is 0 "$OWN" "no executable is connected as the owner"
lock "$SID"
ok lock_held "a psql holds the session's row lock"

timed GET "/auth/v2/session/$STOKEN/information/" -H "Authorization: Bearer $ALICE"
is "503 unavailable" "$STATUS $(j .error)" "information on a locked session: 503 unavailable"
ok '[[ $(header Retry-After) =~ ^[1-9][0-9]*$ ]]' "information on a locked session: Retry-After"
ok 'within "$SECS" "$LIMIT"' "information gives up within lock_timeout + 2 s ($SECS s, limit $LIMIT s)"

timed DELETE "/auth/v2/session/$SID/" -H "$API"
is "503 unavailable" "$STATUS $(j .error)" "cancel of a locked session: 503 unavailable, within $SECS s"
ok 'within "$SECS" "$LIMIT" && [[ $(header Retry-After) =~ ^[1-9][0-9]*$ ]]' \
    "cancel gives up within lock_timeout + 2 s, with Retry-After ($SECS s)"

# --- the lock released -------------------------------------------------------------------
unlock
wait_for lock_gone
information "$STOKEN" "$ALICE"
is "200 retrieved" "$STATUS $(j .status)" "lock released: the same information request answers 200"
req DELETE "/auth/v2/session/$SID/" -H "$API"
is "200 cancelled" "$STATUS $(j .status)" "lock released: the same cancel answers 200"

done_testing
