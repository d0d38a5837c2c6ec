-- 25_api_update.sql - api_update (E5), called as qrshare_api: the bound user confirms or
-- declines; the body's session_id, when given, must be the session's. Codes: ok, not_found,
-- expired, invalid_state, already_claimed, invalid_request.
BEGIN;
SELECT plan(32);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset
-- new_session binds retrieved sessions to https://idp.example, user-1
SELECT pg_temp.token_of(pg_temp.new_session(:'app', 'retrieved')) AS th \gset
SELECT id AS s FROM qrshare.sessions WHERE token_hash = :'th' \gset
SELECT pg_temp.token_of(pg_temp.new_session(:'app', 'retrieved')) AS th2 \gset
SELECT id AS s2 FROM qrshare.sessions WHERE token_hash = :'th2' \gset
SELECT pg_temp.token_of(pg_temp.new_session(:'app', 'retrieved')) AS th3 \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS due \gset
SELECT pg_temp.backdate(:'due', interval '11 minutes') AS backdated \gset
SELECT pg_temp.token_of(:'due') AS due_th \gset
SELECT pg_temp.token_of(pg_temp.new_session(:'app', 'cancelled')) AS cancelled_th \gset
SELECT pg_temp.token_of(pg_temp.new_session(:'app', 'initialized')) AS init_th \gset

-- update(token hash, status, types, digest, sub, session_id) -> (code, detail)
CREATE FUNCTION pg_temp.upd(p_th bytea, p_status text, p_types json, p_digest bytea DEFAULT '\x01',
                            p_sub text DEFAULT 'user-1', p_session_id uuid DEFAULT NULL)
RETURNS TABLE (code text, detail text)
LANGUAGE sql
AS $$
    SELECT u.code, u.detail
      FROM qrshare.api_update(p_th, 'https://idp.example', p_sub, p_session_id, p_status, p_types,
                              '\xc0ffee', 'k1', p_digest) AS u
$$;

SELECT is(
    pg_get_function_arguments(
        'qrshare.api_update(bytea, text, text, uuid, text, json, bytea, text, bytea)'::regprocedure),
    'p_token_hash bytea, p_iss text, p_sub text, p_session_id uuid, p_status text, p_types json, '
    'p_data bytea, p_key_id text, p_digest bytea',
    'the parameters, in order: p_session_id is the fourth');

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
SELECT results_eq(
    format($$SELECT code, detail, session_id, status FROM qrshare.api_update(
               %L, 'https://idp.example', 'user-1', gen_random_uuid(), 'declined', NULL, NULL,
               NULL, '\x01')$$, :'th'),
    $$VALUES ('invalid_request', 'session_id is not the session''s identifier', NULL::uuid, NULL::text)$$,
    'invalid_request: a session_id that is not the session''s');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{"email": "string"}', p_session_id => %L)$$,
           :'th', :'s2'),
    $$VALUES ('invalid_request', 'session_id is not the session''s identifier')$$,
    'invalid_request: the session_id of another session of the same user');

-- ok
SELECT results_eq(
    format($$SELECT code, detail, session_id, status FROM qrshare.api_update(
               %L, 'https://idp.example', 'user-1', %L, 'confirmed',
               '{"email": "string", "names": "object"}', '\xc0ffee', 'k1', '\x01')$$, :'th', :'s'),
    format($$VALUES ('ok', NULL::text, %L::uuid, 'confirmed')$$, :'s'),
    'ok: confirmed with data of the right types, naming its session_id');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{"email": "string", "names": "object"}')$$, :'th'),
    $$VALUES ('ok', NULL::text)$$,
    'ok: the identical request again (same digest) is a retry');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{"email": "string", "names": "object"}',
                                        p_session_id => %L)$$, :'th', :'s'),
    $$VALUES ('ok', NULL::text)$$,
    'ok: a retry with the session''s session_id');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{"email": "string", "names": "object"}',
                                        p_session_id => gen_random_uuid())$$, :'th'),
    $$VALUES ('invalid_request', 'session_id is not the session''s identifier')$$,
    'invalid_request: the identical retry with another session_id (checked before the retry)');
SELECT results_eq(
    format($$SELECT code, detail, status FROM qrshare.api_update(
               %L, 'https://idp.example', 'user-1', NULL, 'declined', NULL, NULL, NULL, '\x02')$$, :'th'),
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
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'declined', NULL, p_sub => 'user-2',
                                        p_session_id => gen_random_uuid())$$, :'th2'),
    $$VALUES ('already_claimed', NULL::text)$$,
    'already_claimed: another user learns nothing from session_id (the user checks come first)');
SELECT results_eq(
    $$SELECT * FROM pg_temp.upd(public.gen_random_bytes(32), 'declined', NULL,
                                 p_session_id => gen_random_uuid())$$,
    $$VALUES ('not_found', NULL::text)$$, 'not_found: an unknown session token, whatever session_id');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'declined', NULL, p_session_id => gen_random_uuid())$$,
           :'cancelled_th'),
    $$VALUES ('invalid_state', NULL::text)$$,
    'invalid_state: a cancelled session, whatever session_id');
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
