-- 25_api_update.sql - api_update (E5), called as qrshare_api: the bound user confirms or
-- declines. Codes: ok, not_found, expired, invalid_state, already_claimed, invalid_request.
BEGIN;
SELECT plan(24);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset
-- new_session binds retrieved sessions to https://idp.example, user-1
SELECT pg_temp.token_of(pg_temp.new_session(:'app', 'retrieved')) AS th \gset
SELECT id AS s FROM qrshare.sessions WHERE token_hash = :'th' \gset
SELECT pg_temp.token_of(pg_temp.new_session(:'app', 'retrieved')) AS th2 \gset
SELECT pg_temp.token_of(pg_temp.new_session(:'app', 'retrieved')) AS th3 \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS due \gset
SELECT pg_temp.backdate(:'due', interval '11 minutes') AS backdated \gset
SELECT pg_temp.token_of(:'due') AS due_th \gset
SELECT pg_temp.token_of(pg_temp.new_session(:'app', 'cancelled')) AS cancelled_th \gset
SELECT pg_temp.token_of(pg_temp.new_session(:'app', 'initialized')) AS init_th \gset

-- update(token hash, status, types, digest, sub) -> (code, detail)
CREATE FUNCTION pg_temp.upd(p_th bytea, p_status text, p_types json, p_digest bytea DEFAULT '\x01',
                            p_sub text DEFAULT 'user-1')
RETURNS TABLE (code text, detail text)
LANGUAGE sql
AS $$
    SELECT u.code, u.detail
      FROM qrshare.api_update(p_th, 'https://idp.example', p_sub, p_status, p_types, '\xc0ffee',
                              'k1', p_digest) AS u
$$;

SET ROLE qrshare_api;
-- invalid_request first: nothing is written by them
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{"email": "string", "phone": "string"}')$$, :'th'),
    $$VALUES ('invalid_request', 'user_data.phone was not requested')$$,
    'invalid_request: a key that was not requested');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', json_build_object(repeat('x', 100), 'string'))$$, :'th'),
    format($$VALUES ('invalid_request', 'user_data.%s was not requested')$$, repeat('x', 64)),
    'invalid_request: a long key is cut to 64 characters in the detail');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{"email": "string", "names": "string"}')$$, :'th'),
    $$VALUES ('invalid_request', 'user_data.names has the wrong type')$$,
    'invalid_request: a value of the wrong JSON type');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{"email": "null"}')$$, :'th'),
    $$VALUES ('invalid_request', 'user_data.email has the wrong type')$$,
    'invalid_request: a null value');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{"email": "string", "email": "string"}')$$, :'th'),
    $$VALUES ('invalid_request', 'user_data has a key twice')$$,
    'invalid_request: a key twice');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '["email"]')$$, :'th'),
    $$VALUES ('invalid_request', 'user_data must be an object')$$,
    'invalid_request: types that are not an object');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', NULL)$$, :'th'),
    $$VALUES ('invalid_request', 'user_data must be an object')$$,
    'invalid_request: no types');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'maybe', NULL)$$, :'th'),
    $$VALUES ('invalid_request', 'status must be "confirmed" or "declined"')$$,
    'invalid_request: another status');

-- ok
SELECT results_eq(
    format($$SELECT code, detail, session_id, status FROM qrshare.api_update(
               %L, 'https://idp.example', 'user-1', 'confirmed', '{"email": "string", "names": "object"}',
               '\xc0ffee', 'k1', '\x01')$$, :'th'),
    format($$VALUES ('ok', NULL::text, %L::uuid, 'confirmed')$$, :'s'),
    'ok: confirmed with data of the right types');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{"email": "string", "names": "object"}')$$, :'th'),
    $$VALUES ('ok', NULL::text)$$,
    'ok: the identical request again (same digest) is a retry');
SELECT results_eq(
    format($$SELECT code, detail, status FROM qrshare.api_update(
               %L, 'https://idp.example', 'user-1', 'declined', NULL, NULL, NULL, '\x02')$$, :'th'),
    $$VALUES ('invalid_state', 'the session was already decided', 'confirmed')$$,
    'invalid_state: another answer after the decision');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'declined', NULL, '\x03')$$, :'th2'),
    $$VALUES ('ok', NULL::text)$$, 'ok: declined');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{}')$$, :'th3'),
    $$VALUES ('ok', NULL::text)$$, 'ok: confirmed sharing nothing');

-- the session's state
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'declined', NULL)$$, :'init_th'),
    $$VALUES ('invalid_state', NULL::text)$$,
    'invalid_state: a session nobody has retrieved');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'declined', NULL)$$, :'cancelled_th'),
    $$VALUES ('invalid_state', NULL::text)$$, 'invalid_state: a cancelled session');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'declined', NULL)$$, :'due_th'),
    $$VALUES ('expired', NULL::text)$$, 'expired: a past-due session');
SELECT results_eq(
    $$SELECT * FROM pg_temp.upd(public.gen_random_bytes(32), 'declined', NULL)$$,
    $$VALUES ('not_found', NULL::text)$$, 'not_found: an unknown session token');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'declined', NULL, p_sub => 'user-2')$$, :'th2'),
    $$VALUES ('already_claimed', NULL::text)$$, 'already_claimed: another user');
RESET ROLE;

SELECT results_eq(
    format($$SELECT status, granted_scopes, user_data, seal_key_id, decision_digest, decided_at IS NOT NULL
               FROM qrshare.sessions WHERE id = %L$$, :'s'),
    $$VALUES ('confirmed', ARRAY['email', 'names'], '\xc0ffee'::bytea, 'k1', '\x01'::bytea, true)$$,
    'confirmed: the keys are the granted scopes, the sealed data and its key id are stored');
SELECT is(pg_temp.events(:'s'), 3::bigint, 'the refusals and the retry wrote no event');
SELECT results_eq(
    format($$SELECT status, granted_scopes, user_data FROM qrshare.sessions WHERE token_hash = %L$$, :'th2'),
    $$VALUES ('declined', NULL::text[], NULL::bytea)$$,
    'declined: nothing granted, no data');
SELECT is((SELECT granted_scopes FROM qrshare.sessions WHERE token_hash = :'th3'), '{}'::text[],
          'confirmed sharing nothing: an empty grant');
SELECT is((SELECT status FROM qrshare.sessions WHERE id = :'due'), 'expired',
          'the past-due session was written expired');
SELECT is((SELECT status FROM qrshare.sessions WHERE token_hash = :'init_th'), 'initialized',
          'the unretrieved session is unchanged');

SELECT * FROM finish();
ROLLBACK;
