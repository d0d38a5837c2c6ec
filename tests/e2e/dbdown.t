#!/usr/bin/env bash
# Database faults (DESIGN §2, §3): with PostgreSQL stopped every endpoint answers 503
# "unavailable" with Retry-After, quickly; once it is back the same running executables
# answer normally, without being restarted.
. "$(dirname "$0")/lib.sh"
plan 42

EXECUTABLES=(token session-create session-status session-information session-update
    session-decision session-refresh session-cancel session-qr)
PG_DOWN=
# Later tests share this PostgreSQL: it is started again however this test ends.
pg_back() {
    if [ -n "$PG_DOWN" ] || [ ! -f "$QRSHARE_STATE/pgdata/postmaster.pid" ]; then
        "$QRSHARE_TOP/bootstrap" pg-start "$QRSHARE_STATE" && PG_DOWN=
    fi
}
trap 'pg_back; rm -rf "$tmp"' EXIT

# treq like req, and TIME: the seconds the request took (curl's time_total).
treq() {
    local method=$1 path=$2 out
    shift 2
    out=$(curl -s -o "$tmp/b" -D "$tmp/h" -w '%{http_code} %{time_total}' --max-time 10 \
        -X "$method" "$@" "$QRSHARE_URL$path") || out="000 10"
    STATUS=${out% *} TIME=${out#* }
    BODY=$(cat "$tmp/b" 2>/dev/null)
}

ALICE=$(user_token alice)
API="X-Api-Key: $QRSHARE_CLIENT_SECRET"
BASIC="Authorization: Basic $(basic "$QRSHARE_CLIENT_ID" "$QRSHARE_CLIENT_SECRET")"
CONFIRM='{"status":"confirmed","user_data":{"email":{"email":"alice@example.org","is_verified":false,"is_primary":true}}}'

# One session per endpoint, each in the state its request needs; every request below is
# one that reaches the database (well-formed, with valid credentials).
create; ST_SID=$SID ST_TOKEN=$STOKEN
create; QR_SID=$SID QR_TOKEN=$STOKEN
create; REF_SID=$SID
create; CAN_SID=$SID
create; INFO_TOKEN=$STOKEN
create; UPD_TOKEN=$STOKEN
information "$UPD_TOKEN" "$ALICE"
create; DEC_SID=$SID
information "$STOKEN" "$ALICE"
update "$STOKEN" "$ALICE" "$CONFIRM"
is "200 confirmed" "$STATUS $(j .status)" "setup: sessions for every endpoint"

# endpoint NAME: the request of endpoint NAME (timed).
endpoint() {
    case $1 in
        token) treq POST /auth/v2/token/ -H "$BASIC" --data grant_type=client_credentials ;;
        session-create) treq POST /auth/v2/session/ -H "$API" -H 'Content-Type: application/json' --data '{"scope":"email"}' ;;
        session-status) treq GET "/auth/v2/session/$ST_SID/status/" -H "Data-Session-Token: $ST_TOKEN" ;;
        session-information) treq GET "/auth/v2/session/$INFO_TOKEN/information/" -H "Authorization: Bearer $ALICE" ;;
        session-update) treq POST "/auth/v2/session/$UPD_TOKEN/update/" -H "Authorization: Bearer $ALICE" \
            -H 'Content-Type: application/json' --data "$CONFIRM" ;;
        session-decision) treq GET "/auth/v2/session/$DEC_SID/decision/" -H "$API" ;;
        session-refresh) treq POST "/auth/v2/session/$REF_SID/refresh/" -H "$API" --data '' ;;
        session-cancel) treq DELETE "/auth/v2/session/$CAN_SID/" -H "$API" ;;
        session-qr) treq GET "/auth/v2/session/$QR_SID/qr.svg?token=$QR_TOKEN" ;;
    esac
}

declare -A BEFORE
for e in "${EXECUTABLES[@]}"; do BEFORE[$e]=$(pids "$e"); done

# --- PostgreSQL stopped ----------------------------------------------------------------
PG_DOWN=1
"$QRSHARE_TOP/bootstrap" pg-stop "$QRSHARE_STATE"
ok '! sql "SELECT 1"' "PostgreSQL is stopped"

LEAKS=
for e in "${EXECUTABLES[@]}"; do
    endpoint "$e"
    is "503 unavailable" "$STATUS $(j .error)" "db down: $e answers 503 unavailable"
    ok '[[ $(header Retry-After) =~ ^[1-9][0-9]*$ ]]' "db down: $e sends Retry-After"
    ok 'awk -v t="$TIME" "BEGIN { exit !(t < 2) }"' "db down: $e answers within 2 s (${TIME} s)"
    grep -qiE 'postgres|PGSQL|socket|connect|/tmp|FATAL' <<<"$BODY" && LEAKS+="$e "
done
is "" "$LEAKS" "db down: no answer names the database, its socket or the error"

# --- PostgreSQL back --------------------------------------------------------------------
"$QRSHARE_TOP/bootstrap" pg-start "$QRSHARE_STATE" && PG_DOWN=
ok 'sql "SELECT 1"' "PostgreSQL is back"

# Each child holds a connection that broke, or none after a 503: both must recover.
CODES=
for i in 1 2 3 4; do
    endpoint session-status
    CODES+="$STATUS "
done
is "200 200 200 200 " "$CODES" "db back: status polls answer 200 again"
endpoint token
is "200 Bearer" "$STATUS $(j .token_type)" "db back: token"
endpoint session-create
is "201 initialized" "$STATUS $(j .status)" "db back: create"
endpoint session-status
is "200 initialized" "$STATUS $(j .status)" "db back: status"
endpoint session-information
is "200 retrieved" "$STATUS $(j .status)" "db back: information"
endpoint session-update
is "200 confirmed" "$STATUS $(j .status)" "db back: update"
endpoint session-decision
is "200 alice@example.org" "$STATUS $(j .user_data.email.email)" "db back: decision"
endpoint session-refresh
is "200 $REF_SID" "$STATUS $(j .session_id)" "db back: refresh"
endpoint session-cancel
is "200 cancelled" "$STATUS $(j .status)" "db back: cancel"
endpoint session-qr
is "200 image/svg+xml" "$STATUS $(header Content-Type)" "db back: qr"

SAME=yes
for e in "${EXECUTABLES[@]}"; do
    # shellcheck disable=SC2086
    if [ "$(pids "$e")" != "${BEFORE[$e]}" ] || ! all_alive ${BEFORE[$e]}; then
        SAME="no: $e was ${BEFORE[$e]}, is $(pids "$e")"
    fi
done
is yes "$SAME" "db back: the same processes answered, none was restarted"

done_testing
