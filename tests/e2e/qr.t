#!/usr/bin/env bash
# The QR code of a session (E9) through lighttpd: the SVG decodes to exactly the session's
# url (rsvg-convert, zbarimg); the session token comes as a header or as ?token=.
. "$(dirname "$0")/lib.sh"
plan 25

UNKNOWN_TOKEN=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA

# qr_is URL DESC: the last answer is an SVG whose QR code holds exactly URL (one symbol).
qr_is() {
    cp "$tmp/b" "$tmp/qr.svg"
    is "$1" "$(qr_decode "$tmp/qr.svg")" "$2"
}

create '{"scope":"email names"}'
FIRST_SID=$SID OLD_TOKEN=$STOKEN OLD_URL=$SURL
is "$QRSHARE_URL/authorize/$STOKEN" "$SURL" "the session url is the one the QR code must hold"

req GET "/auth/v2/session/$SID/qr.svg" -H "Data-Session-Token: $STOKEN"
is 200 "$STATUS" "Data-Session-Token: 200"
is image/svg+xml "$(header Content-Type)" "Data-Session-Token: image/svg+xml"
is no-store "$(header Cache-Control)" "Data-Session-Token: Cache-Control no-store"
ok 'grep -q "<svg" "$tmp/b" && ! grep -qi "<script" "$tmp/b"' "Data-Session-Token: an SVG document, no script"
qr_is "$SURL" "Data-Session-Token: the QR code decodes to exactly the url"

req GET "/auth/v2/session/$SID/qr.svg?token=$STOKEN"
is "200 image/svg+xml" "$STATUS $(header Content-Type)" "?token=: 200 image/svg+xml"
qr_is "$SURL" "?token=: the QR code decodes to exactly the url"
req GET "/auth/v2/session/$SID/qr.svg?size=4&token=$STOKEN"
is 200 "$STATUS" "?token= after another parameter"
req GET "/auth/v2/session/$SID/qr.svg?token=${STOKEN//-/%2D}"
is 200 "$STATUS" "?token= percent-encoded"

req GET "/auth/v2/session/$SID/qr.svg" -H "Data-Session-Token: $UNKNOWN_TOKEN"
is_error 404 not_found "a wrong Data-Session-Token: 404"
req GET "/auth/v2/session/$SID/qr.svg?token=$UNKNOWN_TOKEN"
is_error 404 not_found "a wrong ?token=: 404"
req GET "/auth/v2/session/$SID/qr.svg?token=short"
is_error 404 not_found "a malformed ?token=: 404"
create '{"scope":"email"}'
OTHER_SID=$SID OTHER_TOKEN=$STOKEN
req GET "/auth/v2/session/$OTHER_SID/qr.svg?token=$OLD_TOKEN"
is_error 404 not_found "another session's token: 404"
req GET "/auth/v2/session/00000000-0000-4000-8000-000000000000/qr.svg?token=$OTHER_TOKEN"
is_error 404 not_found "an unknown session id with a real token: 404"
req GET "/auth/v2/session/$OTHER_SID/qr.svg"
is_error_h 401 invalid_client WWW-Authenticate '.' "no token: 401 with WWW-Authenticate"
req GET "/auth/v2/session/$OTHER_SID/qr.svg" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"
is_error 401 invalid_client "an app credential alone is no session token: 401"

# --- after a refresh the old token's QR code is gone and the new one holds the new url ---
req GET "/auth/v2/session/$OTHER_SID/qr.svg?token=$OTHER_TOKEN"
qr_is "$QRSHARE_URL/authorize/$OTHER_TOKEN" "before the refresh: the QR code holds the first url"
req POST "/auth/v2/session/$OTHER_SID/refresh/" -H "Data-Session-Token: $OTHER_TOKEN" --data ''
NEW_TOKEN=$(j .session_token) NEW_URL=$(j .url)
is "200 $QRSHARE_URL/authorize/$NEW_TOKEN new" "$STATUS $NEW_URL $([ "$NEW_TOKEN" != "$OTHER_TOKEN" ] && echo new)" \
    "refresh: a new token and url"
req GET "/auth/v2/session/$OTHER_SID/qr.svg?token=$OTHER_TOKEN"
is_error 404 not_found "after refresh: the old token's QR code (?token=) is 404"
req GET "/auth/v2/session/$OTHER_SID/qr.svg" -H "Data-Session-Token: $OTHER_TOKEN"
is_error 404 not_found "after refresh: the old token's QR code (header) is 404"
req GET "/auth/v2/session/$OTHER_SID/qr.svg" -H "Data-Session-Token: $NEW_TOKEN"
is "200 image/svg+xml" "$STATUS $(header Content-Type)" "after refresh: the new token's QR code"
qr_is "$NEW_URL" "after refresh: it decodes to exactly the new url"
req GET "/auth/v2/session/$OTHER_SID/qr.svg?token=$NEW_TOKEN"
qr_is "$NEW_URL" "after refresh: ?token= with the new token decodes to the new url"

# --- the first session is untouched by all this ---------------------------------------
req GET "/auth/v2/session/$FIRST_SID/qr.svg?token=$OLD_TOKEN"
qr_is "$OLD_URL" "the first session's QR code still holds its url"

done_testing
