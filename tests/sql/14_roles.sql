-- 14_roles.sql - the database roles (DESIGN.md §9): who owns what, who may call what, and
-- what a compromised executable (qrshare_api) cannot do.
BEGIN;
SELECT plan(44);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS s \gset
SELECT pg_temp.backdate(:'s', interval '11 minutes');

-- The roles
SELECT is((SELECT rolcanlogin FROM pg_roles WHERE rolname = 'qrshare_owner'), false,
          'qrshare_owner cannot log in');
SELECT is((SELECT rolcanlogin FROM pg_roles WHERE rolname = 'qrshare_api'), true,
          'qrshare_api logs in');
SELECT is((SELECT rolcanlogin FROM pg_roles WHERE rolname = 'qrshare_admin'), true,
          'qrshare_admin logs in');
SELECT is(
    (SELECT array_agg(c ORDER BY c) FROM pg_db_role_setting s, unnest(s.setconfig) AS c
      WHERE s.setrole = 'qrshare_api'::regrole
        AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())),
    ARRAY['lock_timeout=3s', 'log_parameter_max_length=0', 'log_parameter_max_length_on_error=0',
          'statement_timeout=5s'],
    'qrshare_api has statement_timeout 5s and lock_timeout 3s in this database, and its bind '
    'parameters (user_data for api_update) are never logged');

-- Ownership: everything in the schema is qrshare_owner's (extensions' objects aside)
SELECT is((SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'qrshare'),
          'qrshare_owner', 'schema qrshare is owned by qrshare_owner');
SELECT is(
    (SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
      WHERE c.relnamespace = 'qrshare'::regnamespace
        AND c.relowner <> 'qrshare_owner'::regrole
        AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                                  AND d.objid = c.oid AND d.deptype = 'e')),
    NULL, 'every table, index, sequence and view of qrshare is owned by qrshare_owner');
SELECT isnt((SELECT count(*)::int FROM pg_class WHERE relname = 'schema_migrations'
                                                 AND relowner = 'qrshare_owner'::regrole),
            0, '(schema_migrations included)');
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'qrshare.scope_aliases'::regclass),
          'qrshare_owner', '(scope_aliases, created by 0005, included)');
SELECT is(
    (SELECT array_agg(relowner::regrole::text) FROM pg_class
      WHERE oid IN ('qrshare.scope_fields'::regclass, 'qrshare.formats'::regclass,
                    'qrshare.countries'::regclass, 'qrshare.currencies'::regclass)),
    ARRAY['qrshare_owner', 'qrshare_owner', 'qrshare_owner', 'qrshare_owner'],
    '(scope_fields, formats, countries and currencies, created by 0006, included)');
SELECT is(
    (SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
      WHERE p.pronamespace = 'qrshare'::regnamespace
        AND p.proowner <> 'qrshare_owner'::regrole
        AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                                                  AND d.objid = p.oid AND d.deptype = 'e')),
    NULL, 'every function of qrshare (trigger functions included) is owned by qrshare_owner');

-- Who may execute what
CREATE TEMP TABLE fn AS
SELECT p.oid, p.proname::text AS name, p.prosecdef, p.proconfig
  FROM pg_proc p
 WHERE p.pronamespace = 'qrshare'::regnamespace
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                                             AND d.objid = p.oid AND d.deptype = 'e');
CREATE TEMP TABLE admin_fn (name) AS
VALUES ('add_application'), ('rotate_secret'), ('disable_application'), ('enable_application'),
       ('expire_sessions'), ('purge'), ('hash_token'), ('new_token');

SELECT is(
    (SELECT count(*)::int FROM fn, aclexplode(coalesce(
            (SELECT proacl FROM pg_proc WHERE oid = fn.oid),
            acldefault('f', 'qrshare_owner'::regrole))) AS a
      WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'),
    0, 'PUBLIC may execute no function of qrshare');
SELECT set_eq(
    $$SELECT name FROM fn WHERE has_function_privilege('qrshare_api', oid, 'EXECUTE')$$,
    $$SELECT name FROM fn WHERE name LIKE 'api\_%'$$,
    'qrshare_api may execute the api_* functions and nothing else');
SELECT is((SELECT count(*)::int FROM fn WHERE name LIKE 'api\_%'), 11,
          '(there are eleven api_* functions: api_create with and without an Idempotency-Key, api_schema_version)');
SELECT set_eq(
    $$SELECT name FROM fn WHERE has_function_privilege('qrshare_admin', oid, 'EXECUTE')$$,
    $$SELECT name FROM admin_fn UNION ALL VALUES ('effective_status')$$,
    'qrshare_admin may execute the admin functions, and effective_status for the view');
SELECT set_eq(
    $$SELECT name FROM fn WHERE prosecdef$$,
    $$SELECT name FROM fn WHERE name LIKE 'api\_%' UNION ALL SELECT name FROM admin_fn
      UNION ALL VALUES ('push_sessions'), ('push_statuses')$$,
    'exactly the api_*, admin and push (0007) functions are SECURITY DEFINER; helpers are not');
SELECT is(
    (SELECT array_agg(name ORDER BY name) FROM fn
      WHERE prosecdef AND proconfig IS DISTINCT FROM ARRAY['search_path=pg_catalog, qrshare, pg_temp']),
    NULL, 'every SECURITY DEFINER function has search_path = pg_catalog, qrshare, pg_temp');

-- Tables: no privilege for qrshare_api; qrshare_admin only the view (and the status catalog)
SELECT is(
    (SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
      WHERE c.relnamespace = 'qrshare'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND (has_table_privilege('qrshare_api', c.oid,
                                 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
             OR has_any_column_privilege('qrshare_api', c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))),
    NULL, 'qrshare_api has no privilege on any table or view of qrshare');
SELECT is(
    (SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
      WHERE c.relnamespace = 'qrshare'::regnamespace
        AND CASE WHEN c.relkind = 'S'  -- (has_sequence_privilege refuses other relations)
                 THEN has_sequence_privilege('qrshare_api', c.oid, 'USAGE, SELECT, UPDATE') END),
    NULL, 'qrshare_api has no privilege on any sequence of qrshare');
SELECT set_eq(
    $$SELECT c.relname::text FROM pg_class c
       WHERE c.relnamespace = 'qrshare'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
         AND has_table_privilege('qrshare_admin', c.oid,
                                 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')$$,
    $$VALUES ('session_overview'), ('statuses')$$,
    'qrshare_admin may read session_overview and the status catalog, nothing else');

-- New functions of qrshare_owner are not PUBLIC's either
SET ROLE qrshare_owner;
CREATE FUNCTION qrshare.later() RETURNS integer LANGUAGE sql RETURN 1;
RESET ROLE;
SELECT is(has_function_privilege('public', 'qrshare.later()', 'EXECUTE'), false,
          'a function qrshare_owner creates later is not executable by PUBLIC');

-- What a compromised executable cannot do
SET ROLE qrshare_api;
SELECT throws_ok('SELECT user_data FROM qrshare.sessions', '42501', NULL,
                 'qrshare_api cannot SELECT from sessions');
SELECT throws_ok($$UPDATE qrshare.sessions SET status = 'cancelled'$$, '42501', NULL,
                 'qrshare_api cannot UPDATE sessions');
SELECT throws_ok('DELETE FROM qrshare.sessions', '42501', NULL,
                 'qrshare_api cannot DELETE from sessions');
SELECT throws_ok(
    format($$INSERT INTO qrshare.sessions (application_id, token_hash, requested_scopes, expires_at)
             VALUES (%L, public.gen_random_bytes(32), '{email}', now() + interval '1 minute')$$, :'app'),
    '42501', NULL, 'qrshare_api cannot INSERT into sessions');
SELECT throws_ok('ALTER TABLE qrshare.sessions DISABLE TRIGGER ALL', '42501', NULL,
                 'qrshare_api cannot disable the triggers of sessions');
SELECT throws_ok('SET session_replication_role = replica', '42501', NULL,
                 'qrshare_api cannot turn triggers off with session_replication_role');
SELECT throws_ok('CREATE TABLE qrshare.mine (x int)', '42501', NULL,
                 'qrshare_api cannot create objects in qrshare');
SELECT throws_ok($$SELECT qrshare.effective_status('initialized', now())$$, '42501', NULL,
                 'qrshare_api cannot call a helper directly');
SELECT throws_ok('SELECT qrshare.expire_sessions()', '42501', NULL,
                 'qrshare_api cannot call an admin function');
SELECT throws_ok('SELECT * FROM qrshare.session_overview', '42501', NULL,
                 'qrshare_api cannot read the operator view');
SELECT throws_ok('SELECT * FROM qrshare.scope_aliases', '42501', NULL,
                 'qrshare_api cannot read scope_aliases (api_create, the definer, does)');
SELECT throws_ok('SELECT * FROM qrshare.scope_fields', '42501', NULL,
                 'qrshare_api cannot read scope_fields (api_update and api_information do)');
SELECT throws_ok($$SELECT qrshare.shape_error('email', '{}')$$, '42501', NULL,
                 'qrshare_api cannot call shape_error directly');
SELECT throws_ok($$SELECT qrshare.format_ok('e164', '+441234567890')$$, '42501', NULL,
                 'qrshare_api cannot call format_ok directly');
SELECT lives_ok(
    format($$SELECT * FROM qrshare.api_status(%L, '\x00', NULL, NULL, NULL)$$, :'s'),
    'qrshare_api can call an api_* function');
RESET ROLE;

-- The operator
SET ROLE qrshare_admin;
SELECT results_eq(
    format($$SELECT status, stored_status FROM qrshare.session_overview WHERE session_id = %L$$, :'s'),
    $$VALUES ('expired', 'retrieved')$$,
    'qrshare_admin reads session_overview (a past-due session shows expired)');
SELECT throws_ok('SELECT user_data FROM qrshare.sessions', '42501', NULL,
                 'qrshare_admin cannot read user data');
SELECT throws_ok('SELECT secret_hash FROM qrshare.applications', '42501', NULL,
                 'qrshare_admin cannot read the applications table');
SELECT throws_ok('SELECT * FROM qrshare.scope_aliases', '42501', NULL,
                 'qrshare_admin has nothing on scope_aliases either');
SELECT throws_ok(
    format($$SELECT * FROM qrshare.api_status(%L, '\x00', NULL, NULL, NULL)$$, :'s'),
    '42501', NULL, 'qrshare_admin cannot call an api_* function');
SELECT client_id AS cid FROM qrshare.add_application('Admin test', 'admin.example.com') \gset
SELECT matches(:'cid'::text, '^qrs_', 'qrshare_admin adds an application');
SELECT lives_ok(
    format($$SELECT qrshare.rotate_secret(%L), qrshare.disable_application(%L),
                    qrshare.enable_application(%L)$$, :'cid', :'cid', :'cid'),
    'qrshare_admin rotates a secret, disables and enables an application');
SELECT lives_ok(
    $$SELECT qrshare.expire_sessions(), qrshare.purge(), qrshare.new_token(),
             qrshare.hash_token('t', 'qrshare client secret')$$,
    'qrshare_admin runs the sweeps and the token helpers');
RESET ROLE;
SELECT is((SELECT status FROM qrshare.sessions WHERE id = :'s'), 'expired',
          'the sweep qrshare_admin ran wrote expired');

SELECT * FROM finish();
ROLLBACK;
