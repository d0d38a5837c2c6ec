-- 08_session_token.sql - rule (h): the session token (its hash) is replaced only while
-- the session is initialized (a refresh); from retrieved on it is fixed.
BEGIN;
SELECT plan(10);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset
SELECT pg_temp.new_session(:'app', 'initialized') AS i \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS r \gset
SELECT pg_temp.new_session(:'app', 'confirmed') AS c \gset
SELECT pg_temp.new_session(:'app', 'cancelled') AS x \gset

SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET token_hash = qrshare.hash_token('new token', 'qrshare session token')
              WHERE id = %L$$, :'i'),
    'an initialized session gets a new token (refresh)');
SELECT is(
    (SELECT token_hash FROM qrshare.sessions WHERE id = :'i'),
    qrshare.hash_token('new token', 'qrshare session token'),
    'the new token hash was written');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET token_hash = public.gen_random_bytes(32) WHERE id = %L$$, :'r'),
    '23514', 'the session token can be replaced only while the session is initialized',
    'a retrieved session keeps its token');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'retrieved', retrieved_at = statement_timestamp(),
                    user_iss = 'i', user_sub = 's', token_hash = public.gen_random_bytes(32)
              WHERE id = %L$$, :'i'),
    '23514', 'the session token can be replaced only while the session is initialized',
    'the token cannot be replaced by the retrieval itself');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET token_hash = public.gen_random_bytes(32) WHERE id = %L$$, :'c'),
    '23514', 'a confirmed session cannot change, except for purging its user data',
    'a confirmed session keeps its token');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET token_hash = public.gen_random_bytes(32) WHERE id = %L$$, :'x'),
    '23514', 'a cancelled session cannot change, except for purging its user data',
    'a cancelled session keeps its token');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET token_hash = (SELECT token_hash FROM qrshare.sessions WHERE id = %L)
              WHERE id = %L$$, :'r', :'i'),
    '23505', 'duplicate key value violates unique constraint "sessions_token_hash_key"',
    'two sessions cannot share a token');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET token_hash = '\x00' WHERE id = %L$$, :'i'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_token_hash_size"',
    'a token hash is 32 bytes');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET status = 'retrieved', retrieved_at = statement_timestamp(),
                    user_iss = 'i', user_sub = 's' WHERE id = %L$$, :'i'),
    'the refreshed session is retrieved with its new token');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET token_hash = public.gen_random_bytes(32) WHERE id = %L$$, :'i'),
    '23514', 'the session token can be replaced only while the session is initialized',
    'and from then on keeps it');

SELECT * FROM finish();
ROLLBACK;
