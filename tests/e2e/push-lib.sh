# tests/e2e/push-lib.sh - helpers for the push tests (push-*.t): the stack's hub
# (qrshare-push behind lighttpd, started by ./bootstrap) and private hubs a test starts
# with settings of its own. Source it instead of lib.sh.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PUSH_CLIENT=(/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/push-client.py")
WS_BASE=${QRSHARE_URL/http:/ws:}
CONFIRM='{"status":"confirmed","user_data":{"email":{"email":"ada@example.org","is_primary":true}}}'
DECLINE='{"status":"declined"}'

# ws_url TOKEN [BASE]: the notifications URL of TOKEN, through lighttpd or BASE.
ws_url() { echo "${2:-$WS_BASE}/auth/ws/notifications/?token=$1"; }

# ws_watch TOKEN SID SECONDS [BASE]: what a WebSocket client sees until the connection
# ends, on one line ("status initialized status retrieved ... close 1000").
ws_watch() { "${PUSH_CLIENT[@]}" watch "$(ws_url "$1" "${4:-}")" "$2" "$3" | oneline; }
# oneline: the lines of stdin joined by spaces (xargs would eat the quotes of JSON).
oneline() { paste -sd ' ' -; }

# ws_start NAME TOKEN SID SECONDS [BASE]: the same in the background, into $tmp/NAME;
# ws_seen NAME: what it saw so far, on one line; ws_wait NAME: until it is done.
declare -A WS_PIDS
ws_start() {
    "${PUSH_CLIENT[@]}" watch "$(ws_url "$2" "${5:-}")" "$3" "$4" >"$tmp/$1" 2>&1 &
    WS_PIDS[$1]=$!
}
ws_seen() { oneline <"$tmp/$1"; }
# ws_wait NAME: until NAME's connection has ended (at most 30 s), then what it saw. It polls
# the output rather than wait(1)ing for the client: it is called inside $(...).
ws_wait() {
    WAIT_FOR=30 wait_for ws_ended "$1"
    ws_seen "$1"
}
ws_ended() { tail -1 "$tmp/$1" | grep -qE '^(close|eof|timeout|http|error)( |$)'; }
# ws_saw NAME TEXT: NAME's output has TEXT (for wait_for).
ws_saw() { grep -qx -- "$2" "$tmp/$1"; }

# sse_start NAME SID SECONDS [curl args...]: an event stream in the background (curl -N),
# body into $tmp/NAME, headers into $tmp/NAME.h. sse_events NAME: its events as
# "event:data" words, the data reduced to its status when it has the API's shape.
declare -A SSE_PIDS
sse_start() {
    local name=$1 sid=$2 secs=$3
    shift 3
    curl -s -N --max-time "$secs" -D "$tmp/$name.h" -o "$tmp/$name" \
        "$QRSHARE_URL/auth/v2/session/$sid/events/" "$@" &
    SSE_PIDS[$name]=$!
}
sse_wait() { wait "${SSE_PIDS[$1]}" 2>/dev/null; }
sse_events() {
    awk -v sid="$2" '
        /^event: / { ev = substr($0, 8) }
        /^data: / { d = substr($0, 7)
            want = "{\"message\": {\"session_id\": \"" sid "\", \"status\": \""
            if (index(d, want) == 1 && d ~ /"}}$/) { s = substr(d, length(want) + 1); sub(/"}}$/, "", s) }
            else s = "BAD(" d ")"
            printf "%s:%s ", ev, s }
    ' "$tmp/$1" | sed 's/ $//'
}

# phone_open TOKEN SUB / phone_answer TOKEN SUB BODY: the phone's calls (E4, E5).
phone_open() { information "$1" "$(user_token "$2")"; }
phone_answer() { update "$1" "$(user_token "$2")" "$3"; }

# hub_pid: the stack's hub; proc_fds PID, proc_rss_kb PID: its open descriptors, its RSS.
hub_pid() { cat "$QRSHARE_STATE/push.pid"; }
proc_fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
proc_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# push_connections: the hub's PostgreSQL connections (role qrshare_push).
push_connections() { sql "SELECT count(*) FROM pg_stat_activity WHERE usename = 'qrshare_push'"; }

# test_hub SETTINGS...: a private hub on a free port with the stack's conf but these
# [push] settings ("ping_interval = 1", ...); PRIVATE_PID, PRIVATE_PORT, PRIVATE_BASE
# (ws://...), PRIVATE_LOG. Stopped by test_hub_stop (call it from an EXIT trap).
test_hub() {
    local conf=$QRSHARE_STATE/push-test-$$.conf s i
    PRIVATE_PORT=$(free_port)
    PRIVATE_LOG=$tmp/private-hub.log
    # the stack's conf ends with its [push] section; key files are relative to its folder
    sed '/^\[push\]/,$d' "$QRSHARE_STATE/qrshare.conf" >"$conf"
    {
        echo "[push]"
        echo "conninfo = $QRSHARE_PUSH_PSQL"
        echo "listen_port = $PRIVATE_PORT"
        for s; do echo "$s"; done
    } >>"$conf"
    QRSHARE_CONF=$conf "$QRSHARE_BUILD/push/qrshare-push" </dev/null >"$PRIVATE_LOG" 2>&1 &
    PRIVATE_PID=$!
    PRIVATE_BASE=ws://127.0.0.1:$PRIVATE_PORT
    for i in $(seq 50); do
        grep -q 'database: connected' "$PRIVATE_LOG" && return 0
        sleep 0.1
    done
    return 1
}
test_hub_stop() {
    [ -n "${PRIVATE_PID:-}" ] && kill "$PRIVATE_PID" 2>/dev/null && wait "$PRIVATE_PID" 2>/dev/null
    rm -f "$QRSHARE_STATE/push-test-$$.conf"
    PRIVATE_PID=
}

# expire_in SID SECONDS: moves the session's times back so that it expires in SECONDS
# (as if created earlier; the lifetime stays), without a trigger, as tests/sql's backdate.
expire_in() {
    psql -X -q -d "$QRSHARE_PSQL" -c "SET session_replication_role = replica" -c "
        UPDATE qrshare.sessions
           SET created_at = created_at - (expires_at - statement_timestamp()) + interval '$2 seconds',
               expires_at = statement_timestamp() + interval '$2 seconds'
         WHERE id = '$1'" >/dev/null
}
