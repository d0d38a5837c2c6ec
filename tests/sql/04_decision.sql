-- 04_decision.sql - rule (d): user data only on confirmed sessions; confirmed needs a
-- decision time and granted scopes, a subset of the requested ones; declined has a
-- decision time and nothing granted; retrieved needs the bound user and its time.
BEGIN;
SELECT plan(29);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset
SELECT pg_temp.new_session(:'app', 'retrieved', ARRAY['email', 'names']) AS r \gset
SELECT pg_temp.new_session(:'app', 'initialized') AS i \gset

PREPARE confirm(uuid, text[], bytea, text) AS
    UPDATE qrshare.sessions
       SET status = 'confirmed', decided_at = statement_timestamp(), granted_scopes = $2,
           user_data = $3, seal_key_id = $4
     WHERE id = $1;

-- user data only when confirmed
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET user_data = '\x01', seal_key_id = 'k1' WHERE id = %L$$, :'r'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_user_data_confirmed"',
    'user data on a retrieved session is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET user_data = '\x01', seal_key_id = 'k1' WHERE id = %L$$, :'i'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_user_data_confirmed"',
    'user data on an initialized session is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'declined', decided_at = statement_timestamp(),
                    user_data = '\x01', seal_key_id = 'k1' WHERE id = %L$$, :'r'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_user_data_confirmed"',
    'user data on a declined session is refused');
SELECT throws_ok(
    format($$EXECUTE confirm(%L, '{email}', '\x01', NULL)$$, :'r'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_user_data_sealed"',
    'user data without the id of its sealing key is refused');

-- confirmed needs decided_at and granted scopes
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'confirmed', granted_scopes = '{email}' WHERE id = %L$$, :'r'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_decided_at_decided"',
    'confirmed without a decision time is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'confirmed', decided_at = statement_timestamp()
              WHERE id = %L$$, :'r'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_granted_scopes_confirmed"',
    'confirmed without granted scopes is refused');
SELECT throws_ok(
    format($$EXECUTE confirm(%L, '{email,phone}', '\x01', 'k1')$$, :'r'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_granted_scopes_requested"',
    'granted scopes outside the requested ones are refused');
SELECT throws_ok(
    format($$EXECUTE confirm(%L, '{email,email}', '\x01', 'k1')$$, :'r'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_granted_scopes_requested"',
    'granted scopes with a duplicate are refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET decided_at = statement_timestamp() WHERE id = %L$$, :'r'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_decided_at_decided"',
    'a decision time on an undecided session is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET granted_scopes = '{email}' WHERE id = %L$$, :'r'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_granted_scopes_confirmed"',
    'granted scopes on an undecided session are refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET decision_digest = '\x0102' WHERE id = %L$$, :'r'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_decision_digest_decided"',
    'a decision digest on an undecided session is refused');

-- declined: a decision time, nothing granted
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'declined' WHERE id = %L$$, :'r'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_decided_at_decided"',
    'declined without a decision time is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'declined', decided_at = statement_timestamp(),
                    granted_scopes = '{email}' WHERE id = %L$$, :'r'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_granted_scopes_confirmed"',
    'declined with granted scopes is refused');

-- retrieved: the bound user and the retrieval time
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'retrieved' WHERE id = %L$$, :'i'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_retrieved_bound"',
    'retrieved without a bound user is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'retrieved', retrieved_at = statement_timestamp(),
                    user_iss = 'https://idp.example' WHERE id = %L$$, :'i'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_user_bound_together"',
    'retrieved with an issuer but no subject is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'retrieved', user_iss = 'https://idp.example',
                    user_sub = 'u' WHERE id = %L$$, :'i'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_retrieved_bound"',
    'retrieved without the retrieval time is refused');

SELECT is((SELECT status FROM qrshare.sessions WHERE id = :'r'), 'retrieved',
          'the refused decisions were not written');

-- the legal cases
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET status = 'retrieved', retrieved_at = statement_timestamp(),
                    user_iss = 'https://idp.example', user_sub = 'u' WHERE id = %L$$, :'i'),
    'retrieved with user and retrieval time is accepted');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET status = 'declined', decided_at = statement_timestamp(),
                    decision_digest = '\x0102' WHERE id = %L$$, :'i'),
    'declined with a decision time (and digest) is accepted');
SELECT lives_ok(
    format($$EXECUTE confirm(%L, '{email}', '\x0a0b', 'k1')$$, :'r'),
    'confirmed with a decision time, a subset of the requested scopes and sealed data is accepted');
SELECT is(
    (SELECT granted_scopes FROM qrshare.sessions WHERE id = :'r'), ARRAY['email'],
    'the granted scopes were written');
SELECT lives_ok(
    format($$EXECUTE confirm(%L, '{}', NULL, NULL)$$, pg_temp.new_session(:'app', 'retrieved')),
    'confirmed sharing nothing (empty granted scopes, no data) is accepted');

-- once confirmed, the decision and the data are fixed; only a purge may clear the data
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET user_data = '\x0c0d' WHERE id = %L$$, :'r'),
    '23514', 'a confirmed session cannot change, except for purging its user data',
    'replacing the user data of a confirmed session is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET granted_scopes = '{email,names}' WHERE id = %L$$, :'r'),
    '23514', 'a confirmed session cannot change, except for purging its user data',
    'changing the granted scopes of a confirmed session is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET data_deleted_at = statement_timestamp() WHERE id = %L$$, :'r'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_data_deleted_confirmed"',
    'marking data deleted while it is still held is refused');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET user_data = NULL, seal_key_id = NULL,
                    data_deleted_at = statement_timestamp() WHERE id = %L$$, :'r'),
    'purging the user data of a confirmed session is accepted');

-- the decision digest goes with the user data: it may be cleared, never replaced
SELECT pg_temp.new_session(:'app', 'confirmed') AS c \gset
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET decision_digest = '\x0e0f' WHERE id = %L$$, :'c'),
    '23514', 'a confirmed session cannot change, except for purging its user data',
    'replacing the decision digest of a confirmed session is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET decision_digest = '\x0e0f' WHERE id = %L$$,
           pg_temp.new_session(:'app', 'declined')),
    '23514', 'a declined session cannot change, except for purging its user data',
    'replacing the decision digest of a declined session is refused');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET user_data = NULL, seal_key_id = NULL, decision_digest = NULL,
                    data_deleted_at = statement_timestamp() WHERE id = %L$$, :'c'),
    'purging the user data of a confirmed session together with its decision digest is accepted');

SELECT * FROM finish();
ROLLBACK;
