#!/usr/bin/env bash
# The web server's logs keep no secret (issue 12), under lighttpd and Apache alike: the
# access log, piped through conf/qrshare-access-log.sed, masks the session token in the
# phone's paths and in the demo's /authorize/ page, and EVERY query-string value, also
# those of a client that wrongly puts a secret in the URL (?api_key=<client secret>), an
# item without "=", and the Referer; the error log, which holds the executables' stderr,
# has none of them either.
. "$(dirname "$0")/lib.sh"
plan 12

ACCESS=$QRSHARE_STATE/logs/access.log
create
SECRET=$QRSHARE_CLIENT_SECRET
ALICE=$(user_token alice)
# a secret that is not 43 base64url characters: only its place in the query masks it
PASSWORD="hunter2-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
logs_mark
AT_MARK=$(stat -c %s "$ACCESS" 2>/dev/null || echo 0)

# A client that sends its credential in the query string, as well as in the header.
req GET "/auth/v2/session/$SID/status/?api_key=$SECRET" -H "X-Api-Key: $SECRET"
is "200 initialized" "$STATUS $(j .status)" "a status request with ?api_key=<client secret> is served"
req GET "/auth/v2/session/$SID/status/?x=1&password=$PASSWORD&bare-$PASSWORD" -H "Data-Session-Token: $STOKEN"
is 200 "$STATUS" "one with ?password=, and a secret as an item without '='"
# The token in qr.svg?token=, in the phone's path, in the demo's page and in a Referer.
req GET "/auth/v2/session/$SID/qr.svg?token=$STOKEN"
is 200 "$STATUS" "qr.svg?token="
information "$STOKEN" "$ALICE"
is "200 retrieved" "$STATUS $(j .status)" "the phone's information request (the token in the path)"
req GET "/authorize/$STOKEN" -H "Referer: http://127.0.0.1/demo/?session_token=$STOKEN&k=$PASSWORD"
is 200 "$STATUS" "the demo phone page /authorize/{token}, with a Referer that holds secrets"
req GET "/auth/ws/notifications/?token=$STOKEN"
ok '[ "$STATUS" != 000 ]' "the WebSocket path with ?token= (not upgraded: $STATUS)"

# The web server may buffer its access log: a last request, then wait for it.
FLUSH=00000000-0000-4000-8000-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
req GET "/auth/v2/session/$FLUSH/status/"
flushed() { tail -c +$((AT_MARK + 1)) "$ACCESS" | grep -qF "$FLUSH"; }
ok 'WAIT_FOR=20 wait_for flushed' "control: the access log has this test's requests"
lines=$(tail -c +$((AT_MARK + 1)) "$ACCESS")

leaks=$(for s in "$SECRET" "$STOKEN" "$PASSWORD" "$ALICE"; do grep -aF -- "$s" <<<"$lines"; done)
is "" "$leaks" "no client secret, session token, password or user token in the access log"
leaks=$(logs_since | grep -aF -e "$SECRET" -e "$STOKEN" -e "$PASSWORD" -e "$ALICE")
is "" "$leaks" "nor in any other log of the stack ($QRSHARE_SERVER's error log, the executables', PostgreSQL's)"
ok 'grep -aqF "/status/?api_key=(masked) " <<<"$lines" && grep -aqF "?x=(masked)&password=(masked)&(masked) " <<<"$lines"' \
    "the query values are masked in place (?api_key=(masked), an item without '=' whole)"
ok 'grep -aqF "/auth/v2/session/(token)/information/" <<<"$lines" && grep -aqF "GET /authorize/(token) " <<<"$lines"' \
    "the token in a path is (token)"
ok 'grep -aqF "qr.svg?token=(masked) " <<<"$lines" && grep -aqF "/auth/ws/notifications/?token=(masked) " <<<"$lines" &&
    grep -aqF "/demo/?session_token=(masked)&k=(masked)" <<<"$lines"' \
    "?token= of qr.svg and of the WebSocket, and the Referer's query, are masked"

done_testing
