#!/usr/bin/env bash
# What a Didit integration meets that plain qrshare did not have: organization_id in the
# token answer, session_id in the update body, the scope "pictures", decision times with
# milliseconds; and what is stored about a decision binds its user and its session.
. "$(dirname "$0")/lib.sh"
plan 16

USER=$(user_token didit-user)
APP_ID=$(sql "SELECT id FROM qrshare.applications WHERE client_id = '$QRSHARE_CLIENT_ID'")

app_token
is "200 $APP_ID" "$STATUS $(j .organization_id)" "token: organization_id is the application's id by default"

create '{"scope":"pictures email"}'
is "201 picture email" "$STATUS $(j .scope)" "create: scope pictures is taken as picture"
is "{picture,email}" "$(sql "SELECT requested_scopes FROM qrshare.sessions WHERE id = '$SID'")" \
    "... and stored as picture"
create '{"scope":"picture pictures"}'
is "201 picture" "$STATUS $(j .scope)" "create: picture and pictures are one scope"

# session_id in the update body: must be this session's
create '{"scope":"email"}'
A=$SID AT=$STOKEN
information "$AT" "$USER"
create '{"scope":"email"}'
update "$AT" "$USER" "{\"status\":\"declined\",\"session_id\":\"$SID\"}"
is_error 400 invalid_request "update: another session's session_id is refused"
is retrieved "$(sql "SELECT status FROM qrshare.sessions WHERE id = '$A'")" "... and nothing was written"
update "$AT" "$USER" '{"status":"declined","session_id":"not-a-uuid"}'
is_error 400 invalid_request "update: a session_id that is no UUID is refused"
update "$AT" "$USER" '{"status":"declined","session_id":42}'
is_error 400 invalid_request "update: a session_id that is no string is refused"
update "$AT" "$USER" "{\"status\":\"confirmed\",\"user_data\":{\"email\":{\"email\":\"d@example.org\",\"is_verified\":false,\"is_primary\":true}},\"session_id\":\"${A^^}\"}"
is "200 confirmed" "$STATUS $(j .status)" "update: the session's own session_id (any case) is accepted"

req GET "/auth/v2/session/$A/decision/" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"
ok '[[ "$(j .created_at)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$ ]]' \
    "decision: created_at with milliseconds"
ok '[[ "$(j .decided_at)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$ ]]' \
    "decision: decided_at with milliseconds"

# The same data in two sessions: two different digests (keyed per session).
confirmed() {
    create '{"scope":"email"}'
    information "$STOKEN" "$USER"
    update "$STOKEN" "$USER" '{"status":"confirmed","user_data":{"email":{"email":"same@example.org","is_verified":false,"is_primary":true}}}'
}
confirmed
B=$SID
confirmed
C=$SID
is 2 "$(sql "SELECT count(DISTINCT decision_digest) FROM qrshare.sessions WHERE id IN ('$B', '$C')")" \
    "equal data in two sessions: two digests"

# The sealed data names its user: a row whose user was rewritten in psql does not open.
sql "SET session_replication_role = replica; UPDATE qrshare.sessions SET user_sub = 'mallory' WHERE id = '$B'" >/dev/null
req GET "/auth/v2/session/$B/decision/" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"
is_error 500 server_error "a row whose user was rewritten: the data does not open"
is null "$(j .user_data)" "... and no data"
sql "SET session_replication_role = replica; UPDATE qrshare.sessions SET user_sub = 'didit-user' WHERE id = '$B'" >/dev/null
req GET "/auth/v2/session/$B/decision/" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"
is "200 same@example.org" "$STATUS $(j .user_data.email.email)" "... its own user back: it opens again"
req GET "/auth/v2/session/$C/decision/" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"
is "200 same@example.org" "$STATUS $(j .user_data.email.email)" "the other session is untouched"
done_testing
