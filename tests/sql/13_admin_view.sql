-- 13_admin_view.sql - qrshare.session_overview: what an operator reads, without secrets.
BEGIN;
SELECT plan(14);
\ir fixtures.psql

SELECT columns_are('qrshare', 'session_overview', ARRAY[
    'session_id', 'session_number', 'application_name', 'client_id', 'status', 'stored_status',
    'requested_scopes', 'granted_scopes', 'created_at', 'expires_at', 'retrieved_at',
    'decided_at', 'holds_user_data', 'data_deleted_at', 'user_bound'],
    'session_overview has exactly the operator columns');
SELECT hasnt_column('qrshare', 'session_overview', 'token_hash', 'no session token hash');
SELECT hasnt_column('qrshare', 'session_overview', 'user_data', 'no user data');
SELECT hasnt_column('qrshare', 'session_overview', 'user_sub', 'no user subject');
SELECT hasnt_column('qrshare', 'session_overview', 'secret_hash', 'no client secret hash');
SELECT col_type_is('qrshare', 'session_overview', 'holds_user_data', 'boolean',
                   'whether user data is held is a boolean');

SELECT client_id AS cid FROM qrshare.add_application('Shop', 'shop.example.com') \gset
SELECT id AS app FROM qrshare.applications WHERE client_id = :'cid' \gset
SELECT pg_temp.new_session(:'app', 'confirmed') AS conf \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS due \gset
SELECT pg_temp.backdate(:'due', interval '11 minutes');
SELECT pg_temp.new_session(:'app', 'initialized') AS open \gset

SELECT results_eq(
    format($$SELECT application_name, client_id, status, stored_status, requested_scopes,
                    granted_scopes, holds_user_data, user_bound, decided_at IS NOT NULL
               FROM qrshare.session_overview WHERE session_id = %L$$, :'conf'),
    format($$VALUES ('Shop', %L, 'confirmed', 'confirmed', ARRAY['email', 'names'], ARRAY['email'],
                     true, true, true)$$, :'cid'),
    'a confirmed session: application, scopes, data held, user bound');
SELECT results_eq(
    format($$SELECT status, stored_status, user_bound FROM qrshare.session_overview
              WHERE session_id = %L$$, :'due'),
    $$VALUES ('expired', 'retrieved', true)$$,
    'a past-due retrieved session shows as expired before any sweep');
SELECT results_eq(
    format($$SELECT status, holds_user_data, user_bound FROM qrshare.session_overview
              WHERE session_id = %L$$, :'open'),
    $$VALUES ('initialized', false, false)$$,
    'an open session shows as initialized, no data, no user');
SELECT is(
    (SELECT session_number FROM qrshare.session_overview WHERE session_id = :'open'),
    (SELECT session_number FROM qrshare.sessions WHERE id = :'open'),
    'the session number is shown');

UPDATE qrshare.sessions SET user_data = NULL, seal_key_id = NULL, data_deleted_at = statement_timestamp()
 WHERE id = :'conf';
SELECT results_eq(
    format($$SELECT holds_user_data, data_deleted_at IS NOT NULL FROM qrshare.session_overview
              WHERE session_id = %L$$, :'conf'),
    $$VALUES (false, true)$$,
    'after a purge the view shows the data gone, and when');

-- nothing secret anywhere in what the view returns
SELECT is(
    (SELECT count(*)::int FROM qrshare.session_overview o JOIN qrshare.sessions s ON s.id = o.session_id
      WHERE strpos(to_jsonb(o)::text, encode(s.token_hash, 'hex')) > 0
         OR strpos(to_jsonb(o)::text, 'user-1') > 0
         OR strpos(to_jsonb(o)::text, 'idp.example') > 0),
    0, 'no row of the view carries a token hash or the user''s identity');
SELECT is(
    (SELECT count(*)::int FROM qrshare.session_overview WHERE client_id = :'cid'), 3,
    'the view lists the application''s three sessions');
SELECT ok(
    obj_description('qrshare.session_overview'::regclass, 'pg_class') ~ 'SELECT',
    'the view''s comment shows how to use it');

SELECT * FROM finish();
ROLLBACK;
