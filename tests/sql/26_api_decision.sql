-- 26_api_decision.sql - api_decision (E6), called as qrshare_api: the decision, for the
-- owning application; its times have milliseconds, as Didit writes them. Codes: ok,
-- invalid_client, not_found, gone.
BEGIN;
SELECT plan(16);
\ir fixtures.psql

SELECT pg_temp.new_app(p_retention => '10 minutes') AS app \gset
SELECT pg_temp.app_key(:'app') AS key, pg_temp.new_bearer(:'app') AS bearer,
       pg_temp.new_bearer(:'app', '-1 second') AS expired_bearer \gset
SELECT pg_temp.new_app() AS once \gset
UPDATE qrshare.applications SET one_time_decision = true WHERE id = :'once';
SELECT pg_temp.app_key(:'once') AS once_key \gset
SELECT pg_temp.new_session(:'app', 'confirmed') AS conf \gset
SELECT pg_temp.new_session(:'app', 'initialized') AS open \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS due \gset
SELECT pg_temp.backdate(:'due', interval '11 minutes') AS backdated \gset
SELECT pg_temp.new_session(:'app', 'confirmed') AS old \gset
SELECT pg_temp.backdate(:'old', interval '10 minutes') AS backdated \gset
SELECT pg_temp.new_session(:'once', 'confirmed') AS once_s \gset
SELECT pg_temp.token_of(:'once_s') AS once_th \gset
SELECT qrshare.iso8601_ms(created_at) AS created, qrshare.iso8601_ms(decided_at) AS decided,
       token_hash AS conf_th
  FROM qrshare.sessions WHERE id = :'conf' \gset

SELECT session_number AS conf_number FROM qrshare.sessions WHERE id = :'conf' \gset
SET ROLE qrshare_api;
SELECT is(
    (SELECT row(d.*)::text FROM qrshare.api_decision(:'conf', NULL, :'key') AS d),
    row('ok', :'conf'::uuid, :'conf_number'::bigint, 'confirmed', NULL::text, ARRAY['email'],
        ARRAY['email', 'names'], NULL::json, :'created'::text, :'decided'::text, '\x0102'::bytea,
        'k1', :'conf_th'::bytea, :'app'::uuid, 'https://idp.example', 'user-1')::text,
    'ok: the decision with the sealed data and what is needed to open it');
SELECT results_eq(
    format($$SELECT created_at ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$',
                    decided_at ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$'
               FROM qrshare.api_decision(%L, NULL, %L)$$, :'conf', :'key'),
    $$VALUES (true, true)$$,
    'created_at and decided_at are ISO 8601 in UTC with milliseconds (2024-08-01T10:30:00.000Z)');
SELECT results_eq(
    format($$SELECT created_at ~ '\.\d{3}Z$', decided_at FROM qrshare.api_decision(%L, NULL, %L)$$,
           :'open', :'key'),
    $$VALUES (true, NULL::text)$$,
    'an undecided session: created_at with milliseconds, no decided_at');
SELECT is(
    (SELECT code || ' ' || status || ' ' || coalesce(user_data::text, '-')
       FROM qrshare.api_decision(:'conf', :'bearer', NULL)),
    'ok confirmed \x0102', 'ok with a client access token; the data is kept within retention');
SELECT is(
    (SELECT code || ' ' || status || ' ' || coalesce(user_data::text, '-')
       FROM qrshare.api_decision(:'open', NULL, :'key')),
    'ok initialized -', 'ok: an undecided session, no data');
SELECT is(
    (SELECT code || ' ' || status FROM qrshare.api_decision(:'due', NULL, :'key')),
    'ok expired', 'ok: a past-due session reads as expired');
SELECT results_eq(
    format($$SELECT code, status, user_data, scope FROM qrshare.api_decision(%L, NULL, %L)$$, :'old', :'key'),
    $$VALUES ('gone', 'confirmed', NULL::bytea, NULL::text[])$$,
    'gone: the retention window has passed');
-- the phone's retry of its update is recognised by the decision digest while it is kept
-- (new_session gave it '\xd1')
SELECT is(
    (SELECT code FROM qrshare.api_update(:'once_th', 'https://idp.example', 'user-1', NULL,
                                         'confirmed', NULL, NULL, NULL, '\xd1')),
    'ok', '(before the one-time read the digest recognises a retry of the update)');
SELECT is(
    (SELECT code || ' ' || coalesce(user_data::text, '-') FROM qrshare.api_decision(:'once_s', NULL, :'once_key')),
    'ok \x0102', 'ok: a one-time decision gives the data once');
SELECT is(
    (SELECT code FROM qrshare.api_update(:'once_th', 'https://idp.example', 'user-1', NULL,
                                         'confirmed', NULL, NULL, NULL, '\xd1')),
    'invalid_state', 'after the one-time read the digest is gone: the same retry is refused');
SELECT is(
    (SELECT code FROM qrshare.api_decision(:'once_s', NULL, :'once_key')),
    'gone', 'gone: a one-time decision asked again');
SELECT is(
    (SELECT code FROM qrshare.api_decision(:'conf', NULL, public.gen_random_bytes(32))),
    'invalid_client', 'invalid_client: an unknown secret');
SELECT is(
    (SELECT code FROM qrshare.api_decision(:'conf', :'expired_bearer', NULL)),
    'invalid_client', 'invalid_client: an expired client access token');
SELECT is(
    (SELECT code FROM qrshare.api_decision(:'conf', NULL, :'once_key')),
    'not_found', 'not_found: another application''s session');
SELECT is(
    (SELECT code FROM qrshare.api_decision(gen_random_uuid(), NULL, :'key')),
    'not_found', 'not_found: an unknown session');
RESET ROLE;

SELECT set_eq(
    format($$SELECT id, user_data IS NULL AS a, seal_key_id IS NULL AS b,
                    decision_digest IS NULL AS c, data_deleted_at IS NOT NULL AS d
               FROM qrshare.sessions WHERE id IN (%L, %L, %L)$$, :'old', :'once_s', :'conf'),
    format($$VALUES (%L::uuid, true, true, true, true), (%L, true, true, true, true),
                    (%L, false, false, false, false)$$,
           :'old', :'once_s', :'conf'),
    'the gone data (retention passed, one-time read) was deleted with its decision digest, and '
    'when; the data within retention is kept, and its digest');

SELECT * FROM finish();
ROLLBACK;
