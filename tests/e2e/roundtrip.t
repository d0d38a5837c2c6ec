#!/usr/bin/env bash
# One database round trip per request (DESIGN §3): for each endpoint, N requests through
# lighttpd make exactly N statements, counted in the log of the stack's PostgreSQL with
# log_statement = all (see stmt_log_on in lib.sh); a request refused before the database
# makes none.
. "$(dirname "$0")/lib.sh"
plan 33
trap 'stmt_log_off; rm -rf "$tmp"' EXIT

N=5
ALICE=$(user_token alice)
API="X-Api-Key: $QRSHARE_CLIENT_SECRET"
pglog=$QRSHARE_STATE/postgres.log
pglog_start=$(stat -c %s "$pglog")

# counted DESC ERE: N statements since the last stmt_mark, every one of them matching ERE
# (the endpoint's SQL function).
counted() {
    local total mine
    total=$(stmt_count) mine=$(stmt_count "$2")
    is "$N $N" "$total $mine" "$1: $N requests, $N statements, each one call of ${2//\\/}"
    [ "$total $mine" = "$N $N" ] || stmt_diag
}

# statuses WANT DESC: every request of the last loop answered WANT.
statuses() {
    is "$(printf "$1 %.0s" $(seq $N))" "$CODES" "$2: $N requests answered $1"
}

# Sessions prepared before counting: several per endpoint that changes their state.
create
STATUS_SID=$SID STATUS_TOKEN=$STOKEN
create
QR_SID=$SID QR_TOKEN=$STOKEN
create '{"scope":"email","expires_in":600}'
REFRESH_SID=$SID
INFO_TOKENS=() UPDATE_TOKENS=() DECISION_SIDS=() CANCEL_SIDS=() CODES=
for i in $(seq $N); do
    create '{"scope":"email"}'
    INFO_TOKENS+=("$STOKEN")
    create '{"scope":"email"}'
    UPDATE_TOKENS+=("$STOKEN") DECISION_SIDS+=("$SID")
    information "$STOKEN" "$ALICE"
    CODES+="$STATUS "
    create '{"scope":"email"}'
    CANCEL_SIDS+=("$SID")
done
statuses 200 "setup: sessions created and retrieved"

# From here on the server logs every statement; a status poll shows when it does.
stmt_log_on
probe() {
    stmt_mark
    req GET "/auth/v2/session/$STATUS_SID/status/" -H "Data-Session-Token: $STATUS_TOKEN"
    [ "$(stmt_count)" -gt 0 ]
}
wait_for probe
sleep 0.2 # every backend has had its SIGHUP by now: the probe's did
STMT_LOG_FROM=$(stat -c %s "$pglog")

# --- each endpoint: N requests, N statements ------------------------------------------

stmt_mark
CODES=
for i in $(seq $N); do
    req POST /auth/v2/token/ -H "Authorization: Basic $(basic "$QRSHARE_CLIENT_ID" "$QRSHARE_CLIENT_SECRET")" \
        --data grant_type=client_credentials
    CODES+="$STATUS "
done
statuses 200 token
counted token 'qrshare\.api_token\('

stmt_mark
CODES=
for i in $(seq $N); do
    create '{"scope":"email names"}'
    CODES+="$STATUS "
done
statuses 201 create
counted create 'qrshare\.api_create\('

stmt_mark
CODES=
for i in $(seq $N); do
    req GET "/auth/v2/session/$STATUS_SID/status/" -H "Data-Session-Token: $STATUS_TOKEN"
    CODES+="$STATUS "
done
statuses 200 status
counted status 'qrshare\.api_status\('

stmt_mark
CODES=
for t in "${INFO_TOKENS[@]}"; do
    information "$t" "$ALICE"
    CODES+="$STATUS "
done
statuses 200 information
counted information 'qrshare\.api_information\('

stmt_mark
CODES=
for t in "${UPDATE_TOKENS[@]}"; do
    update "$t" "$ALICE" '{"status":"confirmed","user_data":{"email":{"email":"alice@example.org","is_verified":false,"is_primary":true}}}'
    CODES+="$STATUS "
done
statuses 200 update
counted update 'qrshare\.api_update\('

stmt_mark
CODES=
for s in "${DECISION_SIDS[@]}"; do
    req GET "/auth/v2/session/$s/decision/" -H "$API"
    CODES+="$STATUS "
done
statuses 200 decision
counted decision 'qrshare\.api_decision\('

stmt_mark
CODES=
for i in $(seq $N); do
    req POST "/auth/v2/session/$REFRESH_SID/refresh/" -H "$API" --data ''
    CODES+="$STATUS "
done
statuses 200 refresh
counted refresh 'qrshare\.api_refresh\('

stmt_mark
CODES=
for s in "${CANCEL_SIDS[@]}"; do
    req DELETE "/auth/v2/session/$s/" -H "$API"
    CODES+="$STATUS "
done
statuses 200 cancel
counted cancel 'qrshare\.api_cancel\('

stmt_mark
CODES=
for i in $(seq $N); do
    req GET "/auth/v2/session/$QR_SID/qr.svg?token=$QR_TOKEN"
    CODES+="$STATUS "
done
statuses 200 qr
counted qr 'qrshare\.api_status\('

stmt_mark
CODES=
for i in $(seq $N); do
    req OPTIONS "/auth/v2/session/$STATUS_SID/status/" -H 'Origin: https://elsewhere.example'
    CODES+="$STATUS "
done
statuses 403 preflight
counted preflight 'qrshare\.api_preflight\('

# --- error paths: at most one statement ----------------------------------------------

stmt_mark
CODES=
for i in $(seq $N); do
    req GET "/auth/v2/session/$(cat /proc/sys/kernel/random/uuid)/status/" -H "$API"
    CODES+="$STATUS "
done
statuses 404 "status of an unknown session"
ok '[ "$(stmt_count)" -le $N ]' "status of an unknown session: at most one statement per request" || stmt_diag

stmt_mark
CODES=
for s in "${DECISION_SIDS[@]}"; do
    req GET "/auth/v2/session/$s/decision/" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET_2"
    CODES+="$STATUS "
done
statuses 404 "decision with another application's key"
ok '[ "$(stmt_count)" -le $N ]' "decision with another application's key: at most one statement per request"

stmt_mark
ETAG=
req GET "/auth/v2/session/$STATUS_SID/status/" -H "Data-Session-Token: $STATUS_TOKEN"
ETAG=$(header ETag)
CODES=
for i in $(seq $N); do
    req GET "/auth/v2/session/$STATUS_SID/status/" -H "Data-Session-Token: $STATUS_TOKEN" -H "If-None-Match: $ETAG"
    CODES+="$STATUS "
done
statuses 304 "status with If-None-Match"
is $((N + 1)) "$(stmt_count)" "status 304: one statement per request"

# --- refused before the database: no statement ---------------------------------------

stmt_mark
CODES=
for path in status/ decision/ refresh/ qr.svg; do
    m=GET
    [ "$path" = refresh/ ] && m=POST
    req $m "/auth/v2/session/not-a-uuid/$path" -H "$API" -H "Data-Session-Token: $STATUS_TOKEN" --data ''

    CODES+="$STATUS "
done
req DELETE "/auth/v2/session/12345/" -H "$API"
CODES+="$STATUS "
information short-token "$ALICE"
CODES+="$STATUS "
update short-token "$ALICE" '{"status":"declined"}'
CODES+="$STATUS "
is "404 404 404 404 404 404 404 " "$CODES" "malformed ids and tokens: 404 on every endpoint that takes one"
is 0 "$(stmt_count)" "malformed ids and tokens: no statement"
[ "$(stmt_count)" = 0 ] || stmt_diag

stmt_mark
CODES=
create '{"scope":"email"}' not-a-secret
CODES+="$STATUS "
req POST /auth/v2/session/ -H 'Content-Type: application/json' --data '{"scope":"email"}'
CODES+="$STATUS "
req GET "/auth/v2/session/$STATUS_SID/status/"
CODES+="$STATUS "
information "${INFO_TOKENS[0]}" not-a-jwt
CODES+="$STATUS "
req PUT "/auth/v2/session/$STATUS_SID/status/" -H "$API"
CODES+="$STATUS "
req GET /auth/v2/token/
CODES+="$STATUS "
is "401 401 401 401 405 405 " "$CODES" "malformed credentials and wrong methods: 401 and 405"
is 0 "$(stmt_count)" "malformed credentials and wrong methods: no statement"

# The schema check (lib/db.c) is one statement per new connection, not per request: at
# most one for each executable's process (9 endpoints, the stack's children each).
CHECKS=$(stmt_schema_checks "$STMT_LOG_FROM")
ok '[ "$CHECKS" -le $((9 * $(cat "$QRSHARE_STATE/sockets/children"))) ]' \
    "the schema check: at most once per process and connection, not per request ($CHECKS for all of the above)"

# A statement that fails is not in pg_stat_statements; the server log has it.
ok '! tail -c +$((pglog_start + 1)) "$pglog" | grep -q "ERROR:"' "no statement failed in the server meanwhile"

done_testing
