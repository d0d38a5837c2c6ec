#!/usr/bin/env bash
# CORS and response hardening: browser-facing endpoints answer cross-origin only for the
# application's configured origins; phone endpoints never send CORS headers; every
# answer carries the hardening headers.
. "$(dirname "$0")/lib.sh"
plan 19

ORIGIN=https://www.cors-shop.example
row=$(sql "SELECT client_secret FROM qrshare.add_application('CORS Shop', 'cors-shop.example', p_cors_origins => ARRAY['$ORIGIN'])")
KEY=$row
create '{"scope":"email"}' "$KEY"

req OPTIONS "/auth/v2/session/$SID/status/" -H "Origin: $ORIGIN" -H 'Access-Control-Request-Method: GET' \
    -H 'Access-Control-Request-Headers: data-session-token'
is 204 "$STATUS" "preflight from a configured origin: 204"
is "$ORIGIN" "$(header Access-Control-Allow-Origin)" "preflight: Access-Control-Allow-Origin is the origin"
ok '[[ $(header Access-Control-Allow-Headers) == *Data-Session-Token* ]]' "preflight: Data-Session-Token allowed"
is "GET, HEAD" "$(header Access-Control-Allow-Methods)" "preflight: methods of the endpoint"

req OPTIONS "/auth/v2/session/$SID/status/" -H 'Origin: https://evil.example' -H 'Access-Control-Request-Method: GET'
is_error 403 forbidden "preflight from another origin: 403"
is "" "$(header Access-Control-Allow-Origin)" "preflight from another origin: no CORS header"

req GET "/auth/v2/session/$SID/status/" -H "Origin: $ORIGIN" -H "Data-Session-Token: $STOKEN"
is "200 $ORIGIN" "$STATUS $(header Access-Control-Allow-Origin)" "status from a configured origin: allowed"
is ETag "$(header Access-Control-Expose-Headers)" "status: ETag exposed to the page"
req GET "/auth/v2/session/$SID/status/" -H 'Origin: https://evil.example' -H "Data-Session-Token: $STOKEN"
is "200 " "$STATUS $(header Access-Control-Allow-Origin)" "status from another origin: no CORS header"

req GET "/auth/v2/session/$SID/qr.svg" -H "Origin: $ORIGIN" -H "Data-Session-Token: $STOKEN"
is "200 $ORIGIN" "$STATUS $(header Access-Control-Allow-Origin)" "qr from a configured origin: allowed"

req POST "/auth/v2/session/$SID/refresh" -H "Origin: $ORIGIN" -H "Data-Session-Token: $STOKEN" --data ''
is "200 $ORIGIN" "$STATUS $(header Access-Control-Allow-Origin)" "refresh from a configured origin: allowed"
STOKEN=$(j .session_token)

# The phone side never answers cross-origin, even for a configured origin.
USER=$(user_token cors-user)
req OPTIONS "/auth/v2/session/$STOKEN/information/" -H "Origin: $ORIGIN" -H 'Access-Control-Request-Method: GET'
is "" "$(header Access-Control-Allow-Origin)" "information preflight: no CORS header"
req GET "/auth/v2/session/$STOKEN/information/" -H "Authorization: Bearer $USER" -H "Origin: $ORIGIN"
is "200 " "$STATUS $(header Access-Control-Allow-Origin)" "information: no CORS header"
req POST "/auth/v2/session/$STOKEN/update/" -H "Authorization: Bearer $USER" -H "Origin: $ORIGIN" \
    -H 'Content-Type: application/json' --data '{"status":"declined"}'
is "200 " "$STATUS $(header Access-Control-Allow-Origin)" "update: no CORS header"

# Another application's session from the same origin: no CORS.
create '{"scope":"email"}'
req DELETE "/auth/v2/session/$SID" -H "Origin: $ORIGIN" -H "Data-Session-Token: $STOKEN"
is "200 " "$STATUS $(header Access-Control-Allow-Origin)" "cancel of an app without that origin: no CORS header"
create '{"scope":"email"}' "$KEY"
req DELETE "/auth/v2/session/$SID" -H "Origin: $ORIGIN" -H "Data-Session-Token: $STOKEN"
is "200 $ORIGIN" "$STATUS $(header Access-Control-Allow-Origin)" "cancel from a configured origin: allowed"

# Hardening headers on every answer, errors included.
for path in "/auth/v2/session/$SID/status" /auth/v2/nowhere; do
    req GET "$path"
    is "no-store nosniff no-referrer" "$(header Cache-Control) $(header X-Content-Type-Options) $(header Referrer-Policy)" \
        "hardening headers on $STATUS $path"
done
req GET "/auth/v2/session/$SID/qr.svg?token=$STOKEN"
is "no-store nosniff no-referrer" "$(header Cache-Control) $(header X-Content-Type-Options) $(header Referrer-Policy)" \
    "hardening headers on the SVG"
done_testing
