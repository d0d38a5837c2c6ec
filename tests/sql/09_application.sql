-- 09_application.sql - rule (i): a session belongs to one application for good; and how
-- applications, their tokens and their sessions relate.
BEGIN;
SELECT plan(10);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset
SELECT pg_temp.new_app() AS other \gset
SELECT pg_temp.new_session(:'app', 'initialized') AS i \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS r \gset
SELECT pg_temp.new_session(:'app', 'declined') AS d \gset

SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET application_id = %L WHERE id = %L$$, :'other', :'i'),
    '23514', 'the application of a session cannot change',
    'an initialized session cannot move to another application');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET application_id = %L WHERE id = %L$$, :'other', :'r'),
    '23514', 'the application of a session cannot change',
    'a retrieved session cannot move to another application');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET application_id = %L WHERE id = %L$$, :'other', :'d'),
    '23514', 'the application of a session cannot change',
    'a declined session cannot move to another application');
SELECT is(
    (SELECT count(*)::int FROM qrshare.sessions WHERE application_id = :'app'), 3,
    'all three sessions still belong to their application');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET application_id = %L, status = 'cancelled' WHERE id = %L$$,
           :'app', :'i'),
    'an update naming the same application is accepted');

SELECT throws_ok(
    format($$INSERT INTO qrshare.sessions (application_id, token_hash, requested_scopes, expires_at)
             VALUES (gen_random_uuid(), public.gen_random_bytes(32), '{email}',
                     statement_timestamp() + interval '1 minute')$$),
    '23503', NULL,
    'a session of an unknown application is refused');
SELECT throws_ok(
    format($$DELETE FROM qrshare.applications WHERE id = %L$$, :'app'),
    '23503', NULL,
    'an application with sessions cannot be deleted');

INSERT INTO qrshare.client_tokens (token_hash, application_id, expires_at)
VALUES (public.gen_random_bytes(32), :'other', statement_timestamp() + interval '1 hour');
SELECT lives_ok(
    format($$DELETE FROM qrshare.applications WHERE id = %L$$, :'other'),
    'an application without sessions can be deleted');
SELECT is(
    (SELECT count(*)::int FROM qrshare.client_tokens WHERE application_id = :'other'), 0,
    'its client tokens went with it');
SELECT throws_ok(
    format($$INSERT INTO qrshare.applications (client_id, secret_hash, name, domain, allowed_scopes)
             SELECT client_id, public.gen_random_bytes(32), 'Copy', 'copy.example.com', '{email}'
               FROM qrshare.applications WHERE id = %L$$, :'app'),
    '23505', 'duplicate key value violates unique constraint "applications_client_id_key"',
    'two applications cannot share a client id');

SELECT * FROM finish();
ROLLBACK;
