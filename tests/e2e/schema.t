#!/usr/bin/env bash
# A database whose schema the executables do not know is refused with a clear message,
# not a crash (issue 12): each executable is built for the newest migration of its tree
# and checks qrshare.api_schema_version() once per new connection (lib/db.c). Run here as
# plain CGI (a new connection each time) against the stack's database, with its schema
# changed as an operator could leave it; everything is put back at the end.
. "$(dirname "$0")/lib.sh"
plan 15

WANT=$(basename "$(find "$QRSHARE_TOP/sql/migrations" -name '[0-9][0-9][0-9][0-9]_*.sql' | sort | tail -1)" .sql)
HAVE=$(sql 'SELECT max(version) FROM qrshare.schema_migrations')
restore() {
    sql "DELETE FROM qrshare.schema_migrations WHERE version = '9999_from_the_future'" >/dev/null
    sql "INSERT INTO qrshare.schema_migrations (version) VALUES ('$WANT') ON CONFLICT DO NOTHING" >/dev/null
    sql "DO \$\$ BEGIN IF to_regprocedure('qrshare.api_schema_version_hidden()') IS NOT NULL THEN
        ALTER FUNCTION qrshare.api_schema_version_hidden() RENAME TO api_schema_version; END IF; END \$\$" >/dev/null
}
trap 'restore; rm -rf "$tmp"' EXIT
is "$WANT" "$HAVE" "the stack's database has the newest migration of the tree ($WANT)"

# status: session-status as plain CGI; OUT its answer, ERR its stderr, RC its exit status.
status() {
    RC=0
    OUT=$(as_service env GATEWAY_INTERFACE=CGI/1.1 QRSHARE_CONF="$QRSHARE_STATE/qrshare.conf" \
        REQUEST_METHOD=GET REQUEST_URI="/auth/v2/session/$SID/status/" HTTP_DATA_SESSION_TOKEN="$STOKEN" \
        "$QRSHARE_BUILD/cgi-bin/session-status" 2>"$tmp/err" </dev/null) || RC=$?
    ERR=$(cat "$tmp/err")
    BODY=${OUT#*$'\r\n\r\n'}
}
head1() { head -1 <<<"$OUT" | tr -d '\r'; }

create
status
is "0 Status: 200 OK initialized" "$RC $(head1) $(j .status)" "control: the schema it knows is served"

# A newer schema: a newer release migrated the database.
sql "INSERT INTO qrshare.schema_migrations (version) VALUES ('9999_from_the_future')" >/dev/null
status
is "0 Status: 503 Service Unavailable unavailable" "$RC $(head1) $(j .error)" \
    "a newer schema: 503 unavailable, no crash"
ok 'grep -qF "its schema is newer (9999_from_the_future) than this build knows ($WANT): install" <<<"$ERR"' \
    "... and the log says which, and what to do"
ok '! grep -qiE "sql|select|function" <<<"$BODY"' "... the client sees no internal text"
sql "DELETE FROM qrshare.schema_migrations WHERE version = '9999_from_the_future'" >/dev/null

# An older schema: the newest migration was not run.
sql "DELETE FROM qrshare.schema_migrations WHERE version = '$WANT'" >/dev/null
OLDER=$(sql 'SELECT max(version) FROM qrshare.schema_migrations')
status
is "0 Status: 503 Service Unavailable unavailable" "$RC $(head1) $(j .error)" "a missing migration: 503 unavailable"
ok 'grep -qF "its schema lacks migration $WANT (it has $OLDER): run qrshare-migrate" <<<"$ERR"' \
    "... and the log names the missing migration and qrshare-migrate"
sql "INSERT INTO qrshare.schema_migrations (version) VALUES ('$WANT')" >/dev/null

# A database from before 0009: no api_schema_version() at all.
sql 'ALTER FUNCTION qrshare.api_schema_version() RENAME TO api_schema_version_hidden' >/dev/null
status
is "0 Status: 503 Service Unavailable unavailable" "$RC $(head1) $(j .error)" "a schema older than the check itself: 503"
ok 'grep -qF "its schema lacks migration $WANT" <<<"$ERR" && grep -qF "run qrshare-migrate" <<<"$ERR"' \
    "... with the same advice"
sql 'ALTER FUNCTION qrshare.api_schema_version_hidden() RENAME TO api_schema_version' >/dev/null

# A database without qrshare at all (the conf names the wrong database).
sed -E "s/^(conninfo = .*)dbname=qrshare/\1dbname=postgres/" "$QRSHARE_STATE/qrshare.conf" >"$tmp/qrshare.conf"
sed -i -E "s#^(pairwise_key_file|file) = (keys/.*)#\1 = $QRSHARE_STATE/\2#" "$tmp/qrshare.conf"
chmod 644 "$tmp/qrshare.conf"
chmod 755 "$tmp"
RC=0
OUT=$(as_service env GATEWAY_INTERFACE=CGI/1.1 QRSHARE_CONF="$tmp/qrshare.conf" REQUEST_METHOD=GET \
    REQUEST_URI="/auth/v2/session/$SID/status/" HTTP_DATA_SESSION_TOKEN="$STOKEN" \
    "$QRSHARE_BUILD/cgi-bin/session-status" 2>"$tmp/err" </dev/null) || RC=$?
ERR=$(cat "$tmp/err") BODY=${OUT#*$'\r\n\r\n'}
is "0 Status: 503 Service Unavailable" "$RC $(head1)" "a database without the qrshare schema: 503"
ok 'grep -qF "its schema lacks migration $WANT" <<<"$ERR"' "... logged as a missing migration: $(head -c 160 <<<"$ERR")"

# Put back: served again, by a new connection.
status
is "0 Status: 200 OK initialized" "$RC $(head1) $(j .status)" "the schema put back: served again"

# The check is one statement per connection: a FastCGI child that has served requests
# does not check again (its connection was made before this test: it never saw the
# changes above), and answers as before.
req GET "/auth/v2/session/$SID/status/" -H "Data-Session-Token: $STOKEN"
is "200 initialized" "$STATUS $(j .status)" "the stack's running executables still serve"
ok '! grep -aq "its schema" "$SERVER_ERROR_LOG" "$QRSHARE_STATE"/logs/session-status.log 2>/dev/null' \
    "and logged no schema refusal"
is "$WANT" "$(sql 'SELECT qrshare.api_schema_version()')" "api_schema_version() is back, with the newest migration"

done_testing
