-- 21_api_create.sql - api_create (E2), called as qrshare_api. SQL alone validates scope,
-- vendor_data, metadata and expires_in, and maps scope aliases (qrshare.scope_aliases:
-- "pictures" is picture) before checking anything. Codes: ok, invalid_client, invalid_scope,
-- invalid_request.
BEGIN;
SELECT plan(40);
\ir fixtures.psql

SELECT pg_temp.new_app(p_max_lifetime => '10 minutes') AS app \gset
SELECT pg_temp.app_key(:'app') AS key, pg_temp.new_bearer(:'app') AS bearer,
       pg_temp.new_bearer(:'app', '-1 minute') AS expired_bearer,
       pg_temp.new_bearer(:'app', p_revoked => true) AS revoked_bearer \gset
SELECT pg_temp.new_app() AS disabled \gset
SELECT pg_temp.app_key(:'disabled') AS disabled_key \gset
UPDATE qrshare.applications SET disabled_at = now() WHERE id = :'disabled';
SELECT pg_temp.new_app(ARRAY['picture', 'email']) AS pic \gset
SELECT pg_temp.app_key(:'pic') AS pic_key \gset

-- create(key, scope, vendor_data, metadata, callback host, expires_in) -> (code, detail)
CREATE FUNCTION pg_temp.create(p_key bytea, p_scope text, p_vendor_data text DEFAULT NULL,
                               p_metadata json DEFAULT NULL, p_host text DEFAULT NULL,
                               p_expires_in bigint DEFAULT NULL, p_bearer bytea DEFAULT NULL)
RETURNS TABLE (code text, detail text)
LANGUAGE sql
AS $$
    SELECT c.code, c.detail
      FROM qrshare.api_create(p_bearer, p_key, public.gen_random_bytes(32), p_scope,
                              p_vendor_data, p_metadata,
                              CASE WHEN p_host IS NOT NULL THEN 'https://' || p_host || '/done' END,
                              p_host, p_expires_in) AS c
$$;

SET ROLE qrshare_api;

-- ok
SELECT public.gen_random_bytes(32) AS th \gset
CREATE TEMP TABLE made AS
SELECT * FROM qrshare.api_create(NULL, :'key', :'th', '  email names  email ', 'order-1',
                                 '{"a": 1}', 'https://app.example.com/done', 'app.example.com', 120);
SELECT results_eq(
    'SELECT code, detail, scope, expires_in FROM made',
    $$VALUES ('ok', NULL::text, ARRAY['email', 'names'], 120)$$,
    'ok: the scope string is split, deduplicated in first-seen order; expires_in as asked');
SELECT matches((SELECT expires_at FROM made), '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$',
               'expires_at is ISO 8601 in UTC');
SELECT ok((SELECT session_id IS NOT NULL AND session_number > 0 FROM made),
          'a session id and number');
SELECT results_eq(
    $$SELECT code, scope, expires_in FROM qrshare.api_create(
          NULL, NULL, public.gen_random_bytes(32), 'phone', NULL, NULL, NULL, NULL, NULL)$$,
    $$VALUES ('invalid_client', NULL::text[], NULL::integer)$$,
    'invalid_client: no credential');
SELECT results_eq(
    format($$SELECT code, expires_in FROM qrshare.api_create(
               %L, NULL, public.gen_random_bytes(32), 'phone', NULL, NULL, NULL, NULL, NULL)$$, :'bearer'),
    $$VALUES ('ok', 600)$$,
    'ok with a client access token; without expires_in a session lives 10 minutes');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email', p_expires_in => 30)$$, :'key'),
    $$VALUES ('ok', NULL::text)$$, 'ok: expires_in of 30 s, the minimum');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email', p_expires_in => 600)$$, :'key'),
    $$VALUES ('ok', NULL::text)$$, 'ok: expires_in of the application''s maximum');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email', repeat('é', 1000),
                                           jsonb_build_object('k', repeat('m', 4087))::json)$$, :'key'),
    $$VALUES ('ok', NULL::text)$$, 'ok: vendor_data of 2000 bytes and metadata of 4096 bytes');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email', p_host => 'login.app.example.com')$$, :'key'),
    $$VALUES ('ok', NULL::text)$$, 'ok: a callback on a subdomain of the application''s domain');

-- invalid_client
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email')$$, :'disabled_key'),
    $$VALUES ('invalid_client', NULL::text)$$, 'invalid_client: a disabled application');
SELECT results_eq(
    $$SELECT * FROM pg_temp.create(public.gen_random_bytes(32), 'email')$$,
    $$VALUES ('invalid_client', NULL::text)$$, 'invalid_client: an unknown secret');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(NULL, 'email', p_bearer => %L)$$, :'expired_bearer'),
    $$VALUES ('invalid_client', NULL::text)$$, 'invalid_client: an expired client access token');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(NULL, 'email', p_bearer => %L)$$, :'revoked_bearer'),
    $$VALUES ('invalid_client', NULL::text)$$, 'invalid_client: a revoked client access token');

-- invalid_scope
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, '   ')$$, :'key'),
    $$VALUES ('invalid_scope', 'scope must name at least one scope')$$,
    'invalid_scope: only spaces');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, NULL)$$, :'key'),
    $$VALUES ('invalid_scope', 'scope must name at least one scope')$$,
    'invalid_scope: no scope');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email Names')$$, :'key'),
    $$VALUES ('invalid_scope', 'scope must be space-separated scope names')$$,
    'invalid_scope: a name outside the scope-name format');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, E'email,names')$$, :'key'),
    $$VALUES ('invalid_scope', 'scope must be space-separated scope names')$$,
    'invalid_scope: names separated by a comma');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email shoe_size')$$, :'key'),
    $$VALUES ('invalid_scope', 'unknown scope: shoe_size')$$,
    'invalid_scope: a name not in the catalog');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email gender')$$, :'key'),
    $$VALUES ('invalid_scope', 'a scope is not allowed for this application')$$,
    'invalid_scope: a scope the application may not ask for');

-- invalid_request
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email', repeat('é', 1001))$$, :'key'),
    $$VALUES ('invalid_request', 'vendor_data must be a string of at most 2000 bytes')$$,
    'invalid_request: vendor_data of 2002 bytes');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email', NULL,
                                           jsonb_build_object('k', repeat('m', 4088))::json)$$, :'key'),
    $$VALUES ('invalid_request', 'metadata must be an object of at most 4 KiB')$$,
    'invalid_request: metadata of 4097 bytes');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email', NULL, '[1]')$$, :'key'),
    $$VALUES ('invalid_request', 'metadata must be an object of at most 4 KiB')$$,
    'invalid_request: metadata that is not an object');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email', p_expires_in => 29)$$, :'key'),
    $$VALUES ('invalid_request', 'expires_in must be between 30 and 600 seconds')$$,
    'invalid_request: expires_in under the minimum');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email', p_expires_in => 601)$$, :'key'),
    $$VALUES ('invalid_request', 'expires_in must be between 30 and 600 seconds')$$,
    'invalid_request: expires_in over the application''s maximum');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email', p_expires_in => 9223372036854775807)$$, :'key'),
    $$VALUES ('invalid_request', 'expires_in must be between 30 and 600 seconds')$$,
    'invalid_request: an enormous expires_in');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email', p_host => 'evilapp.example.com')$$, :'key'),
    $$VALUES ('invalid_request', 'callback is not on the application''s domain')$$,
    'invalid_request: a callback off the application''s domain');
SELECT results_eq(
    format($$SELECT code, session_id, session_number, scope, expires_at, expires_in
               FROM qrshare.api_create(NULL, %L, public.gen_random_bytes(32), 'email', NULL, NULL,
                                       NULL, NULL, 1)$$, :'key'),
    $$VALUES ('invalid_request', NULL::uuid, NULL::bigint, NULL::text[], NULL::text, NULL::integer)$$,
    'a refusal carries no session');

-- scope aliases: mapped first, then split, checked and stored as the scope they stand for
CREATE TEMP TABLE aliased AS
SELECT * FROM qrshare.api_create(NULL, :'pic_key', public.gen_random_bytes(32), 'pictures email',
                                 NULL, NULL, NULL, NULL, NULL);
SELECT results_eq(
    'SELECT code, detail, scope FROM aliased',
    $$VALUES ('ok', NULL::text, ARRAY['picture', 'email'])$$,
    'ok: "pictures email" (Didit''s example) is picture and email, in the order asked');
SELECT results_eq(
    format($$SELECT code, scope FROM qrshare.api_create(NULL, %L, public.gen_random_bytes(32),
                                                       'picture pictures', NULL, NULL, NULL, NULL, NULL)$$,
           :'pic_key'),
    $$VALUES ('ok', ARRAY['picture'])$$,
    'ok: a scope named and aliased counts once');
SELECT results_eq(
    format($$SELECT code, scope FROM qrshare.api_create(NULL, %L, public.gen_random_bytes(32),
                                                       ' email  pictures picture email', NULL, NULL,
                                                       NULL, NULL, NULL)$$,
           :'pic_key'),
    $$VALUES ('ok', ARRAY['email', 'picture'])$$,
    'ok: repeats after mapping count once, the first occurrence gives the order');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'email pictures')$$, :'key'),
    $$VALUES ('invalid_scope', 'a scope is not allowed for this application')$$,
    'invalid_scope: an alias of a scope the application may not ask for');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'pictures shoe_size')$$, :'pic_key'),
    $$VALUES ('invalid_scope', 'unknown scope: shoe_size')$$,
    'invalid_scope: an alias does not hide an unknown name beside it');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'Pictures')$$, :'pic_key'),
    $$VALUES ('invalid_scope', 'scope must be space-separated scope names')$$,
    'invalid_scope: aliases, like names, are lowercase');
SELECT results_eq(
    format($$SELECT * FROM pg_temp.create(%L, 'pictures', p_expires_in => 29)$$, :'pic_key'),
    $$VALUES ('invalid_request', 'expires_in must be between 30 and 3600 seconds')$$,
    'invalid_request: an aliased scope goes on to the other checks');
RESET ROLE;

SELECT is(
    (SELECT requested_scopes FROM qrshare.sessions WHERE id = (SELECT session_id FROM aliased)),
    ARRAY['picture', 'email'], 'the session stores the scope, never the alias');
SELECT is((SELECT count(*)::int FROM qrshare.sessions WHERE application_id = :'pic'), 3,
          'the three aliased ok calls created a session each, the refusals none');

SELECT results_eq(
    format($$SELECT application_id, token_hash, requested_scopes, vendor_data, metadata::text,
                    callback, lifetime, expires_at - created_at, status
               FROM qrshare.sessions WHERE id = %L$$, (SELECT session_id FROM made)),
    format($$VALUES (%L::uuid, %L::bytea, ARRAY['email', 'names'], 'order-1', '{"a": 1}',
                     'https://app.example.com/done', interval '2 minutes', interval '2 minutes',
                     'initialized')$$, :'app', :'th'),
    'the session holds what was given');
SELECT is(
    (SELECT expires_at FROM made),
    (SELECT qrshare.iso8601(expires_at) FROM qrshare.sessions WHERE id = (SELECT session_id FROM made)),
    'the answer''s expires_at is the stored one');
SELECT is((SELECT count(*)::int FROM qrshare.sessions WHERE application_id = :'app'), 6,
          'the six ok calls created a session each, the refusals none');
SELECT is(
    (SELECT provolatile::text FROM pg_proc
      WHERE oid = 'qrshare.api_create(bytea, bytea, bytea, text, text, json, text, text, bigint)'::regprocedure),
    'v', 'api_create is VOLATILE (it writes)');

SELECT * FROM finish();
ROLLBACK;
