#!/usr/bin/env bash
# Push, nothing missed (issue 11, DESIGN §8): PostgreSQL restarts while browsers wait
# (WebSocket and SSE through lighttpd); sessions are decided before, during and after the
# outage; every browser gets its session's final status. During the outage the hub's
# role may not log in (as when the hub is cut off from a database the executables still
# reach): the changes made then send notifications nobody hears, and only the hub's
# resync (one push_statuses call after it is back) can tell the browsers. Then the hub
# itself restarts: browsers that reconnect (as the SDK does) get the current status.
. "$(dirname "$0")/push-lib.sh"
plan 22

PG_DOWN= WATCHERS= WATCHERS2=
cleanup() {
    local p
    for p in $WATCHERS $WATCHERS2; do kill "$p" 2>/dev/null; done
    if [ -n "$PG_DOWN" ] || [ ! -f "$QRSHARE_STATE/pgdata/postmaster.pid" ]; then
        "$QRSHARE_TOP/bootstrap" pg-start "$QRSHARE_STATE"
    fi
    sql 'ALTER ROLE qrshare_push LOGIN' >/dev/null
    alive "$(cat "$QRSHARE_STATE/push.pid" 2>/dev/null || echo 0)" ||
        "$QRSHARE_TOP/bootstrap" push-start "$QRSHARE_STATE"
    rm -rf "$tmp"
}
trap cleanup EXIT

HUB=$(hub_pid)
PUSHLOG=$QRSHARE_STATE/logs/push.log
LOG_FROM=$(stat -c %s "$PUSHLOG")
mkdir -p "$tmp/ws"

# ws_last SID: the last two things SID's WebSocket saw ("status confirmed close 1000").
ws_last() { tail -2 "$tmp/ws/$1" 2>/dev/null | paste -sd ' ' -; }
ws_has() { grep -qx -- "$2" "$tmp/ws/$1" 2>/dev/null; }

# --- eight sessions, eight WebSockets, four event streams ---------------------------------
: >"$tmp/list"
declare -a S T
for i in 1 2 3 4 5 6 7 8; do
    create
    S[i]=$SID T[i]=$STOKEN
    echo "$SID $(ws_url "$STOKEN")" >>"$tmp/list"
done
"${PUSH_CLIENT[@]}" watch-many "$tmp/list" 90 "$tmp/ws" reconnect &
WATCHERS=$!
for i in 1 2 3 4; do sse_start "sse$i" "${S[i]}" 90 -H "Data-Session-Token: ${T[i]}"; done
READY=yes
for i in 1 2 3 4 5 6 7 8; do wait_for ws_has "${S[i]}" "status initialized" || READY="no: ${S[i]}"; done
for i in 1 2 3 4; do wait_for grep -q '^event: status' "$tmp/sse$i" || READY="no: sse$i"; done
is yes "$READY" "8 WebSockets and 4 event streams wait, each told initialized"

# --- before the outage --------------------------------------------------------------------
phone_open "${T[1]}" u1
phone_answer "${T[1]}" u1 "$CONFIRM"
ok 'wait_for ws_has "${S[1]}" "close 1000"' "before the outage: session 1 confirmed, its browser told"

# --- the outage: PostgreSQL restarts; the hub cannot log in until the end ---------------------
sql 'ALTER ROLE qrshare_push NOLOGIN' >/dev/null
PG_DOWN=1
"$QRSHARE_TOP/bootstrap" pg-stop "$QRSHARE_STATE"
ok '! sql "SELECT 1"' "PostgreSQL is stopped"
req GET "/auth/v2/session/${S[2]}/status/" -H "Data-Session-Token: ${T[2]}"
is 503 "$STATUS" "(the API answers 503 meanwhile)"
"$QRSHARE_TOP/bootstrap" pg-start "$QRSHARE_STATE" && PG_DOWN=
ok 'sql "SELECT 1"' "PostgreSQL is back"
# decided while the hub is cut off: 2 confirmed, 3 declined, 4 cancelled, 5 retrieved
phone_open "${T[2]}" u2
phone_answer "${T[2]}" u2 "$CONFIRM"
phone_open "${T[3]}" u3
phone_answer "${T[3]}" u3 "$DECLINE"
req DELETE "/auth/v2/session/${S[4]}/" -H "Data-Session-Token: ${T[4]}"
phone_open "${T[5]}" u5
is "confirmed declined cancelled retrieved" \
    "$(sql "SELECT string_agg(status, ' ' ORDER BY array_position(ARRAY['${S[2]}','${S[3]}','${S[4]}','${S[5]}']::uuid[], id)) FROM qrshare.sessions WHERE id IN ('${S[2]}','${S[3]}','${S[4]}','${S[5]}')")" \
    "during the outage: sessions 2, 3, 4, 5 confirmed, declined, cancelled, retrieved"
sleep 1
is "0 status initialized" "$(push_connections) $(tail -1 "$tmp/ws/${S[2]}")" \
    "the hub is not connected yet: nobody heard those notifications"
sql 'ALTER ROLE qrshare_push LOGIN' >/dev/null

# --- after: the hub reconnects (backoff), reads every waiting session's status once ----------
ok 'WAIT_FOR=15 wait_for ws_has "${S[4]}" "close 1000"' "the hub reconnected and told the browsers"
phone_answer "${T[5]}" u5 "$CONFIRM"
phone_open "${T[6]}" u6
phone_answer "${T[6]}" u6 "$CONFIRM"
req DELETE "/auth/v2/session/${S[7]}/" -H "Data-Session-Token: ${T[7]}"
phone_open "${T[8]}" u8
phone_answer "${T[8]}" u8 "$DECLINE"
FINAL=(- confirmed confirmed declined cancelled confirmed confirmed cancelled declined)
ALL=yes
for i in 1 2 3 4 5 6 7 8; do
    WAIT_FOR=15 wait_for ws_has "${S[i]}" "close 1000"
    [ "$(ws_last "${S[i]}")" = "status ${FINAL[i]} close 1000" ] || ALL="no: session $i saw $(paste -sd ' ' "$tmp/ws/${S[i]}")"
done
is yes "$ALL" "every WebSocket got its session's final status, then close 1000 (1 before, 2-4 during, 5-8 after)"
is "status initialized status retrieved status confirmed close 1000" "$(paste -sd ' ' "$tmp/ws/${S[5]}")" \
    "session 5: retrieved (during the outage, from the resync), then confirmed (after)"
ALL=yes
for i in 1 2 3 4; do
    WAIT_FOR=15 wait_for eval '! kill -0 "${SSE_PIDS[sse'"$i"']}"'
    [ "$(sse_events "sse$i" "${S[i]}" | awk '{ print $NF }')" = "status:${FINAL[i]}" ] || ALL="no: stream $i: $(sse_events "sse$i" "${S[i]}")"
done
is yes "$ALL" "every event stream got its final status and ended"
ok '! grep -q "^reconnect" "$tmp/ws/${S[2]}"' "(the browsers kept their connections through the outage)"
is "$HUB 1" "$(hub_pid) $(push_connections)" "the same hub, one PostgreSQL connection again"
NEWLOG=$(tail -c +$((LOG_FROM + 1)) "$PUSHLOG")
ok 'grep -q "database: connection lost" <<<"$NEWLOG" && grep -q "database: connected again" <<<"$NEWLOG"' \
    "the hub logged the loss and the reconnection"
ok 'grep -qE "statuses read again: 7 sessions" <<<"$NEWLOG"' \
    "it read the 7 waiting sessions' statuses in one query"
echo "# $(grep -E 'connected again|read again' <<<"$NEWLOG" | sed 's/^qrshare\[qrshare-push\] info: //' | paste -sd ';' -)"

# --- the hub restarts: browsers reconnect and get the current status -------------------------
mkdir -p "$tmp/ws2"
: >"$tmp/list2"
declare -a R U
for i in 1 2 3; do
    create
    R[i]=$SID U[i]=$STOKEN
    echo "$SID $(ws_url "$STOKEN")" >>"$tmp/list2"
done
"${PUSH_CLIENT[@]}" watch-many "$tmp/list2" 60 "$tmp/ws2" reconnect &
WATCHERS2=$!
READY=yes
for i in 1 2 3; do wait_for grep -qx "status initialized" "$tmp/ws2/${R[i]}" || READY=no; done
is yes "$READY" "3 more browsers wait"
"$QRSHARE_TOP/bootstrap" push-stop "$QRSHARE_STATE"
ok '! alive "$HUB"' "the hub is stopped (SIGTERM)"
ok 'wait_for grep -qx "close 1001" "$tmp/ws2/${R[1]}"' "its browsers got close 1001 (going away)"
phone_open "${U[1]}" v1
phone_answer "${U[1]}" v1 "$CONFIRM"
req DELETE "/auth/v2/session/${R[2]}/" -H "Data-Session-Token: ${U[2]}"
"$QRSHARE_TOP/bootstrap" push-start "$QRSHARE_STATE"
ok 'WAIT_FOR=15 wait_for grep -qx "close 1000" "$tmp/ws2/${R[2]}" && wait_for grep -qx "close 1000" "$tmp/ws2/${R[1]}"' \
    "the hub is back; browsers reconnected"
is "status confirmed close 1000|status cancelled close 1000" \
    "$(tail -2 "$tmp/ws2/${R[1]}" | paste -sd ' ' -)|$(tail -2 "$tmp/ws2/${R[2]}" | paste -sd ' ' -)" \
    "decided while the hub was down: the reconnected browsers get confirmed and cancelled"
ok 'wait_for eval "[ \$(grep -c \"^status initialized\" \"$tmp/ws2/${R[3]}\") -ge 2 ]"' \
    "the third, still open, is told initialized again and waits"
req DELETE "/auth/v2/session/${R[3]}/" -H "Data-Session-Token: ${U[3]}"
ok 'wait_for grep -qx "close 1000" "$tmp/ws2/${R[3]}"' "... until it is cancelled"

done_testing
