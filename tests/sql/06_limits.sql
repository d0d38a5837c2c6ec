-- 06_limits.sql - rule (f): vendor_data at most 2000 bytes, metadata a JSON object of at
-- most 4 KiB; and the shape of the other values an application gives.
BEGIN;
SELECT plan(20);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset

PREPARE create_session(text, jsonb, text) AS
    INSERT INTO qrshare.sessions (application_id, token_hash, requested_scopes, expires_at,
                                  vendor_data, metadata, callback)
    VALUES (:'app', public.gen_random_bytes(32), '{email}', statement_timestamp() + interval '5 minutes',
            $1, $2, $3);

-- vendor_data: bytes, not characters
SELECT throws_ok(
    $$EXECUTE create_session(repeat('v', 2001), NULL, NULL)$$,
    '23514', 'new row for relation "sessions" violates check constraint "sessions_vendor_data_size"',
    'vendor_data of 2001 bytes is refused');
SELECT throws_ok(
    $$EXECUTE create_session(repeat('é', 1001), NULL, NULL)$$,
    '23514', 'new row for relation "sessions" violates check constraint "sessions_vendor_data_size"',
    'vendor_data of 1001 two-byte characters (2002 bytes) is refused');
SELECT lives_ok(
    $$EXECUTE create_session(repeat('v', 2000), NULL, NULL)$$,
    'vendor_data of 2000 bytes is accepted');
SELECT lives_ok(
    $$EXECUTE create_session(repeat('é', 1000), NULL, NULL)$$,
    'vendor_data of 1000 two-byte characters (2000 bytes) is accepted');

-- metadata: an object, at most 4096 bytes as text ({"k": "..."} is 9 bytes plus the value)
SELECT throws_ok(
    $$EXECUTE create_session(NULL, jsonb_build_object('k', repeat('m', 4088)), NULL)$$,
    '23514', 'new row for relation "sessions" violates check constraint "sessions_metadata_size"',
    'metadata of 4097 bytes is refused');
SELECT throws_ok(
    $$EXECUTE create_session(NULL, jsonb_build_object('k', repeat('m', 100000)), NULL)$$,
    '23514', 'new row for relation "sessions" violates check constraint "sessions_metadata_size"',
    'metadata of 100 kB is refused');
SELECT is(octet_length(jsonb_build_object('k', repeat('m', 4087))::text), 4096,
          '(the accepted metadata below is 4096 bytes as text)');
SELECT lives_ok(
    $$EXECUTE create_session(NULL, jsonb_build_object('k', repeat('m', 4087)), NULL)$$,
    'metadata of 4096 bytes is accepted');
SELECT throws_ok(
    $$EXECUTE create_session(NULL, '[1, 2]', NULL)$$,
    '23514', 'new row for relation "sessions" violates check constraint "sessions_metadata_object"',
    'metadata that is an array is refused');
SELECT throws_ok(
    $$EXECUTE create_session(NULL, '"text"', NULL)$$,
    '23514', 'new row for relation "sessions" violates check constraint "sessions_metadata_object"',
    'metadata that is a string is refused');
SELECT lives_ok(
    $$EXECUTE create_session(NULL, '{"order": 42, "tags": ["a"]}', NULL)$$,
    'metadata that is an object is accepted');

-- callback: an http(s) URL
SELECT throws_ok(
    $$EXECUTE create_session(NULL, NULL, 'javascript:alert(1)')$$,
    '23514', 'new row for relation "sessions" violates check constraint "sessions_callback_url"',
    'a callback that is not an http(s) URL is refused');
SELECT lives_ok(
    $$EXECUTE create_session(NULL, NULL, 'https://app.example.com/done?x=1')$$,
    'an https callback is accepted');

-- token hashes are 32 bytes
SELECT throws_ok(
    format($$INSERT INTO qrshare.sessions (application_id, token_hash, requested_scopes, expires_at)
             VALUES (%L, '\x0102', '{email}', statement_timestamp() + interval '1 minute')$$, :'app'),
    '23514', 'new row for relation "sessions" violates check constraint "sessions_token_hash_size"',
    'a session token hash that is not 32 bytes is refused');

-- applications: a host name as domain, http(s) URLs, origins as scheme://host[:port]
SELECT throws_ok(
    format($$UPDATE qrshare.applications SET domain = 'Shop.Example.com' WHERE id = %L$$, :'app'),
    '23514', 'new row for relation "applications" violates check constraint "applications_domain_hostname"',
    'a domain with capitals is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.applications SET logo_url = 'ftp://x/logo.png' WHERE id = %L$$, :'app'),
    '23514', 'new row for relation "applications" violates check constraint "applications_logo_url_http"',
    'a logo URL that is not http(s) is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.applications SET cors_origins = '{https://app.example.com/path}' WHERE id = %L$$, :'app'),
    '23514', 'CORS origins must be scheme://host[:port] in lowercase: https://app.example.com/path',
    'a CORS origin with a path is refused');
SELECT lives_ok(
    format($$UPDATE qrshare.applications
                SET domain = 'shop.example.com', logo_url = 'https://shop.example.com/logo.png',
                    cors_origins = '{https://shop.example.com,http://localhost:8080}'
              WHERE id = %L$$, :'app'),
    'a host name, an https logo URL and two origins are accepted');

-- each limit is written once, in a qrshare.limit_*() function: the lifetime and name
-- constraints call it, the size constraints of sessions hold its value (written from it)
SELECT set_eq(
    $$SELECT conname::text, substring(pg_get_constraintdef(oid) FROM 'limit_[a-z_]+') FROM pg_constraint
       WHERE conname IN ('applications_max_lifetime_range', 'scopes_name_format')$$,
    $$VALUES ('applications_max_lifetime_range', 'limit_min_lifetime'),
             ('scopes_name_format', 'limit_scope_name')$$,
    'the lifetime and scope-name constraints use the qrshare.limit_*() functions');
SELECT set_eq(
    $$SELECT conname::text, substring(pg_get_constraintdef(oid) FROM '<= ([0-9]+)')::integer
        FROM pg_constraint WHERE conname IN ('sessions_vendor_data_size', 'sessions_metadata_size')$$,
    $$VALUES ('sessions_vendor_data_size', qrshare.limit_vendor_data_bytes()),
             ('sessions_metadata_size', qrshare.limit_metadata_bytes())$$,
    'the size constraints of sessions hold the values of the qrshare.limit_*() functions');

SELECT * FROM finish();
ROLLBACK;
