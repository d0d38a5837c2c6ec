-- 07_user_binding.sql - rule (g): the user bound at retrieved (iss, sub) never changes, and
-- a user is bound only by the change from initialized to retrieved.
BEGIN;
SELECT plan(13);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS r \gset
SELECT pg_temp.new_session(:'app', 'initialized') AS i \gset

SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET user_sub = 'user-2' WHERE id = %L$$, :'r'),
    '23514', 'the user bound to a session cannot change',
    'another subject cannot take over a retrieved session');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET user_iss = 'https://other-idp.example' WHERE id = %L$$, :'r'),
    '23514', 'the user bound to a session cannot change',
    'another issuer cannot take over a retrieved session');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET user_iss = NULL, user_sub = NULL, retrieved_at = NULL
              WHERE id = %L$$, :'r'),
    '23514', 'the user bound to a session cannot change',
    'the user cannot be unbound');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET retrieved_at = statement_timestamp() WHERE id = %L$$, :'r'),
    '23514', 'the user bound to a session cannot change',
    'the retrieval time cannot change');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'confirmed', decided_at = statement_timestamp(),
                    granted_scopes = '{email}', user_sub = 'user-2' WHERE id = %L$$, :'r'),
    '23514', 'the user bound to a session cannot change',
    'the user cannot change along with the decision');
SELECT is(
    (SELECT user_iss || ' ' || user_sub FROM qrshare.sessions WHERE id = :'r'),
    'https://idp.example user-1', 'the bound user is still the first one');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET user_iss = 'https://idp.example', user_sub = 'user-1'
              WHERE id = %L$$, :'r'),
    'writing the same user again is accepted');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET status = 'confirmed', decided_at = statement_timestamp(),
                    granted_scopes = '{email}' WHERE id = %L$$, :'r'),
    'the bound user can decide');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET user_sub = 'user-2' WHERE id = %L$$, :'r'),
    '23514', 'a confirmed session cannot change, except for purging its user data',
    'after the decision the user cannot change either');

-- binding happens with initialized -> retrieved, and only then
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET retrieved_at = statement_timestamp(),
                    user_iss = 'https://idp.example', user_sub = 'user-1' WHERE id = %L$$, :'i'),
    '23514', 'a user is bound to a session only by its change from initialized to retrieved',
    'a user cannot be bound while the session stays initialized');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'cancelled', retrieved_at = statement_timestamp(),
                    user_iss = 'https://idp.example', user_sub = 'user-1' WHERE id = %L$$, :'i'),
    '23514', 'a user is bound to a session only by its change from initialized to retrieved',
    'a user cannot be bound by cancelling');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET status = 'retrieved', retrieved_at = statement_timestamp(),
                    user_iss = 'https://idp.example', user_sub = 'user-9' WHERE id = %L$$, :'i'),
    'a user is bound by initialized -> retrieved');
SELECT is((SELECT user_sub FROM qrshare.sessions WHERE id = :'i'), 'user-9', 'the binding was written');

SELECT * FROM finish();
ROLLBACK;
