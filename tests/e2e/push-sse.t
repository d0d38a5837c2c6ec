#!/usr/bin/env bash
# Push, Server-Sent Events (issue 11, DESIGN §8) through lighttpd (mod_proxy, streamed):
# GET /auth/v2/session/{session_id}/events/ with Data-Session-Token or ?token= sends
# "retry:", then "event: status" with the WebSocket's JSON as data at connect and at each
# change, comments as heartbeats, and ends after a terminal status.
. "$(dirname "$0")/push-lib.sh"
plan 23

trap 'test_hub_stop; rm -rf "$tmp"' EXIT
logs_mark

# sse_ended NAME: the stream's curl has exited (for wait_for; works in $(...) too).
sse_ended() { ! kill -0 "${SSE_PIDS[$1]}" 2>/dev/null; }
# sse_has NAME TEXT: the stream's body has a line TEXT.
sse_has() { grep -qxF -- "$2" "$tmp/$1"; }

# --- the flow, with the token in Data-Session-Token ---------------------------------------
create
sse_start flow "$SID" 20 -H "Data-Session-Token: $STOKEN"
ok 'wait_for sse_has flow "event: status"' "the first event arrives while the stream stays open"
is "status:initialized" "$(sse_events flow "$SID")" "on connect: event status, data with status initialized"
ok 'grep -qi "^Content-Type: text/event-stream" "$tmp/flow.h"' "Content-Type: text/event-stream"
ok 'grep -qi "^Cache-Control: no-store" "$tmp/flow.h"' "Cache-Control: no-store"
is "retry: 3000" "$(head -1 "$tmp/flow")" "the stream starts with retry: (the conf's sse_retry, 3000 ms)"
is "data: {\"message\": {\"session_id\": \"$SID\", \"status\": \"initialized\"}}" \
    "$(grep '^data: ' "$tmp/flow" | head -1)" "data is the WebSocket frame's JSON, byte for byte"
phone_open "$STOKEN" ada
ok 'wait_for sse_has flow "data: {\"message\": {\"session_id\": \"$SID\", \"status\": \"retrieved\"}}"' \
    "retrieved arrives as the phone opens the session"
phone_answer "$STOKEN" ada "$CONFIRM"
ok 'wait_for sse_ended flow' "after confirmed the stream ends by itself"
is "status:initialized status:retrieved status:confirmed" "$(sse_events flow "$SID")" \
    "events: initialized, retrieved, confirmed"
sse_wait flow
FLOW_SID=$SID FLOW_TOKEN=$STOKEN

# --- ?token= (EventSource cannot set headers), a cancel, a session already decided -------
create
sse_start q "$SID" 20 --get --data-urlencode "token=$STOKEN"
wait_for sse_has q "event: status"
req DELETE "/auth/v2/session/$SID/" -H "Data-Session-Token: $STOKEN"
ok 'wait_for sse_ended q' "with ?token=: after cancelled the stream ends"
is "status:initialized status:cancelled" "$(sse_events q "$SID")" "?token=: initialized, cancelled"
Q_TOKEN=$STOKEN
sse_start done "$FLOW_SID" 5 -H "Data-Session-Token: $FLOW_TOKEN"
sse_wait done
is "status:confirmed" "$(sse_events done "$FLOW_SID")" "a confirmed session: its status, then the end"

# --- refused: the API's JSON errors --------------------------------------------------------
create
A_SID=$SID A_TOKEN=$STOKEN
create
req GET "/auth/v2/session/$A_SID/events/" -H "Data-Session-Token: $STOKEN"
is_error 404 not_found "another session's token: 404 not_found"
req GET "/auth/v2/session/$A_SID/events/?token=$(head -c 32 /dev/urandom | b64url)"
is_error 404 not_found "an unknown token: 404"
req GET "/auth/v2/session/not-a-uuid/events/" -H "Data-Session-Token: $A_TOKEN"
is_error 404 not_found "a session id that is not a UUID: 404"
req GET "/auth/v2/session/$A_SID/events/" -H "Data-Session-Token: ${A_TOKEN:0:40}"
is_error 400 invalid_request "a token of 40 characters: 400 invalid_request"
req GET "/auth/v2/session/$A_SID/events/"
is_error 400 invalid_request "no token: 400"
req POST "/auth/v2/session/$A_SID/events/" -H "Data-Session-Token: $A_TOKEN" --data ''
is_error_h 405 method_not_allowed Allow '^GET$' "POST: 405 with Allow: GET"
# (the status endpoint beside it is still the executable's)
req GET "/auth/v2/session/$A_SID/status/" -H "Data-Session-Token: $A_TOKEN"
is "200 initialized" "$STATUS $(j .status)" "the status endpoint still answers beside it"

# --- heartbeats and retry, on a private hub with a 1 s interval -------------------------------
test_hub "ping_interval = 1" "sse_retry = 1500"
curl -s -N --max-time 4 -H "Data-Session-Token: $A_TOKEN" \
    "http://127.0.0.1:$PRIVATE_PORT/auth/v2/session/$A_SID/events/" >"$tmp/hb"
is "retry: 1500" "$(head -1 "$tmp/hb")" "retry: follows sse_retry"
N=$(grep -c '^: keep-alive$' "$tmp/hb")
ok '[ "$N" -ge 3 ] && [ "$N" -le 5 ]' "a comment line about every ping_interval (1 s): $N in 4 s"

# --- the access log masks ?token= ---------------------------------------------------------
ok '! logs_since | grep -qF -- "$Q_TOKEN"' "the token sent as ?token= is not in any log"
ok 'wait_for grep -qF "/auth/v2/session/$A_SID/events/?token=(masked)" "$QRSHARE_STATE/logs/access.log"' \
    "($QRSHARE_SERVER logged the request with ?token=(masked))"

done_testing
