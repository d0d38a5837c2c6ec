-- 03_lifetime.sql - rule (c): expires_at after created_at, and a lifetime no longer than
-- the application's max_lifetime, at creation and at every refresh.
BEGIN;
SELECT plan(18);
\ir fixtures.psql

SELECT pg_temp.new_app(p_max_lifetime => '10 minutes') AS app \gset

PREPARE create_session(interval, interval) AS
    INSERT INTO qrshare.sessions (application_id, token_hash, requested_scopes, created_at, expires_at)
    VALUES (:'app', public.gen_random_bytes(32), '{email}', statement_timestamp() + $1,
            statement_timestamp() + $2);

SELECT throws_ok(
    $$EXECUTE create_session('0', '0')$$,
    '23514', 'new row for relation "sessions" violates check constraint "sessions_expires_after_created"',
    'expires_at equal to created_at is refused');
SELECT throws_ok(
    $$EXECUTE create_session('0', '-1 second')$$,
    '23514', 'new row for relation "sessions" violates check constraint "sessions_expires_after_created"',
    'expires_at before created_at is refused');
SELECT throws_ok(
    $$EXECUTE create_session('0', '10 minutes 1 second')$$,
    '23514', 'session lifetime exceeds the application maximum',
    'a lifetime over the application maximum is refused');
SELECT throws_ok(
    $$EXECUTE create_session('-1 hour', '-50 minutes 1 second')$$,
    '23514', 'session lifetime exceeds the application maximum',
    'the lifetime counts from created_at, also when it is given');
SELECT lives_ok(
    $$EXECUTE create_session('0', '10 minutes')$$,
    'a lifetime equal to the application maximum is accepted');
SELECT lives_ok(
    $$EXECUTE create_session('0', '1 second')$$,
    'a short lifetime is accepted');

-- A refresh (new token and expires_at) while initialized
INSERT INTO qrshare.sessions (application_id, token_hash, requested_scopes, created_at, expires_at)
VALUES (:'app', public.gen_random_bytes(32), '{email}', statement_timestamp() - interval '4 minutes',
        statement_timestamp() + interval '1 minute')
RETURNING id AS s \gset

SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET expires_at = created_at + interval '10 minutes 1 second'
              WHERE id = %L$$, :'s'),
    '23514', 'session lifetime exceeds the application maximum',
    'a refresh past created_at + max_lifetime is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET expires_at = statement_timestamp() - interval '1 second'
              WHERE id = %L$$, :'s'),
    '23514', 'a new expires_at must be in the future: stop a session early with status cancelled',
    'a refresh into the past is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET created_at = created_at - interval '1 minute' WHERE id = %L$$, :'s'),
    '23514', 'the id, creation time and requested scopes of a session cannot change',
    'created_at cannot be moved (it anchors the maximum lifetime)');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET token_hash = public.gen_random_bytes(32),
                    expires_at = created_at + interval '10 minutes' WHERE id = %L$$, :'s'),
    'a refresh up to created_at + max_lifetime is accepted');
SELECT is((SELECT expires_at - created_at FROM qrshare.sessions WHERE id = :'s'),
          interval '10 minutes', 'the refresh was written');

-- After retrieval the expiry is fixed
SELECT pg_temp.new_session(:'app', 'retrieved', p_lifetime => '2 minutes') AS r \gset
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET expires_at = expires_at + interval '1 minute' WHERE id = %L$$, :'r'),
    '23514', 'expires_at can change only while the session is initialized',
    'expires_at of a retrieved session cannot change');

-- The application's maximum itself: 30 seconds .. 1 hour
SELECT throws_ok(
    format($$UPDATE qrshare.applications SET max_lifetime = '1 hour 1 second' WHERE id = %L$$, :'app'),
    '23514', 'new row for relation "applications" violates check constraint "applications_max_lifetime_range"',
    'a maximum lifetime over 1 hour is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.applications SET max_lifetime = '29 seconds' WHERE id = %L$$, :'app'),
    '23514', 'new row for relation "applications" violates check constraint "applications_max_lifetime_range"',
    'a maximum lifetime under 30 seconds is refused');
SELECT lives_ok(
    format($$UPDATE qrshare.applications SET max_lifetime = '1 hour' WHERE id = %L$$, :'app'),
    'a maximum lifetime of 1 hour is accepted');
SELECT lives_ok(
    $$EXECUTE create_session('0', '1 hour')$$,
    'with the larger maximum a 1 hour session is accepted');
SELECT throws_ok(
    $$EXECUTE create_session('0', '1 hour 1 second')$$,
    '23514', 'session lifetime exceeds the application maximum',
    'with the larger maximum a longer session is still refused');

-- Client access tokens: expires_at after created_at too
SELECT throws_ok(
    format($$INSERT INTO qrshare.client_tokens (token_hash, application_id, expires_at)
             VALUES (public.gen_random_bytes(32), %L, statement_timestamp())$$, :'app'),
    '23514', 'new row for relation "client_tokens" violates check constraint "client_tokens_lifetime_positive"',
    'a client token must expire after its creation');

SELECT * FROM finish();
ROLLBACK;
