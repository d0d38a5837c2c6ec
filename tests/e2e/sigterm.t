#!/usr/bin/env bash
# SIGTERM (DESIGN §3, issue 3 item 1): an executable finishes the request in flight,
# then exits; an idle one exits at once. The request is held in flight by a row lock
# taken from psql, so that the signal surely arrives while it waits in PostgreSQL.
. "$(dirname "$0")/lib.sh"
plan 15

E=session-cancel
SOCK=$QRSHARE_STATE/sockets/$E.sock
LOG=$QRSHARE_STATE/logs/$E.log
LOCKER= CURL= FG=
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

# The answer of the request started by cancel_in_background, once it is done.
cancel_answer() {
    wait "$CURL"
    CURL=
    echo "$(cat "$tmp/c.status") $(jq -r .status "$tmp/c.body" 2>/dev/null)"
}

# --- SIGTERM to the children spawn-fcgi started ----------------------------------------
create
is 201 "$STATUS" "setup: a session"
OLD=$(pids $E)
ok '[ "$(wc -w <<<"$OLD")" -ge 2 ] && all_alive $OLD' "$E runs with ${OLD// /, } under spawn-fcgi"
log_from=$(stat -c %s "$LOG")

lock "$SID" 2.5
cancel_in_background "$SID"
ok 'kill -0 $CURL && cancel_waits' "a cancel request is in flight, waiting for the row lock"
# shellcheck disable=SC2086
kill -TERM $OLD
sleep 0.3
# shellcheck disable=SC2086
ok 'kill -0 $CURL && ! all_alive $OLD && ! none_alive $OLD' \
    "after SIGTERM the idle child has exited, the busy one is still serving"
is "200 cancelled" "$(cancel_answer)" "the request in flight completes: 200 cancelled"
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
fg_ready() { [ "$(readlink "/proc/$FG/exe")" = "$(readlink -f "$QRSHARE_BUILD/cgi-bin/$E")" ]; }
wait_for fg_ready
create
lock "$SID" 1.5
cancel_in_background "$SID"
kill -TERM "$FG"
is "200 cancelled" "$(cancel_answer)" "spawn-fcgi -n: the request in flight completes"
rc=0
wait "$FG" || rc=$?
FG=
is 0 "$rc" "spawn-fcgi -n: the executable exits with status 0 after SIGTERM"

# --- started again, as ./bootstrap does ---------------------------------------------
spawn $E
NEW=$(pids $E)
ok '[ "$(wc -w <<<"$NEW")" -ge 2 ] && all_alive $NEW' "$E restarted under spawn-fcgi: $NEW"
isnt "$OLD" "$NEW" "new processes"
create
req DELETE "/auth/v2/session/$SID/" -H "Data-Session-Token: $STOKEN"
is "200 cancelled" "$STATUS $(j .status)" "the restarted $E answers"

# An idle child exits at once with status 0 too.
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
