-- 20_api_token.sql - api_token (E1), called as qrshare_api: a client access token for a
-- client id and secret, and the application's id (the answer's organization_id). Codes: ok,
-- invalid_client.
BEGIN;
SELECT plan(10);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset
SELECT client_id AS cid, secret_hash AS key FROM qrshare.applications WHERE id = :'app' \gset
SELECT pg_temp.new_app() AS other \gset
SELECT client_id AS other_cid, secret_hash AS other_key FROM qrshare.applications WHERE id = :'other' \gset
SELECT public.gen_random_bytes(32) AS th \gset

SELECT is(pg_get_function_result('qrshare.api_token(text, bytea, bytea, integer)'::regprocedure),
          'TABLE(code text, application_id uuid, iat bigint, exp bigint)',
          'the answer''s columns, in order');

SET ROLE qrshare_api;
SELECT results_eq(
    format($$SELECT code, application_id, exp - iat FROM qrshare.api_token(%L, %L, %L, 3600)$$,
           :'cid', :'key', :'th'),
    format($$VALUES ('ok', %L::uuid, 3600::bigint)$$, :'app'),
    'ok: a token valid p_ttl seconds, with the application''s id');
SELECT ok(
    (SELECT abs(iat - extract(epoch FROM now())) <= 1
       FROM qrshare.api_token(:'cid', :'key', public.gen_random_bytes(32), 60)),
    'iat is now (epoch seconds)');
SELECT is(
    (SELECT application_id FROM qrshare.api_token(:'other_cid', :'other_key', public.gen_random_bytes(32), 60)),
    :'other'::uuid, 'ok: another application''s credentials give its own id');
SELECT is(
    (SELECT code FROM qrshare.api_token(:'cid', :'other_key', public.gen_random_bytes(32), 60)),
    'invalid_client', 'invalid_client: another application''s secret');
SELECT is(
    (SELECT code FROM qrshare.api_token('nobody', :'key', public.gen_random_bytes(32), 60)),
    'invalid_client', 'invalid_client: an unknown client id');
SELECT is(
    (SELECT row(application_id, iat, exp)::text
       FROM qrshare.api_token('nobody', :'key', public.gen_random_bytes(32), 60)),
    '(,,)', 'invalid_client carries no application id and no times');
RESET ROLE;

SELECT results_eq(
    format($$SELECT application_id, expires_at - created_at, revoked_at
               FROM qrshare.client_tokens WHERE token_hash = %L$$, :'th'),
    format($$VALUES (%L::uuid, interval '1 hour', NULL::timestamptz)$$, :'app'),
    'the token''s hash is stored for the application, with its lifetime');

SELECT qrshare.disable_application(:'cid') AS disabled \gset
SET ROLE qrshare_api;
SELECT is(
    (SELECT code FROM qrshare.api_token(:'cid', :'key', public.gen_random_bytes(32), 60)),
    'invalid_client', 'invalid_client: a disabled application');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM qrshare.client_tokens WHERE application_id = :'app'),
          2, 'the two ok calls stored a token each, the refusals none');

SELECT * FROM finish();
ROLLBACK;
