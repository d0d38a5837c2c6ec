#!/usr/bin/env bash
# Push, bad input (issue 11): garbage instead of an upgrade request, tokens of the wrong
# length, 10 000 connections that never finish their request head, a client that floods
# pings and reads nothing, a peer that stops answering pings; each costs the hub bounded
# memory and no crash. Pings are staggered and at most ping_interval apart. On private
# hubs (tests/e2e/push-lib.sh test_hub) with short timers, straight to the hub's port.
. "$(dirname "$0")/push-lib.sh"
plan 25

trap 'test_hub_stop; rm -rf "$tmp"' EXIT

raw() { printf "$1" | "${PUSH_CLIENT[@]}" raw "$PRIVATE_PORT"; }
raw_code() { raw "$1" | { read -r code body; echo "$code $(jq -r .error <<<"$body" 2>/dev/null)"; }; }

test_hub "header_timeout = 2" "ping_interval = 1" "max_output = 4096"
ok '[ -n "$PRIVATE_PID" ] && alive "$PRIVATE_PID"' "a private hub runs (header_timeout 2 s, ping_interval 1 s, max_output 4096)"
P=$PRIVATE_PID
BASE_FDS=$(proc_fds "$P")
BASE_RSS=$(proc_rss_kb "$P")
create
TOKEN=$STOKEN TSID=$SID

# --- garbage instead of a request ---------------------------------------------------------
is "400 invalid_request" "$(raw_code '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03')" \
    "a TLS ClientHello: 400 invalid_request at once"
is "400 invalid_request" "$(raw_code 'hello world\r\n\r\n')" "a line that is not a request line: 400"
is "400 invalid_request" "$(raw_code 'GET /auth/ws/notifications/ HTTP/9.9\r\n\r\n')" "HTTP/9.9: 400"
is "400 invalid_request" "$(raw_code 'GET /auth/ws/\x00notifications/ HTTP/1.1\r\n\r\n')" "a NUL byte: 400"
is "400 invalid_request" "$(raw_code "GET /auth/ws/notifications/?token=$TOKEN HTTP/1.1\r\nX: $(head -c 9000 /dev/zero | tr '\0' a)\r\n\r\n")" \
    "a request head of 9 KB: 400"
is "400 invalid_request" "$(raw_code "GET /auth/ws/notifications/?token=${TOKEN:0:20} HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")" \
    "a token of 20 characters: 400"
is "400 invalid_request" "$(raw_code "GET /auth/ws/notifications/?token=$TOKEN$TOKEN HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")" \
    "a token of 86 characters: 400"
is "400 invalid_request" "$(raw_code "GET /auth/ws/notifications/?token=$TOKEN HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n")" \
    "a Sec-WebSocket-Key that is not 16 bytes of base64: 400"
is "404 not_found" "$(raw_code 'GET /etc/passwd HTTP/1.1\r\n\r\n')" "another path: 404"
is "status initialized timeout" "$("${PUSH_CLIENT[@]}" watch "$(ws_url "$TOKEN" "$PRIVATE_BASE")" "$TSID" 0.5 | oneline)" \
    "after all that the hub serves a WebSocket as before"

# --- 10 000 connections that never finish their request head -----------------------------
"${PUSH_CLIENT[@]}" halfopen "$PRIVATE_PORT" 10000 5 >"$tmp/half" &
HALF=$!
wait_for grep -q '^open' "$tmp/half"
FDS_HELD=$(proc_fds "$P")
RSS_HELD=$(proc_rss_kb "$P")
# (not all 10 000 at once on a loaded machine: the first are timed out while the last
# are still in the accept queue)
ok '[ "$FDS_HELD" -ge 5000 ]' "10 000 half-open connections reached the hub ($FDS_HELD descriptors at once)"
is "status initialized timeout" "$("${PUSH_CLIENT[@]}" watch "$(ws_url "$TOKEN" "$PRIVATE_BASE")" "$TSID" 0.5 | oneline)" \
    "meanwhile a browser is served"
wait "$HALF"
is "open 10000 closed 10000" "$(oneline <"$tmp/half")" "after header_timeout (2 s) the hub closed every one of them"
ok 'wait_for eval "[ \$(proc_fds $P) -le $((BASE_FDS + 2)) ]"' \
    "its descriptors are back where they were ($BASE_FDS)"
GROWTH=$(((RSS_HELD - BASE_RSS) / 1024))
ok '[ "$GROWTH" -lt 40 ]' "memory while it held them: +$GROWTH MiB for 10 000 (bounded: < 40 MiB)"
echo "# hub RSS: ${BASE_RSS} KiB idle, ${RSS_HELD} KiB with 10 000 half-open connections"
# Two more rounds. Without a leak the RSS stays below what 10 000 held at once cost: the
# cost of one, measured above, times 10 000. (Not "below the RSS after the first round": a
# loaded machine times out the first connections of a round before it opens the last,
# and the next round may hold more of them at once.) A leak grows with every round.
RSS_AFTER1=$(proc_rss_kb "$P")
"${PUSH_CLIENT[@]}" halfopen "$PRIVATE_PORT" 10000 4 >/dev/null
"${PUSH_CLIENT[@]}" halfopen "$PRIVATE_PORT" 10000 4 >/dev/null
RSS_AFTER3=$(proc_rss_kb "$P")
RSS_ALL_HELD=$((BASE_RSS + (RSS_HELD - BASE_RSS) * 10000 / FDS_HELD))
# ASan's allocator keeps freed memory in quarantine: the RSS says nothing there
if [ -n "${ASAN_OPTIONS:-}" ]; then
    pass_or_fail 0 "two more rounds of 10 000 leave no more behind # SKIP RSS under AddressSanitizer"
else
    ok '[ "$RSS_AFTER3" -le $((RSS_ALL_HELD + 2048)) ]' \
        "two more rounds of 10 000 leave no more behind (RSS $RSS_AFTER1 -> $RSS_AFTER3 KiB; 10 000 held at once: $RSS_ALL_HELD KiB)"
fi

# --- a client that floods pings and reads nothing -------------------------------------------
RSS0=$(proc_rss_kb "$P")
FLOOD=$("${PUSH_CLIENT[@]}" flood "$(ws_url "$TOKEN" "$PRIVATE_BASE")" 20)
ok '[[ $FLOOD =~ ^sent\ [0-9]+\ (closed|blocked)$ ]]' "a ping flood that reads no pong is stopped ($FLOOD)"
ok 'wait_for eval "[ \$(proc_fds $P) -le $((BASE_FDS + 2)) ]"' "the hub dropped that client"
RSS1=$(proc_rss_kb "$P")
ok '[ $((RSS1 - RSS0)) -lt 8192 ]' "its output stayed bounded: RSS $RSS0 -> $RSS1 KiB"

# --- pings: staggered, at most ping_interval apart; a silent peer is dropped --------------
PINGERS=()
for i in $(seq 8); do
    "${PUSH_CLIENT[@]}" pings "$(ws_url "$TOKEN" "$PRIVATE_BASE")" 3.5 >"$tmp/pings.$i" &
    PINGERS+=($!)
done
wait "${PINGERS[@]}" # (not a bare wait: the private hub is this shell's child too)
GAPS=$(for f in "$tmp"/pings.*; do
    awk 'BEGIN { p = 0 } /^ping/ { if ($2 - p > m) m = $2 - p; p = $2 } END { printf "%.2f\n", m }' "$f"
done | sort -n | tail -1)
FEWEST=$(for f in "$tmp"/pings.*; do grep -c '^ping' "$f"; done | sort -n | head -1)
ok 'awk -v g="$GAPS" -v n="$FEWEST" "BEGIN { exit !(g > 0 && g <= 1.3 && n >= 3) }"' \
    "8 clients for 3.5 s: each got $FEWEST pings or more, none after a gap over the interval (longest $GAPS s)"
FIRSTS=$(for f in "$tmp"/pings.*; do awk '/^ping/ { print $2; exit }' "$f"; done | sort -n)
SPREAD=$(awk 'NR == 1 { a = $1 } { b = $1 } END { printf "%.2f", b - a }' <<<"$FIRSTS")
ok 'awk -v s="$SPREAD" "BEGIN { exit !(s >= 0.2) }"' \
    "staggered: the first pings of clients connected together spread over $SPREAD s"
is "dropped" "$("${PUSH_CLIENT[@]}" silent "$(ws_url "$TOKEN" "$PRIVATE_BASE")" 3.5 | cut -d' ' -f1)" \
    "a peer that answers no ping is dropped within two intervals"
ok 'alive "$P" && ! grep -aiE "sanitizer|runtime error|segmentation|abort" "$PRIVATE_LOG"' \
    "the hub still runs; nothing in its log tells of a crash"
test_hub_stop

# --- max_connections -------------------------------------------------------------------------
test_hub "max_connections = 16" "header_timeout = 10"
"${PUSH_CLIENT[@]}" halfopen "$PRIVATE_PORT" 30 1 >"$tmp/over"
is "open 30 closed 14" "$(oneline <"$tmp/over")" \
    "max_connections 16: the 17th connection on is closed at once, the 16 others wait"
test_hub_stop

done_testing
