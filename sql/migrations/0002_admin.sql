-- 0002_admin.sql - administration through psql: applications, secrets, sweeps, a view.
--
-- Every function here is meant for the cluster owner in psql; nothing is granted.
--
--   SELECT * FROM qrshare.add_application('Shop', 'shop.example.com',
--                                         ARRAY['email', 'names']);
--   SELECT qrshare.rotate_secret('qrs_0123456789abcdef01234567');
--   SELECT qrshare.disable_application('qrs_0123456789abcdef01234567');
--   SELECT qrshare.expire_sessions();          -- from cron, every minute
--   SELECT qrshare.purge();                    -- from cron, every minute
--   SELECT * FROM qrshare.session_overview ORDER BY session_number DESC LIMIT 20;

-- ---------------------------------------------------------------------------------------
-- Tokens and their hashes
-- ---------------------------------------------------------------------------------------

-- Usage: qrshare.hash_token('<secret>', 'qrshare client secret')
CREATE FUNCTION qrshare.hash_token(p_token text, p_purpose text)
RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN public.hmac(convert_to(p_token, 'UTF8'), convert_to(p_purpose, 'UTF8'), 'sha256');

COMMENT ON FUNCTION qrshare.hash_token(text, text) IS
    'The stored form of a secret: HMAC-SHA-256 of the token keyed with its purpose '
    '(''qrshare client secret'', ''qrshare access token'', ''qrshare session token''), as the '
    'C code computes it with libsodium. The one place this expression is written.';

-- Usage: SELECT qrshare.new_token();
CREATE FUNCTION qrshare.new_token()
RETURNS text
LANGUAGE sql VOLATILE PARALLEL SAFE
-- encode() writes padded base64 with a newline every 76 characters: map to base64url and
-- drop '=' and newlines (translate() deletes characters that have no replacement).
RETURN translate(encode(public.gen_random_bytes(32), 'base64'), E'+/=\n', '-_');

COMMENT ON FUNCTION qrshare.new_token() IS
    'A new secret: 32 random bytes as base64url without padding (43 characters).';

-- ---------------------------------------------------------------------------------------
-- Applications
-- ---------------------------------------------------------------------------------------

-- Usage:
--   SELECT * FROM qrshare.add_application('Shop', 'shop.example.com');   -- every scope
--   SELECT * FROM qrshare.add_application('Shop', 'shop.example.com', ARRAY['email'],
--       p_max_lifetime => '10 minutes', p_cors_origins => ARRAY['https://shop.example.com']);
CREATE FUNCTION qrshare.add_application(
    p_name               text
  , p_domain             text
  , p_allowed_scopes     text[]   DEFAULT NULL
  , p_max_lifetime       interval DEFAULT '1 hour'
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
      , p_max_lifetime, p_retention, p_one_time_decision, p_logo_url, p_privacy_policy_url
      , p_terms_url, coalesce(p_cors_origins, '{}'));
    client_id := v_client_id;
    client_secret := v_secret;
    RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION qrshare.add_application(text, text, text[], interval, interval, boolean,
                                            text, text, text, text[]) IS
    'Registers an application and returns its client_id and client_secret. The secret is '
    'shown this once: only its hash is stored. p_allowed_scopes NULL allows every scope '
    'in the catalog.';

-- Usage: SELECT qrshare.rotate_secret('qrs_0123456789abcdef01234567');
CREATE FUNCTION qrshare.rotate_secret(p_client_id text)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_secret text := qrshare.new_token();
    v_id     uuid;
BEGIN
    UPDATE qrshare.applications a
       SET secret_hash = qrshare.hash_token(v_secret, 'qrshare client secret')
     WHERE a.client_id = p_client_id
    RETURNING a.id INTO v_id;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'no application with client_id %', p_client_id
            USING ERRCODE = 'no_data_found';
    END IF;
    UPDATE qrshare.client_tokens t
       SET revoked_at = statement_timestamp()
     WHERE t.application_id = v_id AND t.revoked_at IS NULL;
    RETURN v_secret;
END;
$$;

COMMENT ON FUNCTION qrshare.rotate_secret(text) IS
    'Gives the application a new client secret (returned once; the old one stops working) '
    'and revokes every client access token issued to it.';

-- Usage: SELECT qrshare.disable_application('qrs_0123456789abcdef01234567');
CREATE FUNCTION qrshare.disable_application(p_client_id text)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    v_id      uuid;
    v_already timestamptz;
BEGIN
    SELECT a.id, a.disabled_at INTO v_id, v_already
      FROM qrshare.applications a WHERE a.client_id = p_client_id FOR UPDATE;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'no application with client_id %', p_client_id
            USING ERRCODE = 'no_data_found';
    END IF;
    UPDATE qrshare.client_tokens t
       SET revoked_at = statement_timestamp()
     WHERE t.application_id = v_id AND t.revoked_at IS NULL;
    IF v_already IS NOT NULL THEN
        RETURN false;
    END IF;
    UPDATE qrshare.applications a SET disabled_at = statement_timestamp() WHERE a.id = v_id;
    RETURN true;
END;
$$;

COMMENT ON FUNCTION qrshare.disable_application(text) IS
    'Disables an application (it can no longer authenticate or create sessions) and revokes '
    'its client access tokens. Returns true when it was enabled, false when already disabled. '
    'Its open sessions run on until they expire or are cancelled.';

-- Usage: SELECT qrshare.enable_application('qrs_0123456789abcdef01234567');
CREATE FUNCTION qrshare.enable_application(p_client_id text)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    v_found boolean;
    v_was   timestamptz;
BEGIN
    SELECT true, a.disabled_at INTO v_found, v_was
      FROM qrshare.applications a WHERE a.client_id = p_client_id FOR UPDATE;
    IF v_found IS NULL THEN
        RAISE EXCEPTION 'no application with client_id %', p_client_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF v_was IS NULL THEN
        RETURN false;
    END IF;
    UPDATE qrshare.applications a SET disabled_at = NULL WHERE a.client_id = p_client_id;
    RETURN true;
END;
$$;

COMMENT ON FUNCTION qrshare.enable_application(text) IS
    'Enables a disabled application again (its secret is unchanged; tokens revoked at '
    'disabling stay revoked). Returns true when it was disabled, false when already enabled.';

-- ---------------------------------------------------------------------------------------
-- Sweeps
-- ---------------------------------------------------------------------------------------

-- Usage: SELECT qrshare.expire_sessions();
CREATE FUNCTION qrshare.expire_sessions()
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_count integer;
BEGIN
    UPDATE qrshare.sessions s
       SET status = 'expired'
     WHERE s.status IN ('initialized', 'retrieved')
       AND s.expires_at <= statement_timestamp();
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END;
$$;

COMMENT ON FUNCTION qrshare.expire_sessions() IS
    'Writes status expired on every open (initialized or retrieved) session past its '
    'expires_at, one audit event each, and returns how many. Endpoints already report such '
    'sessions as expired; this makes it durable.';

-- Usage: SELECT qrshare.purge();  SELECT qrshare.purge('7 days');
CREATE FUNCTION qrshare.purge(p_keep interval DEFAULT '30 days')
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_now     timestamptz := statement_timestamp();
    v_deleted integer;
    v_purged  integer;
    v_tokens  integer;
BEGIN
    IF p_keep IS NULL OR p_keep < interval '0' THEN
        RAISE EXCEPTION 'p_keep must be a positive interval' USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- Old sessions that are over: terminal, or open but past expires_at.
    DELETE FROM qrshare.sessions s
     USING qrshare.statuses st
     WHERE st.name = s.status
       AND s.created_at < v_now - p_keep
       AND (st.terminal OR s.expires_at <= v_now);
    GET DIAGNOSTICS v_deleted = ROW_COUNT;

    -- User data whose retention window has passed.
    UPDATE qrshare.sessions s
       SET user_data = NULL, seal_key_id = NULL, data_deleted_at = v_now
      FROM qrshare.applications a
     WHERE a.id = s.application_id
       AND s.user_data IS NOT NULL
       AND s.decided_at + a.retention <= v_now;
    GET DIAGNOSTICS v_purged = ROW_COUNT;

    -- Client access tokens that can no longer be used.
    DELETE FROM qrshare.client_tokens t
     WHERE t.expires_at <= v_now OR t.revoked_at IS NOT NULL;
    GET DIAGNOSTICS v_tokens = ROW_COUNT;

    RETURN v_deleted + v_purged + v_tokens;
END;
$$;

COMMENT ON FUNCTION qrshare.purge(interval) IS
    'Deletes sessions created more than p_keep ago that are over (terminal, or past '
    'expires_at), with their audit events; deletes the user data of the remaining sessions '
    'whose decided_at + application retention has passed (data_deleted_at records when); '
    'deletes expired and revoked client access tokens. Returns the number of rows affected: '
    'sessions deleted + sessions whose data was deleted + client tokens deleted (each row '
    'once; audit events deleted along with their session are not counted).';

-- ---------------------------------------------------------------------------------------
-- What an operator reads
-- ---------------------------------------------------------------------------------------

CREATE VIEW qrshare.session_overview AS
SELECT s.id AS session_id
     , s.session_number
     , a.name AS application_name
     , a.client_id
     , CASE WHEN NOT st.terminal AND s.expires_at <= statement_timestamp()
            THEN 'expired' ELSE s.status END AS status
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
  JOIN qrshare.applications a ON a.id = s.application_id
  JOIN qrshare.statuses st ON st.name = s.status;

COMMENT ON VIEW qrshare.session_overview IS
    'Sessions for operators, without secrets or personal data: no token hash, no user data, '
    'no user identity, no vendor data or metadata. status is the effective status (expired '
    'once past expires_at, whether or not qrshare.expire_sessions() has written it); '
    'stored_status is the column as stored. Usage: '
    'SELECT * FROM qrshare.session_overview WHERE client_id = ''qrs_...'' ORDER BY session_number DESC;';
