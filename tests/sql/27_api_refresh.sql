-- 27_api_refresh.sql - api_refresh (E7), called as qrshare_api: a new session token and
-- expires_at while nobody has scanned the session. Codes: ok, invalid_client, not_found,
-- expired, invalid_state.
BEGIN;
SELECT plan(13);
\ir fixtures.psql

SELECT pg_temp.new_app(p_max_lifetime => '10 minutes') AS app \gset
UPDATE qrshare.applications SET cors_origins = '{https://shop.example.com}' WHERE id = :'app';
SELECT pg_temp.app_key(:'app') AS key \gset
SELECT pg_temp.new_app() AS other \gset
SELECT pg_temp.app_key(:'other') AS other_key \gset
-- a session asked for 2 minutes, 1 minute ago
SELECT pg_temp.new_session(:'app', p_lifetime => '2 minutes') AS s \gset
UPDATE qrshare.sessions SET lifetime = interval '2 minutes' WHERE id = :'s';
SELECT pg_temp.backdate(:'s', interval '1 minute') AS backdated \gset
SELECT pg_temp.token_of(:'s') AS th, session_number AS s_number FROM qrshare.sessions WHERE id = :'s' \gset
-- a session 5 seconds from its maximum lifetime
SELECT pg_temp.new_session(:'app') AS old \gset
SELECT pg_temp.backdate(:'old', interval '9 minutes 55 seconds') AS backdated \gset
SELECT pg_temp.new_session(:'app') AS due \gset
SELECT pg_temp.backdate(:'due', interval '11 minutes') AS backdated \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS retr \gset
SELECT public.gen_random_bytes(32) AS new_th \gset

SET ROLE qrshare_api;
SELECT results_eq(
    format($$SELECT code, detail, session_number, scope, expires_in, cors
               FROM qrshare.api_refresh(%L, %L, NULL, NULL, %L, 'https://shop.example.com')$$,
           :'s', :'th', :'new_th'),
    format($$VALUES ('ok', NULL::text, %s::bigint, ARRAY['email', 'names'], 120, true)$$, :'s_number'),
    'ok: the asked lifetime again, from now; cors for the application''s origin');
SELECT is(
    (SELECT code FROM qrshare.api_status(:'s', :'th', NULL, NULL, NULL)),
    'not_found', 'the old session token no longer finds the session');
SELECT is(
    (SELECT code FROM qrshare.api_status(:'s', :'new_th', NULL, NULL, NULL)),
    'ok', 'the new one does');
SELECT results_eq(
    format($$SELECT code, expires_in, cors FROM qrshare.api_refresh(%L, NULL, NULL, %L,
                                                                   public.gen_random_bytes(32), NULL)$$,
           :'s', :'key'),
    $$VALUES ('ok', 120, false)$$,
    'ok with the application''s credential; no origin, no CORS');
SELECT results_eq(
    format($$SELECT code, detail, session_number, expires_at, cors
               FROM qrshare.api_refresh(%L, NULL, NULL, %L, public.gen_random_bytes(32),
                                        'https://shop.example.com')$$, :'old', :'key'),
    $$VALUES ('invalid_state', 'the session has reached its maximum lifetime', NULL::bigint,
              NULL::text, true)$$,
    'invalid_state: the maximum lifetime is (nearly) reached');
SELECT results_eq(
    format($$SELECT code, detail FROM qrshare.api_refresh(%L, NULL, NULL, %L,
                                                         public.gen_random_bytes(32), NULL)$$,
           :'retr', :'key'),
    $$VALUES ('invalid_state', 'only a session that has not been scanned can be refreshed')$$,
    'invalid_state: a retrieved session');
SELECT results_eq(
    format($$SELECT code, detail FROM qrshare.api_refresh(%L, NULL, NULL, %L,
                                                         public.gen_random_bytes(32), NULL)$$,
           :'due', :'key'),
    $$VALUES ('expired', NULL::text)$$,
    'expired: a past-due session');
SELECT is(
    (SELECT code FROM qrshare.api_refresh(:'s', NULL, NULL, public.gen_random_bytes(32),
                                          public.gen_random_bytes(32), NULL)),
    'invalid_client', 'invalid_client: an unknown secret');
SELECT is(
    (SELECT code FROM qrshare.api_refresh(:'s', NULL, NULL, :'other_key',
                                          public.gen_random_bytes(32), NULL)),
    'not_found', 'not_found: another application''s credential');
SELECT is(
    (SELECT code FROM qrshare.api_refresh(:'s', :'th', NULL, NULL, public.gen_random_bytes(32), NULL)),
    'not_found', 'not_found: a replaced session token');
RESET ROLE;

SELECT is((SELECT status FROM qrshare.sessions WHERE id = :'due'), 'expired',
          'the past-due session was written expired');
SELECT is(
    (SELECT expires_at - statement_timestamp() BETWEEN interval '119 seconds' AND interval '2 minutes'
       FROM qrshare.sessions WHERE id = :'s'),
    true, 'the refreshed session lives its 2 minutes from now');
SELECT is((SELECT created_at + interval '9 minutes 55 seconds' <= statement_timestamp()
             FROM qrshare.sessions WHERE id = :'old'),
          true, '(the session at its limit was not refreshed)');

SELECT * FROM finish();
ROLLBACK;
