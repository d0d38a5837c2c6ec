-- 22_api_status.sql - api_status (E3, E9), called as qrshare_api: the hot path, read-only.
-- Codes: ok, invalid_client, not_found.
BEGIN;
SELECT plan(16);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset
UPDATE qrshare.applications SET cors_origins = '{https://shop.example.com}' WHERE id = :'app';
SELECT pg_temp.app_key(:'app') AS key, pg_temp.new_bearer(:'app') AS bearer \gset
SELECT pg_temp.new_app() AS other \gset
SELECT pg_temp.app_key(:'other') AS other_key \gset
SELECT pg_temp.new_session(:'app') AS s \gset
SELECT pg_temp.token_of(:'s') AS th, expires_at AS s_expires FROM qrshare.sessions WHERE id = :'s' \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS due \gset
SELECT pg_temp.backdate(:'due', interval '11 minutes') AS backdated \gset
SELECT pg_temp.token_of(:'due') AS due_th \gset
SELECT pg_temp.new_session(:'app', 'confirmed') AS conf \gset
SELECT pg_temp.events(:'due') AS due_events \gset
SELECT qrshare.iso8601(:'s_expires') AS s_iso \gset
SET ROLE qrshare_api;
SELECT results_eq(
    format($$SELECT * FROM qrshare.api_status(%L, %L, NULL, NULL, NULL)$$, :'s', :'th'),
    format($$VALUES ('ok', 'initialized', %L, %s::bigint, false)$$,
           :'s_iso', extract(epoch FROM :'s_expires'::timestamptz)::bigint),
    'ok with the session token: status, expires_at, its epoch; no origin, no CORS');
SELECT is(
    (SELECT cors FROM qrshare.api_status(:'s', :'th', NULL, NULL, 'https://shop.example.com')),
    true, 'ok: cors true for an origin of the application');
SELECT is(
    (SELECT cors FROM qrshare.api_status(:'s', :'th', NULL, NULL, 'https://evil.example.com')),
    false, 'ok: cors false for another origin');
SELECT is(
    (SELECT code || ' ' || status FROM qrshare.api_status(:'s', NULL, NULL, :'key', NULL)),
    'ok initialized', 'ok with the application''s secret, no session token');
SELECT is(
    (SELECT code || ' ' || status FROM qrshare.api_status(:'s', NULL, :'bearer', NULL, NULL)),
    'ok initialized', 'ok with the application''s client access token');
SELECT is(
    (SELECT code || ' ' || status FROM qrshare.api_status(:'s', :'th', :'bearer', NULL, NULL)),
    'ok initialized', 'ok with both');
SELECT is(
    (SELECT code || ' ' || status FROM qrshare.api_status(:'due', :'due_th', NULL, NULL, NULL)),
    'ok expired', 'ok: a past-due open session reads as expired');
SELECT is(
    (SELECT code || ' ' || status FROM qrshare.api_status(:'conf', NULL, NULL, :'key', NULL)),
    'ok confirmed', 'ok: a confirmed session');

SELECT results_eq(
    format($$SELECT * FROM qrshare.api_status(%L, %L, NULL, public.gen_random_bytes(32),
                                              'https://shop.example.com')$$, :'s', :'th'),
    $$VALUES ('invalid_client', NULL::text, NULL::text, NULL::bigint, false)$$,
    'invalid_client: a credential that is not valid, even with the right session token');
SELECT results_eq(
    format($$SELECT * FROM qrshare.api_status(%L, %L, NULL, NULL, 'https://shop.example.com')$$,
           :'s', :'due_th'),
    $$VALUES ('not_found', NULL::text, NULL::text, NULL::bigint, false)$$,
    'not_found: another session''s token');
SELECT is(
    (SELECT code FROM qrshare.api_status(gen_random_uuid(), :'th', NULL, NULL, NULL)),
    'not_found', 'not_found: an unknown id');
SELECT is(
    (SELECT code FROM qrshare.api_status(:'s', NULL, NULL, :'other_key', NULL)),
    'not_found', 'not_found: another application''s credential');
SELECT is(
    (SELECT code FROM qrshare.api_status(:'s', NULL, NULL, NULL, NULL)),
    'not_found', 'not_found: no token and no credential');
RESET ROLE;

SELECT is((SELECT status FROM qrshare.sessions WHERE id = :'due'), 'retrieved',
          'api_status wrote nothing: the past-due session is still stored retrieved');
SELECT is(pg_temp.events(:'due'), :'due_events'::bigint, 'and has no new event');
SELECT is(
    (SELECT provolatile::text FROM pg_proc
      WHERE oid = 'qrshare.api_status(uuid, bytea, bytea, bytea, text)'::regprocedure),
    's', 'api_status is STABLE (PostgreSQL refuses writes in it)');

SELECT * FROM finish();
ROLLBACK;
