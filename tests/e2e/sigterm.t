#!/usr/bin/env bash
# SIGTERM (DESIGN §3, issue 3 item 1): an executable finishes the request in flight,
# then exits; an idle one exits at once. The request is held in flight by a row lock
# taken from psql, so that the signal surely arrives while it waits in PostgreSQL.
. "$(dirname "$0")/lib.sh"
plan 19

E=session-cancel
SOCK=$QRSHARE_STATE/sockets/$E.sock
LOG=$QRSHARE_STATE/logs/$E.log
LOCKER='' CURL='' FG=''
# Later tests need session-cancel: whatever happens here, it is running at the end.
cleanup() {
    local p
    for p in $LOCKER $CURL $FG; do kill "$p" 2>/dev/null; done
    # shellcheck disable=SC2046
    all_alive $(pids $E) || spawn $E
    rm -rf "$tmp"
}
trap cleanup EXIT

# lock SID SECONDS: a psql in the background holding SID's row lock for SECONDS; returns
# once the lock is held.
lock() {
    PGAPPNAME=qrshare-test-lock psql -X -q -d "$QRSHARE_PSQL" -c BEGIN \
        -c "SELECT 1 FROM qrshare.sessions WHERE id = '$1' FOR UPDATE" \
        -c "SELECT pg_sleep($2)" -c COMMIT >/dev/null 2>&1 &
    LOCKER=$!
    wait_for lock_held
}
lock_held() {
    [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'qrshare-test-lock' AND wait_event = 'PgSleep'")" = 1 ]
}

# cancel_in_background SID: DELETE the session; the answer goes to $tmp/c.status and
# $tmp/c.body; returns once the request waits for the row lock in PostgreSQL.
cancel_in_background() {
    rm -f "$tmp/c.status" "$tmp/c.body"
    curl -s -o "$tmp/c.body" -w '%{http_code}' --max-time 20 -X DELETE \
        -H "X-Api-Key: $QRSHARE_CLIENT_SECRET" "$QRSHARE_URL/auth/v2/session/$1/" >"$tmp/c.status" &
    CURL=$!
    wait_for cancel_waits
}
cancel_waits() {
    [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%api_cancel(%' AND backend_type = 'client backend' AND application_name <> 'psql'")" -ge 1 ]
}

# cancel_answer: ANSWER, the status and session status of the request started by
# cancel_in_background, once it is done (not in a subshell: curl is this shell's child).
cancel_answer() {
    wait "$CURL"
    CURL=
    ANSWER="$(cat "$tmp/c.status") $(jq -r .status "$tmp/c.body" 2>/dev/null)"
}

# --- SIGTERM to the children spawn-fcgi started ----------------------------------------
create
is 201 "$STATUS" "setup: a session"
OLD=$(pids $E)
ok '[ "$(wc -w <<<"$OLD")" -ge 2 ] && all_alive $OLD' "$E runs with ${OLD// /, } under spawn-fcgi"
log_from=$(stat -c %s "$LOG")

lock "$SID" 3
cancel_in_background "$SID"
ok 'alive $CURL && cancel_waits' "a cancel request is in flight, waiting for the row lock"
# shellcheck disable=SC2086
kill -TERM $OLD
# shellcheck disable=SC2086
wait_for eval '! all_alive $OLD' # the idle one
# shellcheck disable=SC2086
ok 'alive $CURL && ! all_alive $OLD && ! none_alive $OLD' \
    "after SIGTERM the idle child has exited, the busy one is still serving"
cancel_answer
is "200 cancelled" "$ANSWER" "the request in flight completes: 200 cancelled"
req GET "/auth/v2/session/$SID/status/" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"
is cancelled "$(j .status)" "the cancel was committed"
# shellcheck disable=SC2086
ok 'wait_for none_alive $OLD' "then every $E child has exited"
NEWLOG=$(tail -c +$((log_from + 1)) "$LOG")
ok '! grep -qiE "sanitizer|runtime error|segmentation|abort|core dump|signal|leak" <<<"$NEWLOG"' \
    "$E's log shows no crash"
[ -z "$NEWLOG" ] || sed 's/^/#   log: /' <<<"$NEWLOG"

# --- the exit status, with the executable as a child of this test --------------------
user=()
[ "$(id -u)" -eq 0 ] && user=(-u qrshare -g qrshare -U qrshare -G qrshare)
QRSHARE_CONF=$QRSHARE_STATE/qrshare.conf spawn-fcgi -n -s "$SOCK" -M 0660 "${user[@]}" \
    -- "$QRSHARE_BUILD/cgi-bin/$E" >/dev/null 2>>"$LOG" &
FG=$!
FG_EXE=$E
fg_ready() {
    [ "$(readlink "/proc/$FG/exe")" = "$(readlink -f "$QRSHARE_BUILD/cgi-bin/$FG_EXE")" ] && catches_sigterm "$FG"
}
wait_for fg_ready
create
lock "$SID" 1.5
cancel_in_background "$SID"
kill -TERM "$FG"
cancel_answer
is "200 cancelled" "$ANSWER" "spawn-fcgi -n: the request in flight completes"
rc=0
wait "$FG" || rc=$?
FG=
is 0 "$rc" "spawn-fcgi -n: the executable exits with status 0 after SIGTERM"

# --- SIGTERM while the request is still arriving ---------------------------------------
# lighttpd sends a request's records in one go, and its body once it has all of it;
# Apache's mod_proxy_fcgi, a web server on another host, or lighttpd with
# server.stream-request-body send them as they come. Here a FastCGI client (bash over
# TCP) stops half-way through a token request, the executable gets SIGTERM while it
# waits for the rest, then the rest arrives: the request must still be served, in full.

# fcgi_record TYPE CONTENT: one FastCGI record of request 1 on fd 3 (CONTENT: printf %b).
fcgi_record() {
    local len
    len=$(printf '%b' "$2" | wc -c)
    printf '%b' "$(printf '\\x01\\x%02x\\x00\\x01\\x%02x\\x%02x\\x00\\x00' "$1" $((len >> 8)) $((len & 255)))$2" >&3
}
# fcgi_params NAME=VALUE...: the escaped content of a PARAMS record (names and values < 128).
fcgi_params() {
    local kv k v out=
    for kv in "$@"; do
        k=${kv%%=*} v=${kv#*=}
        out+="$(printf '\\x%02x\\x%02x' ${#k} ${#v})$k$v"
    done
    printf '%s' "$out"
}

# token_split WHERE: a token request to a token executable of this test's own, with
# SIGTERM sent where the request pauses: "params" (after BEGIN_REQUEST) or "body" (after
# half the body). ANSWER: the status line and token_type; RC: the exit status.
token_split() {
    local form=grant_type=client_credentials port
    port=$(free_port)
    FG_EXE=token
    QRSHARE_CONF=$QRSHARE_STATE/qrshare.conf spawn-fcgi -n -a 127.0.0.1 -p "$port" \
        ${user[@]:+-u qrshare -g qrshare} -- "$QRSHARE_BUILD/cgi-bin/token" \
        >/dev/null 2>>"$QRSHARE_STATE/logs/token.log" &
    FG=$!
    wait_for fg_ready
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    fcgi_record 1 '\x00\x01\x00\x00\x00\x00\x00\x00' # BEGIN_REQUEST: responder, close after
    [ "$1" = params ] && { sleep 0.3; kill -TERM "$FG"; sleep 0.3; }
    fcgi_record 4 "$(fcgi_params REQUEST_METHOD=POST REQUEST_URI=/auth/v2/token/ \
        CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=${#form} \
        "HTTP_AUTHORIZATION=Basic $(basic "$QRSHARE_CLIENT_ID" "$QRSHARE_CLIENT_SECRET")")"
    fcgi_record 4 ''
    fcgi_record 5 "${form:0:10}"
    [ "$1" = body ] && { sleep 0.3; kill -TERM "$FG"; sleep 0.3; }
    fcgi_record 5 "${form:10}"
    fcgi_record 5 ''
    timeout 5 cat <&3 >"$tmp/fcgi.out"
    exec 3<&-
    BODY=$(grep -ao '{.*}' "$tmp/fcgi.out")
    ANSWER="$(grep -ao 'Status: [0-9]* [A-Za-z ]*' "$tmp/fcgi.out") $(j .token_type)"
    [ "$(j .token_type)" = Bearer ] || echo "#   $1: $(grep -ao 'Status: [0-9]*' "$tmp/fcgi.out") $BODY"
    RC=0
    wait "$FG" || RC=$?
    FG=
}

token_split params
is "Status: 200 OK Bearer" "$ANSWER" "SIGTERM while the parameters arrive: the request is still served"
is 0 "$RC" "SIGTERM while the parameters arrive: then the executable exits with status 0"
token_split body
is "Status: 200 OK Bearer" "$ANSWER" "SIGTERM while the body arrives: the request is still served"
is 0 "$RC" "SIGTERM while the body arrives: then the executable exits with status 0"

# --- started again, as ./bootstrap does ---------------------------------------------
spawn $E
NEW=$(pids $E)
ok '[ "$(wc -w <<<"$NEW")" -ge 2 ] && all_alive $NEW' "$E restarted under spawn-fcgi: $NEW"
isnt "$OLD" "$NEW" "new processes"
create
req DELETE "/auth/v2/session/$SID/" -H "Data-Session-Token: $STOKEN"
is "200 cancelled" "$STATUS $(j .status)" "the restarted $E answers"

# An idle child exits at once with status 0 too.
FG_EXE=$E
QRSHARE_CONF=$QRSHARE_STATE/qrshare.conf spawn-fcgi -n -s "$tmp/idle.sock" "${user[@]}" \
    -- "$QRSHARE_BUILD/cgi-bin/$E" >/dev/null 2>>"$LOG" &
FG=$!
wait_for fg_ready
kill -TERM "$FG"
rc=0
wait "$FG" || rc=$?
FG=
is 0 "$rc" "an idle executable exits with status 0 after SIGTERM"

ok '! tail -c +$((log_from + 1)) "$LOG" | grep -qiE "sanitizer|runtime error|segmentation|abort|core dump|leak"' \
    "$E's log still shows no crash"

done_testing
