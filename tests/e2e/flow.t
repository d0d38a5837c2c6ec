#!/usr/bin/env bash
# The whole flow through lighttpd: confirm, decline, cancel, refresh, expiry.
. "$(dirname "$0")/lib.sh"
plan 62

# A session with the minimum lifetime, checked at the end (the rest runs meanwhile).
create '{"scope":"email","expires_in":30}'
EXP_SID=$SID EXP_TOKEN=$STOKEN EXP_START=$(date +%s)
req GET "/auth/v2/session/$EXP_SID/status" -H "Data-Session-Token: $EXP_TOKEN"
is "200 initialized" "$STATUS $(j .status)" "expiry: before expires_at the session waits"

# --- confirm -------------------------------------------------------------------------
app_token
is 200 "$STATUS" "token: 200"
is Bearer "$(j .token_type)" "token: token_type Bearer"
is "$QRSHARE_CLIENT_ID" "$(j .client_id)" "token: client_id"
ok '[ "$(j .expires_in)" -gt 0 ] && [ "$(j .exp)" -gt "$(j .iat)" ]' "token: expires_in, exp after iat"

req POST /auth/v2/session/ -H "Authorization: Bearer $AT" -H 'Content-Type: application/json' \
    --data '{"scope":"email names phone","vendor_data":"order-42","metadata":{"cart":3},"expires_in":600}'
is 201 "$STATUS" "create with a client access token: 201"
SID=$(j .session_id) STOKEN=$(j .session_token) SURL=$(j .url)
ok '[[ $SID =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]]' "create: session_id is a UUID"
ok '[[ $STOKEN =~ ^[A-Za-z0-9_-]{43}$ ]]' "create: session_token is 32 bytes base64url"
is "$QRSHARE_URL/authorize/$STOKEN" "$SURL" "create: url from the template"
is initialized "$(j .status)" "create: status initialized"
is "email names phone" "$(j .scope)" "create: scope"
is order-42 "$(j .vendor_data)" "create: vendor_data"
is 600 "$(j .expires_in)" "create: expires_in"
ok '[[ $(j .expires_at) =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]]' "create: expires_at ISO 8601 UTC"
ok '[ "$(j .session_number)" -gt 0 ]' "create: session_number"
is "application/json; charset=utf-8" "$(header Content-Type)" "JSON content type"
is no-store "$(header Cache-Control)" "Cache-Control: no-store"

req GET "/auth/v2/session/$SID/status/" -H "Data-Session-Token: $STOKEN"
is "200 initialized" "$STATUS $(j .status)" "status by session token: initialized"
is 2 "$(j .interval)" "status: interval"
ETAG=$(header ETag)
ok '[ -n "$ETAG" ]' "status: ETag"
req GET "/auth/v2/session/$SID/status" -H "Data-Session-Token: $STOKEN" -H "If-None-Match: $ETAG"
is 304 "$STATUS" "status: 304 for If-None-Match with the current ETag (no trailing slash)"

ALICE=$(user_token alice)
information "$STOKEN" "$ALICE"
is "200 retrieved" "$STATUS $(j .status)" "information: first call binds the user, retrieved"
is "Demo Shop" "$(j .application.name)" "information: application name"
is shop.example "$(j .application.domain)" "information: application domain"
is "email names phone" "$(j '[.scopes[].name]|join(" ")')" "information: scopes in request order"
is object "$(j '.scopes[]|select(.name=="email").type')" "information: scope type from the catalog"
ok '[ -n "$(j ".scopes[0].description")" ] && [ "$(j ".scopes[0].verified")" != null ]' "information: description and verified"
is "$SID" "$(j .session_id)" "information: session_id"

req GET "/auth/v2/session/$SID/status/" -H "Data-Session-Token: $STOKEN" -H "If-None-Match: $ETAG"
is "200 retrieved" "$STATUS $(j .status)" "status: the browser sees retrieved (old ETag no longer matches)"

information "$STOKEN" "$ALICE"
is "200 retrieved" "$STATUS $(j .status)" "information: same user again, same answer"

update "$STOKEN" "$ALICE" '{"status":"confirmed","user_data":{"email":{"email":"alice@example.org","is_verified":false,"is_primary":true},"names":{"first_name":"Alice","family_name":"Liddell","is_verified":false}}}'
is "200 confirmed" "$STATUS $(j .status)" "update: confirmed"
update "$STOKEN" "$ALICE" '{"status":"confirmed","user_data":{"email":{"email":"alice@example.org","is_verified":false,"is_primary":true},"names":{"first_name":"Alice","family_name":"Liddell","is_verified":false}}}'
is "200 confirmed" "$STATUS $(j .status)" "update: identical retry is 200"
update "$STOKEN" "$ALICE" '{"status":"confirmed","user_data":{"email":{"email":"mallory@example.org","is_verified":false,"is_primary":true}}}'
is_error 409 invalid_state "update: a different retry is 409"

req GET "/auth/v2/session/$SID/status/" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"
is "200 confirmed" "$STATUS $(j .status)" "status by app credential: confirmed"

req GET "/auth/v2/session/$SID/decision/" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"
is 200 "$STATUS" "decision: 200"
is confirmed "$(j .status)" "decision: status"
is "alice@example.org false true" "$(j '.user_data.email | "\(.email) \(.is_verified) \(.is_primary)"')" "decision: user_data.email, is_verified by qrshare"
is Liddell "$(j .user_data.names.family_name)" "decision: user_data.names"
is null "$(j .user_data.phone)" "decision: a scope not shared is absent"
is "email names" "$(j .scope)" "decision: scope is what was granted"
is "email names phone" "$(j .requested_scope)" "decision: requested_scope"
is order-42 "$(j .vendor_data)" "decision: vendor_data"
is 3 "$(j .metadata.cart)" "decision: metadata"
ok '[ -n "$(j .decided_at)" ] && [ "$(j .decided_at)" != null ]' "decision: decided_at"
SUB1=$(j .user_data.sub)
ok '[[ $SUB1 =~ ^[A-Za-z0-9_-]{43}$ ]] && [ "$SUB1" != alice ]' "decision: sub is pairwise, not the user's own id"

# Same user, same application: same sub. Same user, another application: another sub.
create '{"scope":"email"}'
information "$STOKEN" "$ALICE" && update "$STOKEN" "$ALICE" '{"status":"confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}}}'
req GET "/auth/v2/session/$SID/decision" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"
is "$SUB1" "$(j .user_data.sub)" "pairwise sub: stable for one application"
create '{"scope":"email"}' "$QRSHARE_CLIENT_SECRET_2"
information "$STOKEN" "$ALICE" && update "$STOKEN" "$ALICE" '{"status":"confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}}}'
req GET "/auth/v2/session/$SID/decision" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET_2"
ok '[ -n "$(j .user_data.sub)" ] && [ "$(j .user_data.sub)" != "$SUB1" ]' "pairwise sub: differs between applications"

# --- decline -------------------------------------------------------------------------
create
information "$STOKEN" "$(user_token bob HS256)"
is "200 retrieved" "$STATUS $(j .status)" "decline: information with an HS256 user token"
update "$STOKEN" "$(user_token bob HS256)" '{"status":"declined"}'
is "200 declined" "$STATUS $(j .status)" "decline: update declined"
req GET "/auth/v2/session/$SID/status" -H "Data-Session-Token: $STOKEN"
is declined "$(j .status)" "decline: status declined"
req GET "/auth/v2/session/$SID/decision" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"
is "200 declined null" "$STATUS $(j .status) $(j .user_data)" "decline: decision has no user_data"

# --- cancel from the browser ---------------------------------------------------------
create
req DELETE "/auth/v2/session/$SID/" -H "Data-Session-Token: $STOKEN"
is "200 cancelled" "$STATUS $(j .status)" "cancel: by session token"
req GET "/auth/v2/session/$SID/status" -H "Data-Session-Token: $STOKEN"
is cancelled "$(j .status)" "cancel: status cancelled"
information "$STOKEN" "$ALICE"
is_error 409 invalid_state "cancel: the phone gets 409 invalid_state"

# --- refresh -------------------------------------------------------------------------
create '{"scope":"email","expires_in":60}'
OLD=$STOKEN
req POST "/auth/v2/session/$SID/refresh/" -H "Data-Session-Token: $STOKEN" --data ''
is 200 "$STATUS" "refresh: 200"
NEW=$(j .session_token)
ok '[[ $NEW =~ ^[A-Za-z0-9_-]{43}$ ]] && [ "$NEW" != "$OLD" ]' "refresh: a new session token"
is "$SID $QRSHARE_URL/authorize/$NEW" "$(j .session_id) $(j .url)" "refresh: same session id, new url"
req GET "/auth/v2/session/$SID/status" -H "Data-Session-Token: $OLD"
is_error 404 not_found "refresh: the old token is dead"
information "$NEW" "$ALICE"
is "200 retrieved" "$STATUS $(j .status)" "refresh: the new token works on the phone"

# --- expiry --------------------------------------------------------------------------
sleep $((31 - ($(date +%s) - EXP_START) > 0 ? 31 - ($(date +%s) - EXP_START) : 0))
req GET "/auth/v2/session/$EXP_SID/status" -H "Data-Session-Token: $EXP_TOKEN"
is "200 expired" "$STATUS $(j .status)" "expiry: status reports expired"
information "$EXP_TOKEN" "$ALICE"
is_error 410 expired "expiry: information answers 410"
update "$EXP_TOKEN" "$ALICE" '{"status":"declined"}'
is_error 410 expired "expiry: update answers 410"

done_testing
