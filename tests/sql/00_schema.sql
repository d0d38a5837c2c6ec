-- 00_schema.sql - the shape of schema qrshare: tables, keys, indexes, catalogs.
BEGIN;
SELECT plan(164);

SELECT has_schema('qrshare');
SELECT has_extension('pgcrypto');

-- Tables and the view
SELECT has_table('qrshare', 'scopes', 'table scopes');
SELECT has_table('qrshare', 'statuses', 'table statuses');
SELECT has_table('qrshare', 'transitions', 'table transitions');
SELECT has_table('qrshare', 'applications', 'table applications');
SELECT has_table('qrshare', 'client_tokens', 'table client_tokens');
SELECT has_table('qrshare', 'sessions', 'table sessions');
SELECT has_table('qrshare', 'session_events', 'table session_events');
SELECT has_table('qrshare', 'scope_aliases', 'table scope_aliases');
SELECT has_table('qrshare', 'scope_fields', 'table scope_fields');
SELECT has_table('qrshare', 'formats', 'table formats');
SELECT has_table('qrshare', 'countries', 'table countries');
SELECT has_table('qrshare', 'currencies', 'table currencies');
SELECT has_view('qrshare', 'session_overview', 'view session_overview');

SELECT is(
    (SELECT array_agg(c.relname::text ORDER BY c.relname)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'qrshare' AND c.relkind IN ('r', 'v')
        AND obj_description(c.oid, 'pg_class') IS NULL
        AND NOT EXISTS (SELECT 1 FROM pg_depend d  -- not an extension's (pgtap may live here)
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                           AND d.deptype = 'e')),
    NULL,
    'every table and view of qrshare has a COMMENT');
SELECT is(
    (SELECT array_agg(c.relname || '.' || a.attname ORDER BY c.relname, a.attnum)
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
      WHERE c.relnamespace = 'qrshare'::regnamespace
        AND c.relname IN ('scope_fields', 'formats', 'countries', 'currencies')
        AND a.attnum > 0 AND NOT a.attisdropped
        AND col_description(c.oid, a.attnum) IS NULL),
    NULL,
    'every column of the tables 0006 created has a COMMENT');
SELECT is(
    (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
      WHERE a.attrelid = 'qrshare.scopes'::regclass
        AND a.attname IN ('verified', 'format', 'max_length', 'any_of')
        AND col_description(a.attrelid, a.attnum) IS NULL),
    NULL,
    'scopes.verified and the columns 0006 added have a COMMENT');
SELECT matches(col_description('qrshare.scopes'::regclass,
                               (SELECT attnum FROM pg_attribute WHERE attrelid = 'qrshare.scopes'::regclass
                                                                  AND attname = 'verified')),
               'can be verified', 'the COMMENT of scopes.verified says "can be verified"');

-- Primary keys
SELECT col_is_pk('qrshare', 'scopes', 'name', 'scopes: pk name');
SELECT col_is_pk('qrshare', 'scope_aliases', 'alias', 'scope_aliases: pk alias');
SELECT col_is_pk('qrshare', 'scope_fields', ARRAY['scope', 'field'], 'scope_fields: pk (scope, field)');
SELECT col_is_pk('qrshare', 'formats', 'name', 'formats: pk name');
SELECT col_is_pk('qrshare', 'countries', 'code', 'countries: pk code');
SELECT col_is_pk('qrshare', 'currencies', 'code', 'currencies: pk code');
SELECT col_is_unique('qrshare', 'scope_fields', ARRAY['scope', 'position'],
                     'scope_fields: (scope, position) unique');
SELECT col_is_pk('qrshare', 'statuses', 'name', 'statuses: pk name');
SELECT col_is_pk('qrshare', 'transitions', ARRAY['from_status', 'to_status'],
                 'transitions: pk (from_status, to_status)');
SELECT col_is_pk('qrshare', 'applications', 'id', 'applications: pk id');
SELECT col_is_pk('qrshare', 'client_tokens', 'token_hash', 'client_tokens: pk token_hash');
SELECT col_is_pk('qrshare', 'sessions', 'id', 'sessions: pk id');
SELECT col_is_pk('qrshare', 'session_events', 'id', 'session_events: pk id');

-- Key columns and their types
SELECT col_type_is('qrshare', 'scopes', 'value_type', 'text', 'scopes.value_type text');
SELECT col_type_is('qrshare', 'scopes', 'verified', 'boolean', 'scopes.verified boolean');
SELECT col_type_is('qrshare', 'scopes', 'format', 'text', 'scopes.format text');
SELECT col_type_is('qrshare', 'scopes', 'max_length', 'integer', 'scopes.max_length integer');
SELECT col_type_is('qrshare', 'scopes', 'any_of', 'text[]', 'scopes.any_of text[]');
SELECT col_type_is('qrshare', 'scope_fields', 'position', 'integer', 'scope_fields.position integer');
SELECT col_type_is('qrshare', 'scope_fields', 'json_type', 'text', 'scope_fields.json_type text');
SELECT col_type_is('qrshare', 'scope_fields', 'format', 'text', 'scope_fields.format text');
SELECT col_type_is('qrshare', 'scope_fields', 'max_length', 'integer', 'scope_fields.max_length integer');
SELECT col_type_is('qrshare', 'scope_fields', 'required', 'boolean', 'scope_fields.required boolean');
SELECT col_type_is('qrshare', 'scope_fields', 'description', 'text', 'scope_fields.description text');
SELECT col_is_null('qrshare', 'scope_fields', 'format', 'scope_fields.format nullable (free text)');
SELECT col_is_null('qrshare', 'scope_fields', 'max_length', 'scope_fields.max_length nullable (booleans)');
SELECT col_not_null('qrshare', 'scope_fields', 'required', 'scope_fields.required NOT NULL');
SELECT col_not_null('qrshare', 'scope_fields', 'description', 'scope_fields.description NOT NULL');
SELECT col_type_is('qrshare', 'scope_aliases', 'alias', 'text', 'scope_aliases.alias text');
SELECT col_type_is('qrshare', 'scope_aliases', 'name', 'text', 'scope_aliases.name text');
SELECT col_not_null('qrshare', 'scope_aliases', 'name', 'scope_aliases.name NOT NULL');
SELECT col_type_is('qrshare', 'statuses', 'terminal', 'boolean', 'statuses.terminal boolean');
SELECT col_type_is('qrshare', 'applications', 'id', 'uuid', 'applications.id uuid');
SELECT col_type_is('qrshare', 'applications', 'client_id', 'text', 'applications.client_id text');
SELECT col_type_is('qrshare', 'applications', 'secret_hash', 'bytea', 'applications.secret_hash bytea');
SELECT col_type_is('qrshare', 'applications', 'allowed_scopes', 'text[]', 'applications.allowed_scopes text[]');
SELECT col_type_is('qrshare', 'applications', 'max_lifetime', 'interval', 'applications.max_lifetime interval');
SELECT col_type_is('qrshare', 'applications', 'retention', 'interval', 'applications.retention interval');
SELECT col_type_is('qrshare', 'applications', 'cors_origins', 'text[]', 'applications.cors_origins text[]');
SELECT col_type_is('qrshare', 'applications', 'disabled_at', 'timestamp with time zone', 'applications.disabled_at timestamptz');
SELECT col_type_is('qrshare', 'client_tokens', 'token_hash', 'bytea', 'client_tokens.token_hash bytea');
SELECT col_type_is('qrshare', 'client_tokens', 'expires_at', 'timestamp with time zone', 'client_tokens.expires_at timestamptz');
SELECT col_type_is('qrshare', 'sessions', 'id', 'uuid', 'sessions.id uuid');
SELECT col_type_is('qrshare', 'sessions', 'session_number', 'bigint', 'sessions.session_number bigint');
SELECT col_type_is('qrshare', 'sessions', 'token_hash', 'bytea', 'sessions.token_hash bytea');
SELECT col_type_is('qrshare', 'sessions', 'requested_scopes', 'text[]', 'sessions.requested_scopes text[]');
SELECT col_type_is('qrshare', 'sessions', 'vendor_data', 'text', 'sessions.vendor_data text');
SELECT col_type_is('qrshare', 'sessions', 'metadata', 'json', 'sessions.metadata json');
SELECT col_type_is('qrshare', 'sessions', 'callback', 'text', 'sessions.callback text');
SELECT col_type_is('qrshare', 'sessions', 'status', 'text', 'sessions.status text');
SELECT col_type_is('qrshare', 'sessions', 'created_at', 'timestamp with time zone', 'sessions.created_at timestamptz');
SELECT col_type_is('qrshare', 'sessions', 'expires_at', 'timestamp with time zone', 'sessions.expires_at timestamptz');
SELECT col_type_is('qrshare', 'sessions', 'retrieved_at', 'timestamp with time zone', 'sessions.retrieved_at timestamptz');
SELECT col_type_is('qrshare', 'sessions', 'decided_at', 'timestamp with time zone', 'sessions.decided_at timestamptz');
SELECT col_type_is('qrshare', 'sessions', 'user_iss', 'text', 'sessions.user_iss text');
SELECT col_type_is('qrshare', 'sessions', 'user_sub', 'text', 'sessions.user_sub text');
SELECT col_type_is('qrshare', 'sessions', 'granted_scopes', 'text[]', 'sessions.granted_scopes text[]');
SELECT col_type_is('qrshare', 'sessions', 'user_data', 'bytea', 'sessions.user_data bytea');
SELECT col_type_is('qrshare', 'sessions', 'seal_key_id', 'text', 'sessions.seal_key_id text');
SELECT col_type_is('qrshare', 'sessions', 'decision_digest', 'bytea', 'sessions.decision_digest bytea');
SELECT col_type_is('qrshare', 'sessions', 'data_deleted_at', 'timestamp with time zone', 'sessions.data_deleted_at timestamptz');
SELECT col_type_is('qrshare', 'session_events', 'session_id', 'uuid', 'session_events.session_id uuid');
SELECT col_type_is('qrshare', 'session_events', 'from_status', 'text', 'session_events.from_status text');
SELECT col_type_is('qrshare', 'session_events', 'to_status', 'text', 'session_events.to_status text');
SELECT col_type_is('qrshare', 'session_events', 'at', 'timestamp with time zone', 'session_events.at timestamptz');

SELECT col_not_null('qrshare', 'sessions', 'application_id', 'sessions.application_id NOT NULL');
SELECT col_not_null('qrshare', 'sessions', 'token_hash', 'sessions.token_hash NOT NULL');
SELECT col_not_null('qrshare', 'sessions', 'requested_scopes', 'sessions.requested_scopes NOT NULL');
SELECT col_not_null('qrshare', 'sessions', 'expires_at', 'sessions.expires_at NOT NULL');
SELECT col_is_null('qrshare', 'session_events', 'from_status', 'session_events.from_status nullable (creation)');
SELECT col_default_is('qrshare', 'sessions', 'status', 'initialized', 'sessions.status defaults to initialized');
SELECT matches(
    (SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
       JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
      WHERE d.adrelid = 'qrshare.applications'::regclass AND a.attname = 'max_lifetime'),
    '^(qrshare\.)?limit_max_lifetime\(\)$',
    'applications.max_lifetime defaults to the limit (1 hour)');
SELECT col_default_is('qrshare', 'applications', 'retention', '00:10:00'::interval, 'applications.retention defaults to 10 minutes');
SELECT col_is_unique('qrshare', 'applications', 'client_id', 'applications.client_id unique');
SELECT col_is_unique('qrshare', 'sessions', 'token_hash', 'sessions.token_hash unique');
SELECT col_is_unique('qrshare', 'sessions', 'session_number', 'sessions.session_number unique');
SELECT is(
    (SELECT attidentity::text FROM pg_attribute
      WHERE attrelid = 'qrshare.sessions'::regclass AND attname = 'session_number'),
    'a', 'sessions.session_number is GENERATED ALWAYS AS IDENTITY');

-- Foreign keys
SELECT fk_ok('qrshare', 'scope_aliases', 'name', 'qrshare', 'scopes', 'name');
SELECT fk_ok('qrshare', 'scope_fields', 'scope', 'qrshare', 'scopes', 'name');
SELECT fk_ok('qrshare', 'scope_fields', 'format', 'qrshare', 'formats', 'name');
SELECT fk_ok('qrshare', 'scopes', 'format', 'qrshare', 'formats', 'name');
SELECT is(
    (SELECT confupdtype::text || confdeltype::text FROM pg_constraint
      WHERE conname = 'scope_fields_scope_fkey'),
    'cc', 'fields follow a renamed scope and go with a deleted one (ON UPDATE/DELETE CASCADE)');
SELECT fk_ok('qrshare', 'transitions', 'from_status', 'qrshare', 'statuses', 'name');
SELECT fk_ok('qrshare', 'transitions', 'to_status', 'qrshare', 'statuses', 'name');
SELECT fk_ok('qrshare', 'client_tokens', 'application_id', 'qrshare', 'applications', 'id');
SELECT fk_ok('qrshare', 'sessions', 'application_id', 'qrshare', 'applications', 'id');
SELECT fk_ok('qrshare', 'sessions', 'status', 'qrshare', 'statuses', 'name');
SELECT fk_ok('qrshare', 'session_events', 'session_id', 'qrshare', 'sessions', 'id');
SELECT fk_ok('qrshare', 'session_events', 'to_status', 'qrshare', 'statuses', 'name');
SELECT is(
    (SELECT confdeltype::text FROM pg_constraint WHERE conname = 'client_tokens_application_id_fkey'),
    'c', 'client tokens go with their application (ON DELETE CASCADE)');
SELECT is(
    (SELECT confdeltype::text FROM pg_constraint WHERE conname = 'session_events_session_id_fkey'),
    'c', 'events go with their session (ON DELETE CASCADE)');

-- Indexes, by name
SELECT has_index('qrshare', 'client_tokens', 'client_tokens_application_id_idx', 'application_id',
                 'index client_tokens_application_id_idx');
SELECT has_index('qrshare', 'sessions', 'sessions_application_id_created_at_idx',
                 ARRAY['application_id', 'created_at'], 'index sessions_application_id_created_at_idx');
SELECT has_index('qrshare', 'sessions', 'sessions_expires_at_open_idx', 'expires_at',
                 'index sessions_expires_at_open_idx');
SELECT ok(pg_get_indexdef('qrshare.sessions_expires_at_open_idx'::regclass)
              ~ 'WHERE \(status = ANY \(ARRAY\[''initialized''::text, ''retrieved''::text\]\)\)',
          'sessions_expires_at_open_idx covers only open sessions');
SELECT has_index('qrshare', 'sessions', 'sessions_decided_at_held_idx', 'decided_at',
                 'index sessions_decided_at_held_idx');
SELECT ok(pg_get_indexdef('qrshare.sessions_decided_at_held_idx'::regclass)
              ~ 'WHERE \(user_data IS NOT NULL\)',
          'sessions_decided_at_held_idx covers only sessions holding user data');
SELECT has_index('qrshare', 'session_events', 'session_events_session_id_idx', 'session_id',
                 'index session_events_session_id_idx');
SELECT has_index('qrshare', 'scope_fields', 'scope_fields_format_idx', 'format',
                 'index scope_fields_format_idx (the foreign key to formats)');

-- Triggers
SELECT has_trigger('qrshare', 'applications', 'applications_check', 'trigger applications_check');
SELECT has_trigger('qrshare', 'sessions', 'sessions_before_insert', 'trigger sessions_before_insert');
SELECT has_trigger('qrshare', 'sessions', 'sessions_before_update', 'trigger sessions_before_update');
SELECT has_trigger('qrshare', 'sessions', 'sessions_before_status_write', 'trigger sessions_before_status_write');
SELECT has_trigger('qrshare', 'sessions', 'sessions_log_insert', 'trigger sessions_log_insert');
SELECT has_trigger('qrshare', 'sessions', 'sessions_log_status', 'trigger sessions_log_status');
SELECT has_trigger('qrshare', 'scopes', 'scopes_in_use', 'trigger scopes_in_use');

-- The scope catalog: Didit's 17 scopes and their value types (DESIGN.md §2.1)
SELECT set_eq(
    'SELECT name, value_type FROM qrshare.scopes',
    $$VALUES ('user_id', 'string'), ('picture', 'string'), ('names', 'object'),
             ('email', 'object'), ('phone', 'object'), ('gender', 'object'),
             ('document_detail', 'object'), ('birthdate', 'object'), ('address', 'object'),
             ('bank_account', 'object'), ('preferences', 'object'), ('is_verified', 'boolean'),
             ('is_over_18', 'boolean'), ('is_over_21', 'boolean'),
             ('instagram_account', 'object'), ('x_account', 'object'), ('tiktok_account', 'object')$$,
    'the scope catalog holds the 17 scopes with their value types');
SELECT set_eq(
    'SELECT name, format, max_length FROM qrshare.scopes WHERE value_type = ''string''',
    $$VALUES ('user_id', NULL, 255), ('picture', 'https_url', 2048)$$,
    'the scalar strings: user_id at most 255 characters, picture an https URL of at most 2048');
SELECT set_eq(
    'SELECT name, any_of FROM qrshare.scopes WHERE any_of IS NOT NULL',
    $$VALUES ('names', ARRAY['first_name', 'family_name', 'full_name'])$$,
    'names needs one of first_name, family_name, full_name; no other scope has such a rule');
SELECT is((SELECT description FROM qrshare.scopes WHERE name = 'email'), 'Your email address',
          'email is described for the consent screen');
SELECT is((SELECT count(*)::int FROM qrshare.scopes WHERE btrim(description) = ''), 0,
          'every scope has a description');
SELECT set_eq(
    'SELECT name FROM qrshare.scopes WHERE verified',
    $$VALUES ('names'), ('email'), ('phone'), ('gender'), ('birthdate'), ('document_detail'),
             ('address'), ('is_verified'), ('is_over_18'), ('is_over_21')$$,
    'verified (can be verified): the scopes the identity provider can vouch for');

-- Formats and their code lists (29_shapes.sql checks what each accepts)
SELECT set_eq('SELECT name FROM qrshare.formats',
              $$VALUES ('e164'), ('date'), ('country'), ('currency'), ('https_url'), ('addr_spec'),
                       ('bcp47'), ('iana_tz'), ('iban'), ('bic')$$,
              'the formats, exactly');
SELECT is((SELECT count(*)::int FROM qrshare.countries), 249,
          'countries: the 249 ISO 3166-1 alpha-2 codes');
SELECT is((SELECT count(*)::int FROM qrshare.currencies), 181,
          'currencies: the 181 ISO 4217 alphabetic codes');

-- Scope aliases: Didit's create-session example asks for "pictures"
SELECT set_eq('SELECT alias, name FROM qrshare.scope_aliases', $$VALUES ('pictures', 'picture')$$,
              'the one scope alias: pictures for picture');
SELECT throws_ok($$INSERT INTO qrshare.scope_aliases (alias, name) VALUES ('Pics', 'picture')$$,
                 '23514', NULL, 'an alias has the format of a scope name');
SELECT throws_ok($$INSERT INTO qrshare.scope_aliases (alias, name) VALUES ('pics', 'pic')$$,
                 '23503', NULL, 'an alias stands for a scope of the catalog');
SELECT throws_ok($$DELETE FROM qrshare.scopes WHERE name = 'picture'$$,
                 '23503', NULL, 'a scope with an alias cannot be deleted');
SELECT lives_ok(
    $$UPDATE qrshare.scopes SET name = 'photo' WHERE name = 'picture';
      UPDATE qrshare.scopes SET name = 'picture' WHERE name = 'photo'$$,
    'a scope with an alias can be renamed');
SELECT is((SELECT name FROM qrshare.scope_aliases WHERE alias = 'pictures'), 'picture',
          '(the alias follows the renames)');

-- Statuses and transitions
SELECT set_eq(
    'SELECT name, terminal FROM qrshare.statuses',
    $$VALUES ('initialized', false), ('retrieved', false), ('confirmed', true),
             ('declined', true), ('expired', true), ('cancelled', true)$$,
    'statuses and which are terminal');
SELECT set_eq(
    'SELECT from_status, to_status FROM qrshare.transitions',
    $$VALUES ('initialized', 'retrieved'), ('retrieved', 'confirmed'), ('retrieved', 'declined'),
             ('initialized', 'expired'), ('retrieved', 'expired'),
             ('initialized', 'cancelled'), ('retrieved', 'cancelled')$$,
    'the allowed transitions, exactly');

-- Admin functions
SELECT has_function('qrshare', 'hash_token', ARRAY['text', 'text'], 'function hash_token(text, text)');
SELECT has_function('qrshare', 'add_application', 'function add_application');
SELECT has_function('qrshare', 'rotate_secret', ARRAY['text'], 'function rotate_secret(text)');
SELECT has_function('qrshare', 'disable_application', ARRAY['text'], 'function disable_application(text)');
SELECT has_function('qrshare', 'enable_application', ARRAY['text'], 'function enable_application(text)');
SELECT has_function('qrshare', 'expire_sessions', ARRAY[]::text[], 'function expire_sessions()');
SELECT has_function('qrshare', 'purge', ARRAY['interval'], 'function purge(interval)');

-- API functions, the limits, and the helpers
SELECT set_eq(
    $$SELECT p.proname || '(' || oidvectortypes(p.proargtypes) || ')' FROM pg_proc p
       WHERE p.pronamespace = 'qrshare'::regnamespace AND p.proname LIKE 'api\_%'$$,
    $$VALUES ('api_token(text, bytea, bytea, integer)'),
             ('api_create(bytea, bytea, bytea, text, text, json, text, text, bigint)'),
             ('api_create(bytea, bytea, bytea, text, text, json, text, text, bigint, text, bytea, bytea, text)'),
             ('api_status(uuid, bytea, bytea, bytea, text)'),
             ('api_preflight(uuid, text)'),
             ('api_information(bytea, text, text)'),
             ('api_update(bytea, text, text, uuid, text, json, bytea, text, bytea)'),
             ('api_decision(uuid, bytea, bytea)'),
             ('api_refresh(uuid, bytea, bytea, bytea, bytea, text)'),
             ('api_cancel(uuid, bytea, bytea, bytea, text)'),
             ('api_schema_version()')$$,
    'the API functions, exactly, with their signatures');
SELECT is(qrshare.limit_min_lifetime(), interval '30 seconds', 'limit_min_lifetime() is 30 s');
SELECT is(qrshare.limit_max_lifetime(), interval '1 hour', 'limit_max_lifetime() is 1 h');
SELECT is(qrshare.limit_vendor_data_bytes(), 2000, 'limit_vendor_data_bytes() is 2000');
SELECT is(qrshare.limit_metadata_bytes(), 4096, 'limit_metadata_bytes() is 4096');
SELECT is(qrshare.limit_scope_name(), '^[a-z][a-z0-9_]{0,63}$', 'limit_scope_name() is the format');

-- Times: iso8601 to the second, iso8601_ms to the millisecond (as Didit writes the
-- decision's), both in UTC whatever the session's time zone
SET LOCAL TIME ZONE 'America/New_York';
SELECT is(qrshare.iso8601('2024-08-01 12:30:00.1239+02'), '2024-08-01T10:30:00Z',
          'iso8601: UTC, seconds');
SELECT is(qrshare.iso8601_ms('2024-08-01 12:30:00+02'), '2024-08-01T10:30:00.000Z',
          'iso8601_ms: UTC, three decimals even on a whole second');
SELECT is(qrshare.iso8601_ms('2024-08-01 12:30:00.1239+02'), '2024-08-01T10:30:00.123Z',
          'iso8601_ms: the digits past the millisecond are cut');
SELECT is(qrshare.iso8601_ms('2024-12-31 23:59:59.9999-05'), '2025-01-01T04:59:59.999Z',
          'iso8601_ms: never rounded up into the next second');
SELECT is(qrshare.iso8601_ms(NULL), NULL, 'iso8601_ms: NULL for NULL');
RESET TIME ZONE;
SELECT is(
    (SELECT provolatile::text || proisstrict::text || proparallel::text FROM pg_proc
      WHERE oid = 'qrshare.iso8601_ms(timestamptz)'::regprocedure),
    'strues', 'iso8601_ms is STABLE, STRICT and PARALLEL SAFE like iso8601');
-- Inlined: the plan shows to_char where the call was
CREATE FUNCTION pg_temp.plan_of(p_query text) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_line text;
    v_plan text := '';
BEGIN
    FOR v_line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || p_query LOOP
        v_plan := v_plan || v_line || E'\n';
    END LOOP;
    RETURN v_plan;
END
$$;
SELECT ok(plan ~ 'to_char\(' AND plan !~ 'iso8601_ms',
          'iso8601_ms is inlined into the query that calls it')
  FROM pg_temp.plan_of('SELECT qrshare.iso8601_ms(s.created_at) FROM qrshare.sessions s') AS plan;
-- Plain SQL functions are planned again at every call unless inlined; the ones left are
-- constants or one-expression wrappers that PostgreSQL inlines (and pgcrypto wrappers
-- for operators).
SELECT set_eq(
    $$SELECT p.proname::text FROM pg_proc p
       WHERE p.pronamespace = 'qrshare'::regnamespace
         AND p.prolang = (SELECT l.oid FROM pg_language l WHERE l.lanname = 'sql')
         AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                                                   AND d.objid = p.oid AND d.deptype = 'e')$$,
    $$VALUES ('iso8601'), ('iso8601_ms'), ('hash_token'), ('new_token'), ('limit_min_lifetime'),
             ('limit_max_lifetime'), ('limit_vendor_data_bytes'), ('limit_metadata_bytes'),
             ('limit_scope_name'), ('limit_push_batch'), ('limit_idempotency_key'),
             ('limit_idempotency_window')$$,
    'the only SQL-language functions are inlinable one-liners and the operators'' token helpers');
SELECT is(
    (SELECT array_agg(p.proname::text ORDER BY p.proname)
       FROM pg_proc p
      WHERE p.pronamespace = 'qrshare'::regnamespace
        AND obj_description(p.oid, 'pg_proc') IS NULL
        AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                                                  AND d.objid = p.oid AND d.deptype = 'e')),
    NULL,
    'every function of qrshare has a COMMENT');

SELECT * FROM finish();
ROLLBACK;
