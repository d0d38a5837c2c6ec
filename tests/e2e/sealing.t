#!/usr/bin/env bash
# User data sealed at rest: ciphertext only in the database, key rotation, and a
# ciphertext that was moved, altered or whose key is gone gives 500 and no data.
. "$(dirname "$0")/lib.sh"
plan 18

USER=$(user_token sealing-user)
# confirmed_session EMAIL: a confirmed session of the first application; sets SID.
confirmed_session() {
    create '{"scope":"email names"}'
    information "$STOKEN" "$USER"
    update "$STOKEN" "$USER" "{\"status\":\"confirmed\",\"user_data\":{\"email\":{\"email\":\"$1\",\"is_verified\":false,\"is_primary\":true}}}"
}
decision() { req GET "/auth/v2/session/$1/decision" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"; }

confirmed_session sealed-one@example.org
A=$SID
is "$(grep -m1 '^active_seal_key' "$QRSHARE_STATE/qrshare.conf" | sed 's/.*= *//')" "$(sql "SELECT seal_key_id FROM qrshare.sessions WHERE id = '$A'")" \
    "the row names the active key"
is 0 "$(sql "SELECT position(convert_to('sealed-one', 'UTF8') IN user_data) FROM qrshare.sessions WHERE id = '$A'")" \
    "the database holds no plaintext"
is 40 "$(sql "SELECT octet_length(user_data) - octet_length('{\"email\":{\"email\":\"sealed-one@example.org\",\"is_verified\":false,\"is_primary\":true}}') FROM qrshare.sessions WHERE id = '$A'")" \
    "ciphertext = nonce (24) + tag (16) + plaintext length"

# A new active key: new confirmations use it, older ones still open.
head -c 32 /dev/urandom > "$QRSHARE_STATE/keys/seal-2.key"
chmod 600 "$QRSHARE_STATE/keys/seal-2.key"
[ "$(id -u)" -eq 0 ] && chown qrshare: "$QRSHARE_STATE/keys/seal-2.key"
cp "$QRSHARE_STATE/qrshare.conf" "$tmp/qrshare.conf.orig"
sed -i 's/^active_seal_key = .*/active_seal_key = 2/' "$QRSHARE_STATE/qrshare.conf"
printf '\n[seal_key 2]\nfile = keys/seal-2.key\n' >> "$QRSHARE_STATE/qrshare.conf"
"$QRSHARE_TOP/bootstrap" respawn "$QRSHARE_STATE" session-update session-decision
confirmed_session sealed-two@example.org
B=$SID
is 2 "$(sql "SELECT seal_key_id FROM qrshare.sessions WHERE id = '$B'")" "after rotation new data is sealed with the new key"
decision "$A"
is "200 sealed-one@example.org" "$STATUS $(j .user_data.email.email)" "data sealed with the old key still opens"
decision "$B"
is "200 sealed-two@example.org" "$STATUS $(j .user_data.email.email)" "data sealed with the new key opens"

# Tampering, done as the database owner with triggers off (an attacker with the dump).
tamper() { sql "SET session_replication_role = replica; $1" >/dev/null; }
confirmed_session moved@example.org
C=$SID
tamper "UPDATE qrshare.sessions SET user_data = (SELECT user_data FROM qrshare.sessions WHERE id = '$B'), seal_key_id = '2' WHERE id = '$C'"
decision "$C"
is_error 500 server_error "a ciphertext moved to another row: 500"
is null "$(j .user_data)" "... and no data"
ok 'grep -q "session ${C:0:8}: user data does not open" "$SERVER_ERROR_LOG"' \
    "... and a log line naming the session, shortened"
ok '! grep -q "$C" "$SERVER_ERROR_LOG"' "... never the whole session id"

confirmed_session altered@example.org
D=$SID
tamper "UPDATE qrshare.sessions SET user_data = set_byte(user_data, 30, get_byte(user_data, 30) # 1) WHERE id = '$D'"
decision "$D"
is_error 500 server_error "a ciphertext altered by one byte: 500"
is null "$(j .user_data)" "... and no data"

confirmed_session keyless@example.org
E=$SID
tamper "UPDATE qrshare.sessions SET seal_key_id = 'retired' WHERE id = '$E'"
decision "$E"
is_error 500 server_error "a ciphertext under a key id that is not configured: 500"
ok 'grep -q "session ${E:0:8}: the seal key of its user data is not configured" "$SERVER_ERROR_LOG"' "... logged with the session, shortened"

# Without the pairwise key an update is refused: its digest is never keyed with zeros.
create '{"scope":"email"}'
information "$STOKEN" "$USER"
sed -i '/^pairwise_key_file/d' "$QRSHARE_STATE/qrshare.conf"
"$QRSHARE_TOP/bootstrap" respawn "$QRSHARE_STATE" session-update
update "$STOKEN" "$USER" '{"status":"declined"}'
is_error 500 server_error "no pairwise key: an update is refused"
is retrieved "$(sql "SELECT status FROM qrshare.sessions WHERE id = '$SID'")" "... and nothing was decided"

# Back to the original conf for the tests that follow.
cp "$tmp/qrshare.conf.orig" "$QRSHARE_STATE/qrshare.conf"
"$QRSHARE_TOP/bootstrap" respawn "$QRSHARE_STATE" session-update session-decision
decision "$A"
is "200 sealed-one@example.org" "$STATUS $(j .user_data.email.email)" "the first key alone opens what it sealed"
decision "$B"
is_error 500 server_error "without key 2, what it sealed cannot be read"
done_testing
