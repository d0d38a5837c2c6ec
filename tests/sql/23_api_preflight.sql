-- 23_api_preflight.sql - api_preflight (CORS preflight), called as qrshare_api.
-- Codes: ok, not_found.
BEGIN;
SELECT plan(5);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset
UPDATE qrshare.applications SET cors_origins = '{https://shop.example.com}' WHERE id = :'app';
SELECT pg_temp.new_session(:'app', 'cancelled') AS s \gset

SET ROLE qrshare_api;
SELECT results_eq(
    format($$SELECT * FROM qrshare.api_preflight(%L, 'https://shop.example.com')$$, :'s'),
    $$VALUES ('ok', true)$$, 'ok: cors true for an origin of the session''s application');
SELECT results_eq(
    format($$SELECT * FROM qrshare.api_preflight(%L, 'https://evil.example.com')$$, :'s'),
    $$VALUES ('ok', false)$$, 'ok: cors false for another origin');
SELECT results_eq(
    format($$SELECT * FROM qrshare.api_preflight(%L, NULL)$$, :'s'),
    $$VALUES ('ok', false)$$, 'ok: cors false without an origin');
SELECT results_eq(
    $$SELECT * FROM qrshare.api_preflight(gen_random_uuid(), 'https://shop.example.com')$$,
    $$VALUES ('not_found', false)$$, 'not_found: an unknown session');
RESET ROLE;
SELECT is(
    (SELECT provolatile::text FROM pg_proc WHERE oid = 'qrshare.api_preflight(uuid, text)'::regprocedure),
    's', 'api_preflight is STABLE');

SELECT * FROM finish();
ROLLBACK;
