-- 25_api_update.sql - api_update (E5), called as qrshare_api: the bound user confirms or
-- declines; the body's session_id, when given, must be the session's; the final user_data is
-- checked (keys requested, once each, each value of its scope's shape: 29_shapes.sql tests
-- the shapes themselves) and not stored. Codes: ok, not_found, expired, invalid_state,
-- already_claimed, invalid_request.
BEGIN;
SELECT plan(42);
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

-- update(token hash, status, user_data, digest, sub, session_id) -> (code, detail)
CREATE FUNCTION pg_temp.upd(p_th bytea, p_status text, p_user_data json,
                            p_digest bytea DEFAULT '\x01', p_sub text DEFAULT 'user-1',
                            p_session_id uuid DEFAULT NULL)
RETURNS TABLE (code text, detail text)
LANGUAGE sql
AS $$
    SELECT u.code, u.detail
      FROM qrshare.api_update(p_th, 'https://idp.example', p_sub, p_session_id, p_status,
                              p_user_data, '\xc0ffee', 'k1', p_digest) AS u
$$;
-- the requested scopes of new_session: email and names, valid
SELECT json_build_object('email', pg_temp.example('email'), 'names', pg_temp.example('names')) AS good \gset
SELECT json_build_object('email', pg_temp.example('email')) AS email_only \gset

SELECT is(
    pg_get_function_arguments(
        'qrshare.api_update(bytea, text, text, uuid, text, json, bytea, text, bytea)'::regprocedure),
    'p_token_hash bytea, p_iss text, p_sub text, p_session_id uuid, p_status text, '
    'p_user_data json, p_data bytea, p_key_id text, p_digest bytea',
    'the parameters, in order: p_session_id is the fourth, p_user_data the sixth');

SET ROLE qrshare_api;
-- invalid_request first: nothing is written by them
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', (%L::jsonb || '{"phone": {}}')::json)$$,
           :'th', :'good'),
    $$VALUES ('invalid_request', 'user_data.phone was not requested')$$,
    'invalid_request: a key that was not requested');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', json_build_object(repeat('x', 100), 'string'))$$, :'th'),
    format($$VALUES ('invalid_request', 'user_data.%s was not requested')$$, repeat('x', 64)),
    'invalid_request: a long key is cut to 64 characters in the detail');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{"email": 1, "email": 2}')$$, :'th'),
    $$VALUES ('invalid_request', 'user_data has a key twice')$$,
    'invalid_request: a key twice (told before the shapes)');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{"phone": 1, "email": "x"}')$$, :'th'),
    $$VALUES ('invalid_request', 'user_data.phone was not requested')$$,
    'invalid_request: a key not requested is told before a value of the wrong shape');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '["email"]')$$, :'th'),
    $$VALUES ('invalid_request', 'user_data must be a non-empty object')$$,
    'invalid_request: user_data that is not an object');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', NULL)$$, :'th'),
    $$VALUES ('invalid_request', 'user_data must be a non-empty object')$$,
    'invalid_request: no user_data');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{}')$$, :'th3'),
    $$VALUES ('invalid_request', 'user_data must be a non-empty object')$$,
    'invalid_request: an empty user_data (confirming shares something)');
-- escapes PostgreSQL cannot decode would raise an error quoting the JSON (user data) into
-- the server log: refused before anything is decoded
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', %L)$$, :'th',
           '{"email": {"email": "ada\u0000@example.com", "is_verified": true, "is_primary": true}}'),
    $$VALUES ('invalid_request', 'user_data must not contain the escapes \u0000 or \uD800 to \uDFFF')$$,
    'invalid_request: \u0000 in a value');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', %L)$$, :'th',
           '{"email": {"email": "ada@example.com", "is_verified": true, "is_primary": true, "\ud800": 1}}'),
    $$VALUES ('invalid_request', 'user_data must not contain the escapes \u0000 or \uD800 to \uDFFF')$$,
    'invalid_request: a lone surrogate in a key');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', %L)$$, :'th',
           '{"email": {"email": "\\u0000@example.com", "is_verified": true, "is_primary": true}}'),
    $$VALUES ('invalid_request', 'user_data.email.email must be an email address (name@example.com)')$$,
    'a backslash (escaped) followed by u0000 is text, not an escape: decoded and checked');
-- the shapes: each value is checked, the first wrong one in the object's order is told
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{"email": "ada@example.com"}')$$, :'th'),
    $$VALUES ('invalid_request', 'user_data.email must be an object')$$,
    'invalid_request: email as a bare string (Didit''s shape is an object)');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', '{"email": null}')$$, :'th'),
    $$VALUES ('invalid_request', 'user_data.email must be an object')$$,
    'invalid_request: a null value');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', json_build_object(
               'email', pg_temp.example('email'), 'names', '{"is_verified": true}'::json))$$, :'th'),
    $$VALUES ('invalid_request', 'user_data.names needs at least one of first_name, family_name, full_name')$$,
    'invalid_request: one good value does not make up for a bad one');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed',
               '{"names": {"is_verified": true}, "email": {"email": "no"}}')$$, :'th'),
    $$VALUES ('invalid_request', 'user_data.names needs at least one of first_name, family_name, full_name')$$,
    'invalid_request: two bad values, names first: names is told');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed',
               '{"email": {"email": "no"}, "names": {"is_verified": true}}')$$, :'th'),
    $$VALUES ('invalid_request', 'user_data.email.email must be an email address (name@example.com)')$$,
    'invalid_request: the same two, email first: email is told');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', json_build_object(
               'email', (pg_temp.example('email')::jsonb || '{"is_primary": "yes"}')::json))$$, :'th'),
    $$VALUES ('invalid_request', 'user_data.email.is_primary must be a boolean')$$,
    'invalid_request: a field of the wrong type');
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
               %L, 'https://idp.example', 'user-1', %L, 'confirmed', %L, '\xc0ffee', 'k1', '\x01')$$,
           :'th', :'s', :'good'),
    format($$VALUES ('ok', NULL::text, %L::uuid, 'confirmed')$$, :'s'),
    'ok: confirmed with values of their scopes'' shapes, naming its session_id');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', %L)$$, :'th', :'good'),
    $$VALUES ('ok', NULL::text)$$,
    'ok: the identical request again (same digest) is a retry');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', %L,
                                        p_session_id => %L)$$, :'th', :'good', :'s'),
    $$VALUES ('ok', NULL::text)$$,
    'ok: a retry with the session''s session_id');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', %L,
                                        p_session_id => gen_random_uuid())$$, :'th', :'good'),
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
    format($$SELECT * FROM pg_temp.upd(%L, 'confirmed', %L)$$, :'th3', :'email_only'),
    $$VALUES ('ok', NULL::text)$$, 'ok: confirmed sharing one of the requested scopes');

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
SELECT is(
    (SELECT count(*)::int FROM qrshare.sessions s, to_jsonb(s) AS j, jsonb_each_text(j) AS c
      WHERE s.id = :'s' AND c.value LIKE '%ada@example.com%'),
    0, 'the plaintext user_data is stored in no column');
SELECT is(pg_temp.events(:'s'), 3::bigint, 'the refusals and the retry wrote no event');
SELECT results_eq(
    format($$SELECT status, granted_scopes, user_data FROM qrshare.sessions WHERE token_hash = %L$$, :'th2'),
    $$VALUES ('declined', NULL::text[], NULL::bytea)$$,
    'declined: nothing granted, no data');
SELECT is((SELECT granted_scopes FROM qrshare.sessions WHERE token_hash = :'th3'), ARRAY['email'],
          'confirmed sharing one scope: that one is granted');
SELECT is((SELECT status FROM qrshare.sessions WHERE id = :'due'), 'expired',
          'the past-due session was written expired');
SELECT is((SELECT status FROM qrshare.sessions WHERE token_hash = :'init_th'), 'initialized',
          'the unretrieved session is unchanged');

SELECT * FROM finish();
ROLLBACK;
