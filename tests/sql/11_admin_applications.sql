-- 11_admin_applications.sql - hash_token, add_application, rotate_secret,
-- disable_application and enable_application.
BEGIN;
SELECT plan(34);
\ir fixtures.psql

-- hash_token is HMAC-SHA-256 keyed with the purpose (RFC 4231, test case 2: key "Jefe")
SELECT is(
    qrshare.hash_token('what do ya want for nothing?', 'Jefe'),
    '\x5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'::bytea,
    'hash_token(token, purpose) = HMAC-SHA-256(key = purpose, message = token)');
-- the same known answers as tests/crypto-t.c: SQL and C hash alike
SELECT set_eq(
    $$SELECT p, encode(qrshare.hash_token('q8Jd0Yp3_Vx-2mRkLw9ZtA7eHnC4uBsF1gIoPjK6yQE', p), 'hex')
        FROM unnest(ARRAY['qrshare client secret', 'qrshare access token',
                          'qrshare session token']) AS p$$,
    $$VALUES ('qrshare client secret', '8a36265c05dd9b56aa07d6fbd68a26adab35a0838631cb8c23f4b98f3d569486'),
             ('qrshare access token', '20933c178963867e5c60048759694c9636e9d813646f82539d6b953714e1c85f'),
             ('qrshare session token', '45c03ef8dc1ebc00852f49740d2aebdae0ad1dc21994f26446f1fcc8e8efb652')$$,
    'hash_token gives the known answers of the C side (crypto_token_hash) for each purpose');
SELECT isnt(
    qrshare.hash_token('same token', 'qrshare client secret'),
    qrshare.hash_token('same token', 'qrshare session token'),
    'one token hashes differently for each purpose');
SELECT is(octet_length(qrshare.new_token()), 43, 'new_token is 43 characters');

-- add_application
CREATE TEMP TABLE added AS
SELECT * FROM qrshare.add_application('Shop', 'shop.example.com', ARRAY['email', 'names'],
                                      p_max_lifetime => '15 minutes',
                                      p_logo_url => 'https://shop.example.com/logo.png',
                                      p_cors_origins => ARRAY['https://shop.example.com']);
SELECT client_id AS cid, client_secret AS secret FROM added \gset

SELECT is((SELECT count(*)::int FROM added), 1, 'add_application returns one row');
SELECT matches(:'cid'::text, '^qrs_[0-9a-f]{24}$', 'the client id is qrs_ and 24 hex digits');
SELECT is(length(:'secret'::text), 43, 'the client secret is 43 characters');
SELECT matches(:'secret'::text, '^[A-Za-z0-9_-]{43}$', 'the client secret is base64url without padding');
SELECT is(
    (SELECT secret_hash FROM qrshare.applications WHERE client_id = :'cid'::text),
    qrshare.hash_token(:'secret'::text, 'qrshare client secret'),
    'the stored hash is the HMAC of the secret keyed with ''qrshare client secret''');
SELECT is(
    (SELECT strpos(to_jsonb(a)::text, :'secret'::text) + strpos(to_jsonb(a)::text,
                                                          encode(convert_to(:'secret'::text, 'UTF8'), 'hex'))
       FROM qrshare.applications a WHERE client_id = :'cid'::text),
    0, 'the secret is stored nowhere in the row, neither as text nor as bytes');
SELECT results_eq(
    format($$SELECT name, domain, allowed_scopes, max_lifetime, retention, one_time_decision,
                    logo_url, cors_origins, disabled_at IS NULL
               FROM qrshare.applications WHERE client_id = %L$$, :'cid'::text),
    $$VALUES ('Shop', 'shop.example.com', ARRAY['email', 'names'], interval '15 minutes',
              interval '10 minutes', false, 'https://shop.example.com/logo.png',
              ARRAY['https://shop.example.com'], true)$$,
    'the application holds what was given, and the defaults');

SELECT client_id AS cid2, client_secret AS secret2 FROM qrshare.add_application('Blog', 'blog.example.com') \gset
SELECT isnt(:'cid2'::text, :'cid'::text, 'another application gets another client id');
SELECT isnt(:'secret2'::text, :'secret'::text, 'and another secret');
SELECT set_eq(
    format($$SELECT unnest(allowed_scopes) FROM qrshare.applications WHERE client_id = %L$$, :'cid2'::text),
    'SELECT name FROM qrshare.scopes',
    'without a scope list an application may ask for every scope in the catalog');

SELECT throws_ok(
    $$SELECT * FROM qrshare.add_application('Bad', 'bad.example.com', ARRAY['shoe_size'])$$,
    '23514', 'allowed scopes not in the scope catalog: shoe_size',
    'add_application refuses a scope outside the catalog');
SELECT throws_ok(
    $$SELECT * FROM qrshare.add_application('Bad', 'https://bad.example.com')$$,
    '23514', 'new row for relation "applications" violates check constraint "applications_domain_hostname"',
    'add_application refuses a domain that is not a host name');
SELECT throws_ok(
    $$SELECT * FROM qrshare.add_application('Bad', 'bad.example.com', p_max_lifetime => '2 hours')$$,
    '23514', 'new row for relation "applications" violates check constraint "applications_max_lifetime_range"',
    'add_application refuses a maximum lifetime over 1 hour');
SELECT throws_ok(
    $$SELECT * FROM qrshare.add_application('Bad', 'bad.example.com', p_retention => '0')$$,
    '23514', 'new row for relation "applications" violates check constraint "applications_retention_range"',
    'add_application refuses a retention of zero');

-- rotate_secret
SELECT id AS app FROM qrshare.applications WHERE client_id = :'cid'::text \gset
INSERT INTO qrshare.client_tokens (token_hash, application_id, expires_at)
SELECT public.gen_random_bytes(32), :'app', statement_timestamp() + interval '1 hour'
  FROM generate_series(1, 2);
SELECT qrshare.rotate_secret(:'cid'::text) AS rotated \gset
SELECT matches(:'rotated'::text, '^[A-Za-z0-9_-]{43}$', 'rotate_secret returns a new 43-character secret');
SELECT isnt(:'rotated'::text, :'secret'::text, 'the new secret differs from the old');
SELECT is(
    (SELECT secret_hash FROM qrshare.applications WHERE client_id = :'cid'::text),
    qrshare.hash_token(:'rotated'::text, 'qrshare client secret'),
    'the stored hash is now the new secret''s');
SELECT is(
    (SELECT count(*)::int FROM qrshare.applications
      WHERE secret_hash = qrshare.hash_token(:'secret'::text, 'qrshare client secret')),
    0, 'the old secret matches no application any more');
SELECT is(
    (SELECT count(*)::int FROM qrshare.client_tokens WHERE application_id = :'app' AND revoked_at IS NULL),
    0, 'rotating revoked the application''s client tokens');
SELECT throws_ok(
    $$SELECT qrshare.rotate_secret('qrs_000000000000000000000000')$$,
    'P0002', 'no application with client_id qrs_000000000000000000000000',
    'rotate_secret of an unknown client id is an error');

-- disable_application / enable_application
INSERT INTO qrshare.client_tokens (token_hash, application_id, expires_at)
VALUES (public.gen_random_bytes(32), :'app', statement_timestamp() + interval '1 hour');
SELECT is(qrshare.disable_application(:'cid'::text), true, 'disable_application returns true');
SELECT isnt((SELECT disabled_at FROM qrshare.applications WHERE id = :'app'), NULL,
            'the application has a disabled time');
SELECT is(
    (SELECT count(*)::int FROM qrshare.client_tokens WHERE application_id = :'app' AND revoked_at IS NULL),
    0, 'disabling revoked the application''s client tokens');
SELECT is(qrshare.disable_application(:'cid'::text), false, 'disabling again returns false');
SELECT throws_ok(
    format($$SELECT pg_temp.new_session(%L)$$, :'app'),
    '23514', format('application %s is disabled', :'cid'::text),
    'a disabled application cannot create sessions');
SELECT is(qrshare.enable_application(:'cid'::text), true, 'enable_application returns true');
SELECT is((SELECT disabled_at FROM qrshare.applications WHERE id = :'app'), NULL,
          'the application is enabled');
SELECT is(qrshare.enable_application(:'cid'::text), false, 'enabling again returns false');
SELECT lives_ok(format($$SELECT pg_temp.new_session(%L)$$, :'app'),
                'the enabled application creates sessions again');
SELECT throws_ok(
    $$SELECT qrshare.disable_application('nobody')$$,
    'P0002', 'no application with client_id nobody',
    'disable_application of an unknown client id is an error');

SELECT * FROM finish();
ROLLBACK;
