-- 28_api_cancel.sql - api_cancel (E8), called as qrshare_api: a session that is not
-- decided becomes cancelled. Codes: ok, invalid_client, not_found, expired, invalid_state.
BEGIN;
SELECT plan(11);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset
UPDATE qrshare.applications SET cors_origins = '{https://shop.example.com}' WHERE id = :'app';
SELECT pg_temp.app_key(:'app') AS key, pg_temp.new_bearer(:'app') AS bearer \gset
SELECT pg_temp.new_app() AS other \gset
SELECT pg_temp.app_key(:'other') AS other_key \gset
SELECT pg_temp.new_session(:'app') AS s \gset
SELECT pg_temp.token_of(:'s') AS th \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS retr \gset
SELECT pg_temp.new_session(:'app', 'confirmed') AS conf \gset
SELECT pg_temp.new_session(:'app') AS due \gset
SELECT pg_temp.backdate(:'due', interval '11 minutes') AS backdated \gset

SET ROLE qrshare_api;
SELECT results_eq(
    format($$SELECT * FROM qrshare.api_cancel(%L, %L, NULL, NULL, 'https://shop.example.com')$$, :'s', :'th'),
    $$VALUES ('ok', 'cancelled', true)$$,
    'ok: the browser cancels an initialized session; cors for the application''s origin');
SELECT results_eq(
    format($$SELECT * FROM qrshare.api_cancel(%L, %L, NULL, NULL, NULL)$$, :'s', :'th'),
    $$VALUES ('ok', 'cancelled', false)$$,
    'ok: cancelling it again is accepted');
SELECT results_eq(
    format($$SELECT * FROM qrshare.api_cancel(%L, NULL, %L, NULL, NULL)$$, :'retr', :'bearer'),
    $$VALUES ('ok', 'cancelled', false)$$,
    'ok: the application cancels a retrieved session');
SELECT results_eq(
    format($$SELECT * FROM qrshare.api_cancel(%L, NULL, NULL, %L, 'https://shop.example.com')$$, :'conf', :'key'),
    $$VALUES ('invalid_state', 'confirmed', true)$$,
    'invalid_state: a decided session, with its status');
SELECT results_eq(
    format($$SELECT * FROM qrshare.api_cancel(%L, NULL, NULL, %L, NULL)$$, :'due', :'key'),
    $$VALUES ('expired', 'expired', false)$$,
    'expired: a past-due session');
SELECT results_eq(
    format($$SELECT * FROM qrshare.api_cancel(%L, NULL, NULL, public.gen_random_bytes(32),
                                              'https://shop.example.com')$$, :'conf'),
    $$VALUES ('invalid_client', NULL::text, false)$$,
    'invalid_client: an unknown secret');
SELECT results_eq(
    format($$SELECT * FROM qrshare.api_cancel(%L, NULL, NULL, %L, NULL)$$, :'conf', :'other_key'),
    $$VALUES ('not_found', NULL::text, false)$$,
    'not_found: another application''s credential');
SELECT is(
    (SELECT code FROM qrshare.api_cancel(gen_random_uuid(), :'th', NULL, NULL, NULL)),
    'not_found', 'not_found: an unknown session');
RESET ROLE;

SELECT results_eq(
    format($$SELECT status FROM qrshare.sessions WHERE id IN (%L, %L) $$, :'s', :'retr'),
    $$VALUES ('cancelled'), ('cancelled')$$,
    'both sessions are cancelled');
SELECT is(pg_temp.events(:'s'), 2::bigint, 'one cancel event, however many calls');
SELECT results_eq(
    format($$SELECT status FROM qrshare.sessions WHERE id IN (%L, %L) ORDER BY status$$, :'conf', :'due'),
    $$VALUES ('confirmed'), ('expired')$$,
    'the decided session is unchanged; the past-due one was written expired');

SELECT * FROM finish();
ROLLBACK;
