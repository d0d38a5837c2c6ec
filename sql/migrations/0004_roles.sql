-- 0004_roles: database roles (DESIGN.md §9), and every statement of an executable is one
-- api_* call.
--
--   qrshare_owner  NOLOGIN  owns schema qrshare and every object in it.
--   qrshare_api    LOGIN    the executables: USAGE on the schema, EXECUTE on api_* only.
--   qrshare_admin  LOGIN    operators in psql: EXECUTE on the admin functions, SELECT on
--                           session_overview.
--
-- api_* and admin functions are SECURITY DEFINER (they run as qrshare_owner) with a fixed
-- search_path, so a compromised executable can do only what they allow: it cannot read or
-- rewrite a row, disable a trigger or read sealed data in bulk. The helpers they call stay
-- plain functions with no grant.
--
-- Performance: PostgreSQL never inlines a SECURITY DEFINER function, and plans the body of a
-- SQL function that is not inlined again at every call, while PL/pgSQL keeps its plans for
-- the connection. So every function on a request's path is PL/pgSQL, or SQL simple enough
-- to be inlined into its caller (iso8601, the limit_* constants).
--
-- A later migration that creates objects should SET ROLE qrshare_owner first, so that they
-- are owned like the rest and the default privileges below apply to them.

-- ---------------------------------------------------------------------------------------
-- Roles (cluster-wide: another database may have created them already)
-- ---------------------------------------------------------------------------------------

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'qrshare_owner') THEN
        CREATE ROLE qrshare_owner NOLOGIN;
    END IF;
    -- No password here: operators set one (ALTER ROLE qrshare_api PASSWORD ...) or use peer
    -- or certificate authentication.
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'qrshare_api') THEN
        CREATE ROLE qrshare_api LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'qrshare_admin') THEN
        CREATE ROLE qrshare_admin LOGIN;
    END IF;
END
$$;

COMMENT ON ROLE qrshare_owner IS 'qrshare: owns schema qrshare and everything in it; no login.';
COMMENT ON ROLE qrshare_api IS 'qrshare: the executables; may only call qrshare.api_*.';
COMMENT ON ROLE qrshare_admin IS
    'qrshare: operators; the admin functions and qrshare.session_overview.';

-- A request never waits long: a stuck statement, or a lock held by a sweep or a psql
-- session, turns into an error instead of a pile of waiting FastCGI processes. Operators
-- change them per database with
--   ALTER ROLE qrshare_api IN DATABASE qrshare SET statement_timeout = '10s';
-- (they take effect at the next connection).
DO $$
BEGIN
    EXECUTE format('ALTER ROLE qrshare_api IN DATABASE %I SET statement_timeout = %L',
                   current_database(), '5s');
    EXECUTE format('ALTER ROLE qrshare_api IN DATABASE %I SET lock_timeout = %L',
                   current_database(), '3s');
END
$$;

-- ---------------------------------------------------------------------------------------
-- Limits, each written once; the constraints and the api functions both use them.
-- IMMUTABLE SQL constants: inlined and folded wherever they are used.
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION qrshare.limit_min_lifetime() RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN interval '30 seconds';
COMMENT ON FUNCTION qrshare.limit_min_lifetime() IS
    'Shortest lifetime of a session (expires_in) and of an application''s max_lifetime.';

CREATE FUNCTION qrshare.limit_max_lifetime() RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN interval '1 hour';
COMMENT ON FUNCTION qrshare.limit_max_lifetime() IS
    'Longest max_lifetime an application may have, and its default.';

CREATE FUNCTION qrshare.limit_vendor_data_bytes() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 2000;
COMMENT ON FUNCTION qrshare.limit_vendor_data_bytes() IS 'Largest vendor_data, in bytes (UTF-8).';

CREATE FUNCTION qrshare.limit_metadata_bytes() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 4096;
COMMENT ON FUNCTION qrshare.limit_metadata_bytes() IS
    'Largest metadata, in bytes of its JSON text as sent.';

CREATE FUNCTION qrshare.limit_scope_name() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '^[a-z][a-z0-9_]{0,63}$';
COMMENT ON FUNCTION qrshare.limit_scope_name() IS
    'The format of a scope name, as a regular expression.';

ALTER TABLE qrshare.scopes
    DROP CONSTRAINT scopes_name_format
  , ADD CONSTRAINT scopes_name_format CHECK (name ~ qrshare.limit_scope_name());

ALTER TABLE qrshare.applications
    DROP CONSTRAINT applications_max_lifetime_range
  , ADD CONSTRAINT applications_max_lifetime_range CHECK (
        max_lifetime BETWEEN qrshare.limit_min_lifetime() AND qrshare.limit_max_lifetime())
  , ALTER COLUMN max_lifetime SET DEFAULT qrshare.limit_max_lifetime();

-- The sizes go into the constraints of sessions as numbers taken from the functions: a
-- function in a CHECK runs again on every row written (measured: about 6 % of the cost
-- of api_create's insert), a constant does not.
DO $$
BEGIN
    EXECUTE format(
        'ALTER TABLE qrshare.sessions'
        '    DROP CONSTRAINT sessions_vendor_data_size'
        '  , ADD CONSTRAINT sessions_vendor_data_size CHECK (octet_length(vendor_data) <= %s)'
        '  , DROP CONSTRAINT sessions_metadata_size'
        '  , ADD CONSTRAINT sessions_metadata_size CHECK (octet_length(metadata::text) <= %s)',
        qrshare.limit_vendor_data_bytes(), qrshare.limit_metadata_bytes());
END
$$;

-- ---------------------------------------------------------------------------------------
-- Helpers, in PL/pgSQL so that their plans are kept (see the top)
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION qrshare.is_set(p_items text[])
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    RETURN array_position(p_items, NULL) IS NULL
       AND cardinality(p_items) = (SELECT count(DISTINCT x) FROM unnest(p_items) AS x);
END
$$;

CREATE OR REPLACE FUNCTION qrshare.app_by_credential(p_bearer bytea, p_key bytea) RETURNS uuid
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_app uuid;
BEGIN
    IF p_key IS NOT NULL THEN
        SELECT a.id INTO v_app
          FROM qrshare.applications a
         WHERE a.secret_hash = p_key AND a.disabled_at IS NULL;
        IF FOUND THEN
            RETURN v_app;
        END IF;
    END IF;
    IF p_bearer IS NOT NULL THEN
        SELECT a.id INTO v_app
          FROM qrshare.client_tokens t
          JOIN qrshare.applications a ON a.id = t.application_id
         WHERE t.token_hash = p_bearer
           AND t.revoked_at IS NULL
           AND t.expires_at > statement_timestamp()
           AND a.disabled_at IS NULL;
    END IF;
    RETURN v_app;
END
$$;

-- The one place where "past due reads as expired" is written. Before expires_at (the
-- common case, a simple expression) nothing is read; past it, the catalog says whether the
-- status is terminal, and a terminal status stays.
CREATE OR REPLACE FUNCTION qrshare.effective_status(p_status text, p_expires_at timestamptz)
RETURNS text
LANGUAGE plpgsql STABLE STRICT
AS $$
BEGIN
    IF p_expires_at > statement_timestamp() THEN
        RETURN p_status;
    END IF;
    IF (SELECT st.terminal FROM qrshare.statuses st WHERE st.name = p_status) THEN
        RETURN p_status;
    END IF;
    RETURN 'expired';
END
$$;
COMMENT ON FUNCTION qrshare.effective_status(text, timestamptz) IS
    'The status as every endpoint and the operator view report it: a session past its '
    'expires_at whose status is not terminal (qrshare.statuses) is expired.';

CREATE OR REPLACE FUNCTION qrshare.cors_allowed(p_app uuid, p_origin text) RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF p_origin IS NULL THEN
        RETURN false;
    END IF;
    RETURN EXISTS (SELECT FROM qrshare.applications a
                    WHERE a.id = p_app AND p_origin = ANY (a.cors_origins));
END
$$;

-- ---------------------------------------------------------------------------------------
-- Operators: the view and the sweep use effective_status()
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE VIEW qrshare.session_overview AS
SELECT s.id AS session_id
     , s.session_number
     , a.name AS application_name
     , a.client_id
     , qrshare.effective_status(s.status, s.expires_at) AS status
     , s.status AS stored_status
     , s.requested_scopes
     , s.granted_scopes
     , s.created_at
     , s.expires_at
     , s.retrieved_at
     , s.decided_at
     , s.user_data IS NOT NULL AS holds_user_data
     , s.data_deleted_at
     , s.user_sub IS NOT NULL AS user_bound
  FROM qrshare.sessions s
  JOIN qrshare.applications a ON a.id = s.application_id;

CREATE OR REPLACE FUNCTION qrshare.expire_sessions()
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_count integer;
BEGIN
    -- effective_status() decides. The first two conditions are the predicate and the key
    -- of sessions_expires_at_open_idx: with them the sweep reads only the open sessions
    -- that are due, from that index, instead of every session.
    UPDATE qrshare.sessions s
       SET status = 'expired'
     WHERE s.status IN ('initialized', 'retrieved')
       AND s.expires_at <= statement_timestamp()
       AND qrshare.effective_status(s.status, s.expires_at) = 'expired';
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END;
$$;

COMMENT ON INDEX qrshare.sessions_expires_at_open_idx IS
    'The open sessions by expires_at, for qrshare.expire_sessions(); its predicate lists the '
    'non-terminal statuses because an index predicate cannot read qrshare.statuses.';

-- The default maximum lifetime is the limit itself. (A parameter default is evaluated by
-- the caller, who may not execute the limit function: NULL stands for it.)
CREATE OR REPLACE FUNCTION qrshare.add_application(
    p_name               text
  , p_domain             text
  , p_allowed_scopes     text[]   DEFAULT NULL
  , p_max_lifetime       interval DEFAULT NULL
  , p_retention          interval DEFAULT '10 minutes'
  , p_one_time_decision  boolean  DEFAULT false
  , p_logo_url           text     DEFAULT NULL
  , p_privacy_policy_url text     DEFAULT NULL
  , p_terms_url          text     DEFAULT NULL
  , p_cors_origins       text[]   DEFAULT '{}'
)
RETURNS TABLE (client_id text, client_secret text)
LANGUAGE plpgsql
AS $$
DECLARE
    v_client_id text := 'qrs_' || encode(public.gen_random_bytes(12), 'hex');
    v_secret    text := qrshare.new_token();
BEGIN
    INSERT INTO qrshare.applications AS a (
        client_id, secret_hash, name, domain, allowed_scopes, max_lifetime, retention
      , one_time_decision, logo_url, privacy_policy_url, terms_url, cors_origins)
    VALUES (
        v_client_id, qrshare.hash_token(v_secret, 'qrshare client secret'), p_name, p_domain
      , coalesce(p_allowed_scopes, ARRAY(SELECT s.name FROM qrshare.scopes s ORDER BY s.name))
      , coalesce(p_max_lifetime, qrshare.limit_max_lifetime()), p_retention
      , p_one_time_decision, p_logo_url, p_privacy_policy_url, p_terms_url
      , coalesce(p_cors_origins, '{}'));
    client_id := v_client_id;
    client_secret := v_secret;
    RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION qrshare.add_application(text, text, text[], interval, interval, boolean,
                                            text, text, text, text[]) IS
    'Registers an application and returns its client_id and client_secret. The secret is '
    'shown this once: only its hash is stored. p_allowed_scopes NULL allows every scope '
    'in the catalog; p_max_lifetime NULL is qrshare.limit_max_lifetime().';

-- ---------------------------------------------------------------------------------------
-- API: status and preflight, formerly plain SELECTs in the C code
-- ---------------------------------------------------------------------------------------

-- E3, E9: the hot path (every open QR code polls it every 2 s): one indexed read of the
-- session, no row lock, nothing written. The match is browser_session()'s, without its
-- FOR UPDATE: a poll must not queue behind a refresh or a decision.
CREATE FUNCTION qrshare.api_status(p_id uuid, p_session_token_hash bytea, p_bearer bytea,
                                   p_key bytea, p_origin text)
RETURNS TABLE (code text, status text, expires_at text, expires_epoch bigint, cors boolean)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_app     uuid;
    v_status  text;
    v_expires timestamptz;
    v_owner   uuid;
BEGIN
    cors := false;
    IF p_bearer IS NOT NULL OR p_key IS NOT NULL THEN
        v_app := qrshare.app_by_credential(p_bearer, p_key);
        IF v_app IS NULL THEN
            code := 'invalid_client';
            RETURN NEXT;
            RETURN;
        END IF;
    END IF;
    SELECT s.status, s.expires_at, s.application_id INTO v_status, v_expires, v_owner
      FROM qrshare.sessions s
     WHERE s.id = p_id AND (s.token_hash = p_session_token_hash OR s.application_id = v_app);
    IF NOT FOUND THEN
        code := 'not_found';
        RETURN NEXT;
        RETURN;
    END IF;
    code := 'ok';
    status := qrshare.effective_status(v_status, v_expires);
    expires_at := qrshare.iso8601(v_expires);
    expires_epoch := extract(epoch FROM v_expires)::bigint;
    IF p_origin IS NOT NULL THEN -- most polls send none: no call then (measured: 6 % of the call)
        cors := qrshare.cors_allowed(v_owner, p_origin);
    END IF;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION qrshare.api_status(uuid, bytea, bytea, bytea, text) IS
    'E3, E9: the status of a session for its session token or its application''s credential. '
    'code: ok, invalid_client (a credential was given and is not valid), not_found. '
    'cors: the origin is one of the application''s. Read-only.';

-- OPTIONS (CORS preflight) on a session's path.
CREATE FUNCTION qrshare.api_preflight(p_id uuid, p_origin text)
RETURNS TABLE (code text, cors boolean)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_owner uuid;
BEGIN
    SELECT s.application_id INTO v_owner FROM qrshare.sessions s WHERE s.id = p_id;
    IF NOT FOUND THEN
        code := 'not_found';
        cors := false;
    ELSE
        code := 'ok';
        cors := qrshare.cors_allowed(v_owner, p_origin);
    END IF;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION qrshare.api_preflight(uuid, text) IS
    'CORS preflight: code ok or not_found; cors true when the origin is one of the '
    'session''s application''s. Read-only.';

COMMENT ON FUNCTION qrshare.api_token(text, bytea, bytea, integer) IS
    'E1: a client access token (given as its hash) for a client id and secret hash, valid '
    'p_ttl seconds. code: ok, invalid_client.';
COMMENT ON FUNCTION qrshare.api_information(bytea, text, text) IS
    'E4: the phone opens a session and is bound to it at the first call. code: ok, '
    'not_found, expired, invalid_state (cancelled), already_claimed (another user).';
COMMENT ON FUNCTION qrshare.api_decision(uuid, bytea, bytea) IS
    'E6: the decision, for the owning application. code: ok, invalid_client, not_found, '
    'gone (user data deleted: retention passed, or one-time decision already read).';
COMMENT ON FUNCTION qrshare.api_refresh(uuid, bytea, bytea, bytea, bytea, text) IS
    'E7: a new session token and expires_at while initialized. code: ok, invalid_client, '
    'not_found, expired, invalid_state (scanned already, or maximum lifetime reached).';
COMMENT ON FUNCTION qrshare.api_cancel(uuid, bytea, bytea, bytea, text) IS
    'E8: cancels a session that is not decided (again: ok). code: ok, invalid_client, '
    'not_found, expired, invalid_state (decided).';

-- ---------------------------------------------------------------------------------------
-- Ownership and privileges
-- ---------------------------------------------------------------------------------------

-- Everything in the schema goes to qrshare_owner: tables (with their indexes and identity
-- sequences), views, free sequences, functions. Objects of an extension stay its own.
DO $$
DECLARE
    r record;
BEGIN
    EXECUTE 'ALTER SCHEMA qrshare OWNER TO qrshare_owner';
    FOR r IN
        SELECT format('ALTER %s %s OWNER TO qrshare_owner',
                      CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                     WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                      c.oid::regclass) AS cmd
          FROM pg_catalog.pg_class c
         WHERE c.relnamespace = 'qrshare'::regnamespace
           AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
        UNION ALL
        SELECT format('ALTER ROUTINE %s OWNER TO qrshare_owner', p.oid::regprocedure)
          FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'qrshare'::regnamespace
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                            WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                              AND d.deptype = 'e')
    LOOP
        EXECUTE r.cmd;
    END LOOP;
END
$$;

REVOKE ALL ON SCHEMA qrshare FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA qrshare FROM PUBLIC;
-- For functions created later. Not "IN SCHEMA qrshare": a per-schema default can only add
-- to the global one, never take PUBLIC's EXECUTE away; qrshare_owner owns nothing else.
ALTER DEFAULT PRIVILEGES FOR ROLE qrshare_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

GRANT USAGE ON SCHEMA qrshare TO qrshare_api, qrshare_admin;

-- api_* for the executables, the admin functions for operators: both run as qrshare_owner,
-- with a search_path nobody else can put objects on.
DO $$
DECLARE
    c_admin CONSTANT text[] := ARRAY['add_application', 'rotate_secret', 'disable_application',
                                     'enable_application', 'expire_sessions', 'purge',
                                     'hash_token', 'new_token'];
    r record;
BEGIN
    FOR r IN
        SELECT p.oid::regprocedure AS f
             , CASE WHEN p.proname LIKE 'api\_%' THEN 'qrshare_api' ELSE 'qrshare_admin' END AS grantee
          FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'qrshare'::regnamespace
           AND (p.proname LIKE 'api\_%' OR p.proname = ANY (c_admin))
    LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = pg_catalog, qrshare, pg_temp',
                       r.f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', r.f, r.grantee);
    END LOOP;
END
$$;

-- The view runs with its owner's rights on the tables it reads, but a function it calls is
-- called as the reader: status needs effective_status(), which reads the status catalog.
GRANT SELECT ON qrshare.session_overview TO qrshare_admin;
GRANT EXECUTE ON FUNCTION qrshare.effective_status(text, timestamptz) TO qrshare_admin;
GRANT SELECT ON qrshare.statuses TO qrshare_admin;
