-- 05_scopes.sql - rule (e): requested scopes must be in the catalog and allowed for the
-- application; and what a new session must look like (initialized, enabled application).
BEGIN;
SELECT plan(25);
\ir fixtures.psql

SELECT pg_temp.new_app(ARRAY['email', 'names']) AS app \gset

PREPARE create_session(text[]) AS
    INSERT INTO qrshare.sessions (application_id, token_hash, requested_scopes, expires_at)
    VALUES (:'app', public.gen_random_bytes(32), $1, statement_timestamp() + interval '5 minutes');

SELECT throws_ok(
    $$EXECUTE create_session('{email,shoe_size}')$$,
    '23514', 'requested scopes not in the scope catalog: shoe_size',
    'a requested scope outside the catalog is refused');
SELECT throws_ok(
    $$EXECUTE create_session('{email,phone}')$$,
    '23514', 'requested scopes not allowed for the application: phone',
    'a requested scope the application is not allowed is refused');
SELECT throws_ok(
    $$EXECUTE create_session('{}')$$,
    '23514', 'new row for relation "sessions" violates check constraint "sessions_requested_scopes_set"',
    'an empty scope list is refused');
SELECT throws_ok(
    $$EXECUTE create_session('{email,email}')$$,
    '23514', 'new row for relation "sessions" violates check constraint "sessions_requested_scopes_set"',
    'a scope requested twice is refused');
SELECT throws_ok(
    $$EXECUTE create_session(ARRAY['email', NULL])$$,
    '23514', 'new row for relation "sessions" violates check constraint "sessions_requested_scopes_set"',
    'a NULL scope is refused');
SELECT lives_ok(
    $$EXECUTE create_session('{email}')$$,
    'one allowed scope is accepted');
SELECT lives_ok(
    $$EXECUTE create_session('{names,email}')$$,
    'every allowed scope is accepted');

SELECT pg_temp.new_session(:'app', 'initialized', ARRAY['email']) AS s \gset
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET requested_scopes = '{email,names}' WHERE id = %L$$, :'s'),
    '23514', 'the id, creation time and requested scopes of a session cannot change',
    'the requested scopes cannot change after creation');

-- a new session is initialized, for an enabled application
SELECT throws_ok(
    format($$INSERT INTO qrshare.sessions (application_id, token_hash, requested_scopes, expires_at, status)
             VALUES (%L, public.gen_random_bytes(32), '{email}', statement_timestamp() + interval '1 minute',
                     'confirmed')$$, :'app'),
    '23514', 'a new session must have status initialized, not confirmed',
    'a session cannot be created in another status than initialized');
UPDATE qrshare.applications SET disabled_at = statement_timestamp() WHERE id = :'app';
SELECT throws_ok(
    $$EXECUTE create_session('{email}')$$,
    '23514', format('application %s is disabled', (SELECT client_id FROM qrshare.applications WHERE id = :'app')),
    'a disabled application cannot create sessions');
UPDATE qrshare.applications SET disabled_at = NULL WHERE id = :'app';
SELECT lives_ok($$EXECUTE create_session('{email}')$$, 'enabled again, it can');

-- the allowed scopes of an application are in the catalog (arrays have no foreign keys)
SELECT throws_ok(
    format($$UPDATE qrshare.applications SET allowed_scopes = '{email,shoe_size}' WHERE id = %L$$, :'app'),
    '23514', 'allowed scopes not in the scope catalog: shoe_size',
    'an allowed scope outside the catalog is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.applications SET allowed_scopes = '{email,email}' WHERE id = %L$$, :'app'),
    '23514', 'new row for relation "applications" violates check constraint "applications_allowed_scopes_set"',
    'an allowed scope listed twice is refused');
SELECT lives_ok(
    format($$UPDATE qrshare.applications SET allowed_scopes = '{email,names,phone}' WHERE id = %L$$, :'app'),
    'allowed scopes from the catalog are accepted');
SELECT lives_ok($$EXECUTE create_session('{phone}')$$, 'a newly allowed scope can be requested');

-- and a scope in use cannot leave the catalog
SELECT throws_ok(
    $$DELETE FROM qrshare.scopes WHERE name = 'phone'$$,
    '23503', 'scope phone is in use by an application or a session',
    'a scope in use cannot be deleted from the catalog');
SELECT throws_ok(
    $$UPDATE qrshare.scopes SET name = 'mobile' WHERE name = 'phone'$$,
    '23503', 'scope phone is in use by an application or a session',
    'a scope in use cannot be renamed');
SELECT lives_ok(
    $$UPDATE qrshare.scopes SET description = 'Your mobile phone number' WHERE name = 'phone'$$,
    'the description of a scope in use can change');
INSERT INTO qrshare.scopes (name, value_type, description, verified, max_length)
VALUES ('shoe_size', 'string', 'Your shoe size', false, 8);
SELECT lives_ok($$DELETE FROM qrshare.scopes WHERE name = 'shoe_size'$$,
                'a scope nobody uses can be deleted');
-- an object scope's fields are part of it (scopes_in_use still decides first)
SELECT throws_ok(
    $$DELETE FROM qrshare.scopes WHERE name = 'names'$$,
    '23503', 'scope names is in use by an application or a session',
    'a scope in use with fields cannot be deleted either');
SELECT lives_ok(
    $$UPDATE qrshare.scopes SET name = 'socials_x' WHERE name = 'x_account'$$,
    'a scope nobody uses, with fields, can be renamed');
SELECT is((SELECT array_agg(field ORDER BY position) FROM qrshare.scope_fields WHERE scope = 'socials_x'),
          ARRAY['username', 'is_verified'], 'its fields follow the rename');
SELECT lives_ok($$DELETE FROM qrshare.scopes WHERE name = 'socials_x'$$,
                'a scope nobody uses, with fields, can be deleted');
SELECT is((SELECT count(*)::int FROM qrshare.scope_fields WHERE scope IN ('socials_x', 'x_account')), 0,
          'its fields went with it');
SELECT throws_ok(
    $$INSERT INTO qrshare.scopes (name, value_type, description, verified)
      VALUES ('height', 'number', 'Your height', false)$$,
    '23514', 'new row for relation "scopes" violates check constraint "scopes_value_type_known"',
    'a scope value type other than string, object, boolean is refused');

SELECT * FROM finish();
ROLLBACK;
