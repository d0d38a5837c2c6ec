#!/usr/bin/env bash
# Errors that the web server raises itself, not an executable (issue 10): on the API's
# paths they come out in the API's JSON error shape (DESIGN §2), never as its HTML page,
# under lighttpd (server.errorfile-prefix) and Apache (ErrorDocument) alike. The
# snippet's error files (conf/errors/, var.qrshare_errors) cover every request whose path
# lighttpd knows; requests it cannot parse (400, 431) have no path, and only the
# server-wide conf/lighttpd-qrshare-errors-server.conf reaches them: checked on a lighttpd
# of this test's own with it, in front of the stack's executables.
. "$(dirname "$0")/lib.sh"
plan 23

STACK_URL=$QRSHARE_URL
mdir=$(mktemp -d /tmp/qrshare-weberr.XXXXXX)
chmod 755 "$mdir"
LPID=
cleanup() {
    [ -n "$LPID" ] && kill "$LPID" 2>/dev/null
    all_alive $(pids session-qr) || spawn session-qr
    rm -rf "$tmp" "$mdir"
}
trap cleanup EXIT

# is_json_error STATUS CODE DESC: the last answer has that status, the JSON Content-Type,
# a body that is {"error": CODE, "error_description": "<text>"} and no HTML in it.
is_json_error() {
    local why=''
    if [ "$STATUS" != "$1" ]; then
        why="status $STATUS"
    elif [ "$(header Content-Type)" != "application/json; charset=utf-8" ]; then
        why="Content-Type: $(header Content-Type)"
    elif [[ $BODY == *"<html"* ]]; then
        why="an HTML page"
    elif ! jq -e --arg c "$2" '.error == $c and (.error_description | type) == "string"' \
        >/dev/null 2>&1 <<<"$BODY"; then
        why="not the JSON error $2"
    fi
    pass_or_fail "$([ -z "$why" ] && echo 0 || echo 1)" "$3: $1 $2"
    [ -z "$why" ] || echo "#   $why: $(head -c 200 <<<"$BODY" | tr '\n' ' ')"
}

# raw FILE-CONTENT (printf format): the bytes sent as they are (raw_http).
raw() {
    printf "$1" >"$tmp/raw"
    raw_http "$tmp/raw"
}

head -c 1100000 /dev/zero | tr '\0' ' ' >"$tmp/1100k"
BIG_HEADER="X-Padding: $(head -c 70000 /dev/zero | tr '\0' a)"

# --- the stack: errors on paths lighttpd knows ---------------------------------------
# Over server.max-request-size (1 MiB) by Content-Length: refused before the body is read.
req POST /auth/v2/session/ -H "X-Api-Key: $QRSHARE_CLIENT_SECRET" -H 'Content-Type: application/json' \
    --data-binary "@$tmp/1100k"
is_json_error 413 payload_too_large "a body over lighttpd's cap, by Content-Length"
is no-store "$(header Cache-Control)" "  and it has Cache-Control: no-store"
# The same body chunked: refused while it is read.
req POST /auth/v2/session/ -H "X-Api-Key: $QRSHARE_CLIENT_SECRET" -H 'Content-Type: application/json' \
    -H 'Transfer-Encoding: chunked' --data-binary "@$tmp/1100k"
is_json_error 413 payload_too_large "a chunked body over lighttpd's cap"
is no-store "$(header Cache-Control)" "  and it has Cache-Control: no-store"
# A chunked body under max_body but longer than what Apache reads ahead (about 16 KiB):
# Apache streams it without CONTENT_LENGTH, and the executable reads it to its end.
{ printf '{"scope":"email"'; head -c 40000 /dev/zero | tr '\0' ' '; printf '}'; } >"$tmp/40k"
req POST /auth/v2/session/ -H "X-Api-Key: $QRSHARE_CLIENT_SECRET" -H 'Content-Type: application/json' \
    -H 'Transfer-Encoding: chunked' --data-binary "@$tmp/40k"
is "201 email" "$STATUS $(j .scope)" "a chunked body of 40 KB (under max_body) is read whole"
# A huge Content-Length, a tiny body, on a raw connection.
# Apache passes the request on as the body starts to come; the executable refuses it at
# once (413), but Apache may first wait for the body it was promised, then answer 408
# (RequestReadTimeout body=10): either is a JSON error, and nothing is read past max_body.
RAW_WAIT=15 raw 'POST /auth/v2/session/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\n{}'
if [ "$QRSHARE_SERVER" = apache ] && [ "$STATUS" = 408 ]; then
    is_json_error 408 invalid_request "a huge Content-Length with a tiny body (Apache waited for the body)"
else
    is_json_error 413 payload_too_large "a huge Content-Length with a tiny body"
fi

# Paths under /auth/ that no executable serves: lighttpd's own 404.
req GET /auth/v1/nothing
is_json_error 404 not_found "a path under /auth/ outside /auth/v2/"
is no-store "$(header Cache-Control)" "  and it has Cache-Control: no-store"
req GET /auth/
is_json_error 404 not_found "/auth/ itself"
# An unknown path under /auth/v2/ reaches the token executable (errors.t): unchanged.
req GET /auth/v2/nothing
is_json_error 404 not_found "a path under /auth/v2/ that no endpoint has (the executable's answer)"

# An executable that is down: its socket is there, nobody listens.
E=session-qr
OLD=$(pids $E)
# shellcheck disable=SC2086
kill $OLD 2>/dev/null
ok "wait_for none_alive $OLD" "$E stopped ($OLD)"
req GET "/auth/v2/session/00000000-0000-4000-8000-000000000000/qr.svg"
is_json_error 503 unavailable "an endpoint whose executable is down"
is no-store "$(header Cache-Control)" "  and it has Cache-Control: no-store"
spawn $E
# lighttpd takes a backend that failed out of use for a second or so.
answered() {
    req GET "/auth/v2/session/00000000-0000-4000-8000-000000000000/qr.svg" \
        -H "Data-Session-Token: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    [ "$STATUS $(j .error)" = "404 not_found" ]
}
ok 'wait_for answered' "$E restarted: it answers again (its own JSON 404)"

# The demo's paths keep the web server's own pages.
req GET /demo/nothing.html
is "404 text/html" "$STATUS $(header Content-Type | cut -d';' -f1)" "a 404 outside /auth/ is left alone"

# Requests lighttpd cannot parse: only their status is lighttpd's business here (the stack
# serves the demo as well, so it does not include the server-wide snippet).
raw 'GARBAGE\r\n\r\n'
is 400 "$STATUS" "the stack: a malformed request line is 400"

if [ "$QRSHARE_SERVER" = apache ]; then
    # Apache: a request it cannot parse has no path, and keeps Apache's own page (as
    # documented in conf/apache-qrshare.conf); there is no server-wide snippet to test.
    skip_rest 7 "lighttpd-qrshare-errors-server.conf is lighttpd's; under Apache a request it cannot parse keeps Apache's page"
    QRSHARE_URL=$STACK_URL
    done_testing
fi

# --- a lighttpd with lighttpd-qrshare-errors-server.conf ------------------------------
port=$(free_port)
mkdir -p "$mdir/www" "$mdir/logs"
user_conf=''
if [ "$(id -u)" -eq 0 ]; then
    chown -R qrshare: "$mdir"
    user_conf='server.username = "qrshare"
server.groupname = "qrshare"'
fi
cat >"$mdir/lighttpd.conf" <<CONF
server.modules = ( "mod_fastcgi", "mod_setenv" )
server.document-root = "$mdir/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$mdir/logs/lighttpd-error.log"
server.pid-file = "$mdir/lighttpd.pid"
$user_conf
var.qrshare_sockets = "$QRSHARE_STATE/sockets"
var.qrshare_errors = "$QRSHARE_TOP/conf/errors/"
include "$QRSHARE_TOP/conf/lighttpd-qrshare.conf"
include "$QRSHARE_TOP/conf/lighttpd-qrshare-errors-server.conf"
CONF
started() {
    lighttpd -tt -f "$mdir/lighttpd.conf" >"$mdir/tt.log" 2>&1 &&
        lighttpd -f "$mdir/lighttpd.conf" >"$mdir/start.log" 2>&1 &&
        wait_for test -s "$mdir/lighttpd.pid" && LPID=$(cat "$mdir/lighttpd.pid") &&
        QRSHARE_URL=http://127.0.0.1:$port && wait_for curl -s -o /dev/null "$QRSHARE_URL/"
}
ok started "a lighttpd of this test's own with the server-wide snippet"
[ -n "$LPID" ] || cat "$mdir"/*.log "$mdir/logs/lighttpd-error.log" 2>/dev/null | tail -10 | sed 's/^/#   /'

raw 'GARBAGE\r\n\r\n'
is_json_error 400 invalid_request "a malformed request line"
raw 'GET /auth/v2/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\nBad header\r\nConnection: close\r\n\r\n'
is_json_error 400 invalid_request "a header line without a colon"
raw 'POST /auth/v2/session/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}'
is_json_error 400 invalid_request "two Content-Lengths"
req GET /auth/v2/token/ -H "$BIG_HEADER"
is_json_error 431 invalid_request "request headers over lighttpd's limit"
req POST /auth/v2/session/ -H "X-Api-Key: $QRSHARE_CLIENT_SECRET" -H 'Content-Type: application/json' \
    --data-binary "@$tmp/1100k"
is_json_error 413 payload_too_large "with the server-wide snippet too: a body over the cap"
req GET /auth/v2/nothing
is_json_error 404 not_found "with the server-wide snippet too: the executables' own errors are untouched"

QRSHARE_URL=$STACK_URL
done_testing
