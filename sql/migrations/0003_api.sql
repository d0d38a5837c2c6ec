-- 0003_api: one function per API operation, so that every HTTP request is one
-- database round trip. The executables call these with bound parameters; hashes of
-- credentials are computed by the caller (HMAC-SHA-256 keyed by purpose, see
-- qrshare.hash_token) and the plaintext of secrets and user data never reaches SQL.
--
-- Every function answers one row whose first column, code, is 'ok' or the API error
-- code ('invalid_client', 'not_found', 'invalid_state', 'already_claimed', 'expired',
-- 'gone', 'invalid_scope', 'invalid_request'). Times are ISO 8601 text in UTC.

ALTER TABLE qrshare.sessions
    ADD COLUMN lifetime interval
  , ADD CONSTRAINT sessions_lifetime_positive CHECK (lifetime IS NULL OR lifetime > interval '0');
COMMENT ON COLUMN qrshare.sessions.lifetime IS
    'The lifetime asked for at creation; a refresh grants it again, capped by the application''s max_lifetime from created_at.';

CREATE UNIQUE INDEX applications_secret_hash_key ON qrshare.applications (secret_hash);

-- STABLE like to_char: an IMMUTABLE wrapper of a STABLE body is never inlined, and
-- would be parsed and planned again on every call.
CREATE FUNCTION qrshare.iso8601(p_t timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT to_char(p_t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;
COMMENT ON FUNCTION qrshare.iso8601(timestamptz) IS 'A time as the API writes it: ISO 8601, UTC, seconds.';

-- The application an app credential (a client access token or a client secret,
-- both given as hashes) belongs to, or NULL. Disabled applications have none.
CREATE FUNCTION qrshare.app_by_credential(p_bearer bytea, p_key bytea) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT a.id
      FROM qrshare.applications a
     WHERE a.secret_hash = p_key AND a.disabled_at IS NULL
    UNION ALL
    SELECT a.id
      FROM qrshare.client_tokens t
      JOIN qrshare.applications a ON a.id = t.application_id
     WHERE t.token_hash = p_bearer
       AND t.revoked_at IS NULL
       AND t.expires_at > statement_timestamp()
       AND a.disabled_at IS NULL
     LIMIT 1
$$;
COMMENT ON FUNCTION qrshare.app_by_credential(bytea, bytea) IS
    'The application of a client access token hash or a client secret hash; NULL when neither is valid.';

-- The status a client sees: past expires_at and not terminal reads as expired,
-- whether or not a sweep has written it yet.
CREATE FUNCTION qrshare.effective_status(p_status text, p_expires_at timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_status IN ('initialized', 'retrieved') AND p_expires_at <= statement_timestamp()
                THEN 'expired' ELSE p_status END
$$;
COMMENT ON FUNCTION qrshare.effective_status(text, timestamptz) IS
    'The status as every endpoint reports it: a past-due non-terminal session is expired.';

-- True when the session is expired; one past due that still holds a non-terminal status
-- is written expired here, by whichever endpoint meets it first.
CREATE FUNCTION qrshare.expire_if_due(p_s qrshare.sessions) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF qrshare.effective_status(p_s.status, p_s.expires_at) <> 'expired' THEN
        RETURN false;
    END IF;
    IF p_s.status <> 'expired' THEN
        UPDATE qrshare.sessions SET status = 'expired' WHERE id = p_s.id;
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION qrshare.expire_if_due(qrshare.sessions) IS
    'True when the session is expired; writes expired on a past-due non-terminal session.';

-- Whether a browser page at p_origin may read answers about sessions of p_app (CORS).
CREATE FUNCTION qrshare.cors_allowed(p_app uuid, p_origin text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_origin IS NOT NULL
       AND EXISTS (SELECT 1 FROM qrshare.applications a
                    WHERE a.id = p_app AND p_origin = ANY (a.cors_origins))
$$;
COMMENT ON FUNCTION qrshare.cors_allowed(uuid, text) IS
    'True when the origin is one of the application''s cors_origins.';

-- E1: a client access token for a client id and secret.
CREATE FUNCTION qrshare.api_token(p_client_id text, p_secret_hash bytea, p_token_hash bytea,
                                  p_ttl integer)
RETURNS TABLE (code text, iat bigint, exp bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_app uuid;
    v_now timestamptz := statement_timestamp();
BEGIN
    SELECT a.id INTO v_app
      FROM qrshare.applications a
     WHERE a.client_id = p_client_id AND a.secret_hash = p_secret_hash AND a.disabled_at IS NULL;
    IF v_app IS NULL THEN
        RETURN QUERY SELECT 'invalid_client', NULL::bigint, NULL::bigint;
        RETURN;
    END IF;
    INSERT INTO qrshare.client_tokens (token_hash, application_id, expires_at)
    VALUES (p_token_hash, v_app, v_now + make_interval(secs => p_ttl));
    RETURN QUERY SELECT 'ok', extract(epoch FROM v_now)::bigint,
                        extract(epoch FROM v_now)::bigint + p_ttl;
END
$$;

-- E2: create a session.
CREATE FUNCTION qrshare.api_create(p_bearer bytea, p_key bytea, p_token_hash bytea,
                                   p_scope text[], p_vendor_data text, p_metadata json,
                                   p_callback text, p_callback_host text, p_expires_in integer)
RETURNS TABLE (code text, detail text, session_id uuid, session_number bigint,
               expires_at text, expires_in integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_app qrshare.applications;
    v_life interval;
    v_id uuid;
    v_number bigint;
    v_expires timestamptz;
    v_code text;
    v_detail text;
BEGIN
    SELECT a.* INTO v_app FROM qrshare.applications a
     WHERE a.id = qrshare.app_by_credential(p_bearer, p_key);
    v_life := coalesce(make_interval(secs => p_expires_in), least(interval '10 minutes', v_app.max_lifetime));
    IF v_app.id IS NULL THEN
        v_code := 'invalid_client';
    ELSIF NOT p_scope <@ v_app.allowed_scopes THEN
        v_code := 'invalid_scope';
        v_detail := 'a scope is not allowed for this application';
    ELSIF v_life > v_app.max_lifetime THEN
        v_code := 'invalid_request';
        v_detail := 'expires_in is over the application''s maximum of '
                    || extract(epoch FROM v_app.max_lifetime)::bigint || ' seconds';
    ELSIF p_callback_host IS NOT NULL AND p_callback_host <> v_app.domain
          AND right(p_callback_host, length(v_app.domain) + 1) <> '.' || v_app.domain THEN
        v_code := 'invalid_request';
        v_detail := 'callback is not on the application''s domain';
    END IF;
    IF v_code IS NOT NULL THEN
        RETURN QUERY SELECT v_code, v_detail, NULL::uuid, NULL::bigint, NULL::text, NULL::integer;
        RETURN;
    END IF;
    INSERT INTO qrshare.sessions AS s (application_id, token_hash, requested_scopes, vendor_data,
                                       metadata, callback, expires_at, lifetime)
    VALUES (v_app.id, p_token_hash, p_scope, p_vendor_data, p_metadata, p_callback,
            statement_timestamp() + v_life, v_life)
    RETURNING s.id, s.session_number, s.expires_at INTO v_id, v_number, v_expires;
    RETURN QUERY SELECT 'ok', NULL::text, v_id, v_number, qrshare.iso8601(v_expires),
                        extract(epoch FROM v_life)::integer;
END
$$;

-- E4: the phone opens a session: bind it to the user at the first call.
CREATE FUNCTION qrshare.api_information(p_token_hash bytea, p_iss text, p_sub text)
RETURNS TABLE (code text, session_id uuid, status text, scope text[], expires_at text,
               app_name text, app_domain text, logo_url text, privacy_policy_url text,
               terms_url text, scopes json)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_s qrshare.sessions;
    v_a qrshare.applications;
    v_code text;
BEGIN
    SELECT * INTO v_s FROM qrshare.sessions s WHERE s.token_hash = p_token_hash FOR UPDATE;
    v_code := qrshare.phone_check(v_s, p_iss, p_sub, true);
    IF v_code <> 'ok' THEN
        RETURN QUERY SELECT v_code, NULL::uuid, NULL::text, NULL::text[], NULL::text, NULL::text,
                            NULL::text, NULL::text, NULL::text, NULL::text, NULL::json;
        RETURN;
    END IF;
    IF v_s.status = 'initialized' THEN
        UPDATE qrshare.sessions s
           SET status = 'retrieved', retrieved_at = statement_timestamp(),
               user_iss = p_iss, user_sub = p_sub
         WHERE s.id = v_s.id
        RETURNING s.* INTO v_s;
    END IF;
    SELECT a.* INTO v_a FROM qrshare.applications a WHERE a.id = v_s.application_id;
    RETURN QUERY
    SELECT 'ok', v_s.id, v_s.status, v_s.requested_scopes, qrshare.iso8601(v_s.expires_at),
           v_a.name, v_a.domain, v_a.logo_url, v_a.privacy_policy_url, v_a.terms_url,
           (SELECT json_agg(json_build_object('name', c.name, 'description', c.description,
                                              'type', c.value_type, 'verified', c.verified)
                            ORDER BY array_position(v_s.requested_scopes, c.name))
              FROM qrshare.scopes c
             WHERE c.name = ANY (v_s.requested_scopes));
END
$$;

-- What the phone endpoints share: the session must exist, not be cancelled or
-- expired, and belong to this user once bound. p_bind: information may bind an unbound session; update may not.
CREATE FUNCTION qrshare.phone_check(p_s qrshare.sessions, p_iss text, p_sub text, p_bind boolean)
RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    IF p_s.id IS NULL THEN
        RETURN 'not_found';
    END IF;
    IF qrshare.expire_if_due(p_s) THEN
        RETURN 'expired';
    END IF;
    IF p_s.status = 'cancelled' THEN
        RETURN 'invalid_state';
    END IF;
    IF p_s.user_sub IS NULL THEN
        RETURN CASE WHEN p_bind THEN 'ok' ELSE 'invalid_state' END;
    END IF;
    IF p_s.user_iss <> p_iss OR p_s.user_sub <> p_sub THEN
        RETURN 'already_claimed';
    END IF;
    RETURN 'ok';
END
$$;
COMMENT ON FUNCTION qrshare.phone_check(qrshare.sessions, text, text, boolean) IS
    'Shared checks of the phone endpoints; writes expired on a past-due session.';

-- E5: the bound user confirms (with sealed data) or declines. p_names and p_types
-- list the keys of user_data and the JSON type of each value, checked against the
-- requested scopes and the catalog; the values themselves arrive sealed.
CREATE FUNCTION qrshare.api_update(p_token_hash bytea, p_iss text, p_sub text, p_status text,
                                   p_names text[], p_types text[], p_data bytea,
                                   p_key_id text, p_digest bytea)
RETURNS TABLE (code text, detail text, session_id uuid, status text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_s qrshare.sessions;
    v_code text;
    v_bad text;
BEGIN
    SELECT * INTO v_s FROM qrshare.sessions s WHERE s.token_hash = p_token_hash FOR UPDATE;
    v_code := qrshare.phone_check(v_s, p_iss, p_sub, false);
    IF v_code <> 'ok' THEN
        RETURN QUERY SELECT v_code, NULL::text, NULL::uuid, NULL::text;
        RETURN;
    END IF;
    IF v_s.status IN ('confirmed', 'declined') THEN
        -- the same answer again is accepted (a retry); another one is not
        IF v_s.decision_digest = p_digest THEN
            RETURN QUERY SELECT 'ok', NULL::text, v_s.id, v_s.status;
        ELSE
            RETURN QUERY SELECT 'invalid_state', 'the session was already decided', v_s.id, v_s.status;
        END IF;
        RETURN;
    END IF;
    IF p_status = 'confirmed' THEN
        SELECT n INTO v_bad FROM unnest(p_names) n WHERE n <> ALL (v_s.requested_scopes) LIMIT 1;
        IF v_bad IS NOT NULL THEN
            RETURN QUERY SELECT 'invalid_request', 'user_data.' || v_bad || ' was not requested',
                                NULL::uuid, NULL::text;
            RETURN;
        END IF;
        SELECT u.n INTO v_bad
          FROM unnest(p_names, p_types) u(n, t) JOIN qrshare.scopes c ON c.name = u.n
         WHERE c.value_type <> u.t LIMIT 1;
        IF v_bad IS NOT NULL THEN
            RETURN QUERY SELECT 'invalid_request', 'user_data.' || v_bad || ' has the wrong type',
                                NULL::uuid, NULL::text;
            RETURN;
        END IF;
        UPDATE qrshare.sessions s
           SET status = 'confirmed', decided_at = statement_timestamp(), granted_scopes = p_names,
               user_data = p_data, seal_key_id = p_key_id, decision_digest = p_digest
         WHERE s.id = v_s.id;
    ELSE
        UPDATE qrshare.sessions s
           SET status = 'declined', decided_at = statement_timestamp(), decision_digest = p_digest
         WHERE s.id = v_s.id;
    END IF;
    RETURN QUERY SELECT 'ok', NULL::text, v_s.id, p_status;
END
$$;

-- E3 and E9 read a session with this; it is a plain SELECT for the hot path.
-- (The statement lives in lib/session.c; see qrshare.effective_status.)

-- E6: the decision, for the application that owns the session. Data past the
-- retention window is deleted here and reported gone; an application with one-time
-- decisions gets the data once.
CREATE FUNCTION qrshare.api_decision(p_id uuid, p_bearer bytea, p_key bytea)
RETURNS TABLE (code text, session_id uuid, session_number bigint, status text,
               vendor_data text, scope text[], requested_scope text[], metadata json,
               created_at text, decided_at text, user_data bytea, seal_key_id text,
               token_hash bytea, application_id uuid, user_iss text, user_sub text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_app qrshare.applications;
    v_s qrshare.sessions;
    v_status text;
BEGIN
    SELECT a.* INTO v_app FROM qrshare.applications a
     WHERE a.id = qrshare.app_by_credential(p_bearer, p_key);
    SELECT * INTO v_s FROM qrshare.sessions s
     WHERE s.id = p_id AND s.application_id = v_app.id FOR UPDATE;
    IF v_s.id IS NULL THEN
        RETURN QUERY SELECT CASE WHEN v_app.id IS NULL THEN 'invalid_client' ELSE 'not_found' END,
            NULL::uuid, NULL::bigint, NULL::text, NULL::text, NULL::text[], NULL::text[], NULL::json,
            NULL::text, NULL::text, NULL::bytea, NULL::text, NULL::bytea, NULL::uuid, NULL::text,
            NULL::text;
        RETURN;
    END IF;
    v_status := qrshare.effective_status(v_s.status, v_s.expires_at);
    IF v_s.status = 'confirmed' THEN
        IF v_s.user_data IS NULL OR v_s.decided_at + v_app.retention <= statement_timestamp() THEN
            IF v_s.user_data IS NOT NULL THEN
                UPDATE qrshare.sessions s
                   SET user_data = NULL, seal_key_id = NULL, data_deleted_at = statement_timestamp()
                 WHERE s.id = v_s.id;
            END IF;
            RETURN QUERY SELECT 'gone', v_s.id, v_s.session_number, v_status, NULL::text,
                NULL::text[], NULL::text[], NULL::json, NULL::text, NULL::text, NULL::bytea,
                NULL::text, NULL::bytea, NULL::uuid, NULL::text, NULL::text;
            RETURN;
        END IF;
        IF v_app.one_time_decision THEN
            UPDATE qrshare.sessions s
               SET user_data = NULL, seal_key_id = NULL, data_deleted_at = statement_timestamp()
             WHERE s.id = v_s.id;
        END IF;
    END IF;
    RETURN QUERY
    SELECT 'ok', v_s.id, v_s.session_number, v_status, v_s.vendor_data, v_s.granted_scopes,
           v_s.requested_scopes, v_s.metadata, qrshare.iso8601(v_s.created_at),
           qrshare.iso8601(v_s.decided_at), v_s.user_data, v_s.seal_key_id, v_s.token_hash,
           v_s.application_id, v_s.user_iss, v_s.user_sub;
END
$$;

-- The session a browser (session token) or backend (app credential) may act on.
-- code: invalid_client when an app credential was given and is not valid.
CREATE FUNCTION qrshare.browser_session(p_id uuid, p_session_token_hash bytea, p_bearer bytea,
                                        p_key bytea, OUT code text, OUT s qrshare.sessions)
LANGUAGE plpgsql AS $$
DECLARE
    v_app uuid;
BEGIN
    IF p_bearer IS NOT NULL OR p_key IS NOT NULL THEN
        v_app := qrshare.app_by_credential(p_bearer, p_key);
        IF v_app IS NULL THEN
            code := 'invalid_client';
            RETURN;
        END IF;
    END IF;
    SELECT * INTO s FROM qrshare.sessions x
     WHERE x.id = p_id AND (x.token_hash = p_session_token_hash OR x.application_id = v_app)
       FOR UPDATE;
    code := CASE WHEN s.id IS NULL THEN 'not_found' ELSE 'ok' END;
END
$$;
COMMENT ON FUNCTION qrshare.browser_session(uuid, bytea, bytea, bytea) IS
    'Finds and locks the session a session token or an app credential may act on.';

-- E7: a new session token and expiry for a session nobody has scanned yet.
CREATE FUNCTION qrshare.api_refresh(p_id uuid, p_session_token_hash bytea, p_bearer bytea,
                                    p_key bytea, p_new_token_hash bytea, p_origin text)
RETURNS TABLE (code text, detail text, session_number bigint, scope text[], expires_at text,
               expires_in integer, cors boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_r record;
    v_code text;
    v_s qrshare.sessions;
    v_max interval;
    v_expires timestamptz;
BEGIN
    SELECT * INTO v_r FROM qrshare.browser_session(p_id, p_session_token_hash, p_bearer, p_key);
    v_code := v_r.code;
    v_s := v_r.s;
    IF v_code = 'ok' AND qrshare.expire_if_due(v_s) THEN
        v_code := 'expired';
    ELSIF v_code = 'ok' AND v_s.status <> 'initialized' THEN
        v_code := 'invalid_state';
    END IF;
    IF v_code <> 'ok' THEN
        RETURN QUERY SELECT v_code,
                            CASE WHEN v_code = 'invalid_state'
                                 THEN 'only a session that has not been scanned can be refreshed' END,
                            NULL::bigint, NULL::text[], NULL::text, NULL::integer,
                            qrshare.cors_allowed(v_s.application_id, p_origin);
        RETURN;
    END IF;
    SELECT a.max_lifetime INTO v_max FROM qrshare.applications a WHERE a.id = v_s.application_id;
    v_expires := least(statement_timestamp() + coalesce(v_s.lifetime, v_max), v_s.created_at + v_max);
    IF v_expires <= statement_timestamp() + interval '10 seconds' THEN
        RETURN QUERY SELECT 'invalid_state', 'the session has reached its maximum lifetime',
                            NULL::bigint, NULL::text[], NULL::text, NULL::integer,
                            qrshare.cors_allowed(v_s.application_id, p_origin);
        RETURN;
    END IF;
    UPDATE qrshare.sessions s SET token_hash = p_new_token_hash, expires_at = v_expires
     WHERE s.id = v_s.id;
    RETURN QUERY SELECT 'ok', NULL::text, v_s.session_number, v_s.requested_scopes,
                        qrshare.iso8601(v_expires),
                        ceil(extract(epoch FROM v_expires - statement_timestamp()))::integer,
                        qrshare.cors_allowed(v_s.application_id, p_origin);
END
$$;

-- E8: cancel a session that is not decided. Cancelling a cancelled session is
-- accepted again (DELETE is idempotent).
CREATE FUNCTION qrshare.api_cancel(p_id uuid, p_session_token_hash bytea, p_bearer bytea,
                                   p_key bytea, p_origin text)
RETURNS TABLE (code text, status text, cors boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_r record;
    v_code text;
    v_s qrshare.sessions;
BEGIN
    SELECT * INTO v_r FROM qrshare.browser_session(p_id, p_session_token_hash, p_bearer, p_key);
    v_code := v_r.code;
    v_s := v_r.s;
    IF v_code <> 'ok' THEN
        RETURN QUERY SELECT v_code, NULL::text, false;
        RETURN;
    END IF;
    IF qrshare.expire_if_due(v_s) THEN
        RETURN QUERY SELECT 'expired', 'expired'::text, qrshare.cors_allowed(v_s.application_id, p_origin);
        RETURN;
    END IF;
    IF v_s.status IN ('initialized', 'retrieved') THEN
        UPDATE qrshare.sessions s SET status = 'cancelled' WHERE s.id = v_s.id;
    ELSIF v_s.status <> 'cancelled' THEN
        RETURN QUERY SELECT 'invalid_state', v_s.status, qrshare.cors_allowed(v_s.application_id, p_origin);
        RETURN;
    END IF;
    RETURN QUERY SELECT 'ok', 'cancelled'::text, qrshare.cors_allowed(v_s.application_id, p_origin);
END
$$;
