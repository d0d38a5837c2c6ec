-- 0005_didit: details where Didit's documentation fixes what an integration sees
-- (DESIGN.md §2, "Other Didit details", and §2.1).
--
--   iso8601_ms()   the decision's times with milliseconds, as Didit writes them
--                  ('2024-08-01T10:30:00.000Z').
--   api_token      answers the application's id too: the token answer's organization_id.
--   api_create     takes the scope string as sent (C checks JSON types only), maps each name
--                  through scope_aliases and checks every limit of 0004's limit_*().
--   api_update     takes the JSON types of user_data as one object, and the update body's
--                  optional session_id, which must be the session's.
--   scope_aliases  other names a create request may use for a scope: Didit's create-session
--                  example asks for "pictures" where the catalog (and user_data) say picture.
--
-- Everything below is created as qrshare_owner (see 0004's header): the new objects are owned
-- like the rest, and the default privileges 0004 set keep PUBLIC from executing the new
-- functions. The api_* functions state SECURITY DEFINER and the search_path in their own
-- definition: CREATE OR REPLACE resets both to the defaults when they are left out.

SET ROLE qrshare_owner;

-- ---------------------------------------------------------------------------------------
-- Times with milliseconds
-- ---------------------------------------------------------------------------------------

-- SQL, STABLE and one expression like qrshare.iso8601, so that PostgreSQL inlines it into
-- the query that calls it instead of planning it again at every call.
CREATE FUNCTION qrshare.iso8601_ms(p_t timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT to_char(p_t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
COMMENT ON FUNCTION qrshare.iso8601_ms(timestamptz) IS
    'A time as Didit writes the decision''s: ISO 8601, UTC, milliseconds '
    '(2024-08-01T10:30:00.000Z; the digits after them are cut, not rounded).';

-- ---------------------------------------------------------------------------------------
-- Scope aliases
-- ---------------------------------------------------------------------------------------

-- A table, not a CASE in api_create: adding an alias is a row, and the foreign key keeps
-- each one pointing at a scope of the catalog.
CREATE TABLE qrshare.scope_aliases (
    alias  text NOT NULL
  , name   text NOT NULL
  , CONSTRAINT scope_aliases_pkey PRIMARY KEY (alias)
    -- a renamed scope keeps its aliases; a scope with aliases cannot be deleted
  , CONSTRAINT scope_aliases_name_fkey FOREIGN KEY (name)
        REFERENCES qrshare.scopes (name) ON UPDATE CASCADE
    -- an alias stands where a scope name stands in the request, so it looks like one
  , CONSTRAINT scope_aliases_alias_format CHECK (alias ~ qrshare.limit_scope_name())
);

COMMENT ON TABLE qrshare.scope_aliases IS
    'Other names a create request may give a scope (Didit''s example asks for "pictures"): '
    'qrshare.api_create replaces each by its scope before any check, so sessions, answers and '
    'user_data only ever hold catalog names. An alias must not be a scope name itself.';
COMMENT ON COLUMN qrshare.scope_aliases.alias IS 'The name as a request may give it.';
COMMENT ON COLUMN qrshare.scope_aliases.name IS 'The scope of the catalog it stands for.';

INSERT INTO qrshare.scope_aliases (alias, name) VALUES
    ('pictures', 'picture');

-- ---------------------------------------------------------------------------------------
-- E1: the token answer's organization_id
-- ---------------------------------------------------------------------------------------

-- A new result column changes the function's type: drop and create (and grant again).
DROP FUNCTION qrshare.api_token(text, bytea, bytea, integer);

CREATE FUNCTION qrshare.api_token(p_client_id text, p_secret_hash bytea, p_token_hash bytea,
                                  p_ttl integer)
RETURNS TABLE (code text, application_id uuid, iat bigint, exp bigint)
LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, qrshare, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_app uuid;
    v_now timestamptz := statement_timestamp();
BEGIN
    SELECT a.id INTO v_app
      FROM qrshare.applications a
     WHERE a.client_id = p_client_id AND a.secret_hash = p_secret_hash AND a.disabled_at IS NULL;
    IF v_app IS NULL THEN
        code := 'invalid_client';
        RETURN NEXT;
        RETURN;
    END IF;
    INSERT INTO qrshare.client_tokens (token_hash, application_id, expires_at)
    VALUES (p_token_hash, v_app, v_now + make_interval(secs => p_ttl));
    code := 'ok';
    application_id := v_app;
    iat := extract(epoch FROM v_now)::bigint;
    exp := iat + p_ttl;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION qrshare.api_token(text, bytea, bytea, integer) IS
    'E1: a client access token (given as its hash) for a client id and secret hash, valid '
    'p_ttl seconds. code: ok, invalid_client. application_id (the answer''s organization_id) '
    'and the times are NULL on invalid_client.';
GRANT EXECUTE ON FUNCTION qrshare.api_token(text, bytea, bytea, integer) TO qrshare_api;

-- ---------------------------------------------------------------------------------------
-- E2: create validates everything itself (the C code checks JSON types only): the scope
-- string as sent, each name through scope_aliases, and every limit of 0004's limit_*()
-- ---------------------------------------------------------------------------------------

DROP FUNCTION qrshare.api_create(bytea, bytea, bytea, text[], text, json, text, text, integer);

CREATE FUNCTION qrshare.api_create(p_bearer bytea, p_key bytea, p_token_hash bytea,
                                              p_scope text, p_vendor_data text, p_metadata json,
                                              p_callback text, p_callback_host text,
                                              p_expires_in bigint)
RETURNS TABLE (code text, detail text, session_id uuid, session_number bigint, scope text[],
               expires_at text, expires_in integer)
LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, qrshare, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_app     qrshare.applications;
    v_scope   text[];
    v_bad     text;
    v_min     bigint := extract(epoch FROM qrshare.limit_min_lifetime());
    v_max     bigint;
    v_life    interval;
    v_id      uuid;
    v_number  bigint;
    v_expires timestamptz;
BEGIN
    SELECT a.* INTO v_app FROM qrshare.applications a
     WHERE a.id = qrshare.app_by_credential(p_bearer, p_key);
    IF v_app.id IS NULL THEN
        code := 'invalid_client';
        RETURN NEXT;
        RETURN;
    END IF;
    -- split on spaces, drop empties, put each alias's scope in its place (before every
    -- check: "pictures" is checked, allowed and stored as picture), then drop repeats; the
    -- first occurrence gives the order
    v_scope := ARRAY(SELECT coalesce(al.name, t.n)
                       FROM string_to_table(p_scope, ' ') WITH ORDINALITY AS t(n, i)
                       LEFT JOIN qrshare.scope_aliases al ON al.alias = t.n
                      WHERE t.n <> '' GROUP BY coalesce(al.name, t.n) ORDER BY min(t.i));
    SELECT t.n INTO v_bad FROM unnest(v_scope) AS t(n)
     WHERE NOT EXISTS (SELECT FROM qrshare.scopes c WHERE c.name = t.n) LIMIT 1;
    v_max := extract(epoch FROM v_app.max_lifetime);
    code := 'invalid_scope';
    IF cardinality(v_scope) = 0 THEN
        detail := 'scope must name at least one scope';
    ELSIF v_bad !~ qrshare.limit_scope_name() THEN
        detail := 'scope must be space-separated scope names';
    ELSIF v_bad IS NOT NULL THEN
        detail := 'unknown scope: ' || v_bad;
    ELSIF NOT v_scope <@ v_app.allowed_scopes THEN
        detail := 'a scope is not allowed for this application';
    ELSE
        code := 'invalid_request';
        IF octet_length(p_vendor_data) > qrshare.limit_vendor_data_bytes() THEN
            detail := format('vendor_data must be a string of at most %s bytes',
                             qrshare.limit_vendor_data_bytes());
        ELSIF json_typeof(p_metadata) <> 'object'
              OR octet_length(p_metadata::text) > qrshare.limit_metadata_bytes() THEN
            detail := format('metadata must be an object of at most %s KiB',
                             qrshare.limit_metadata_bytes() / 1024);
        ELSIF p_expires_in NOT BETWEEN v_min AND v_max THEN
            detail := format('expires_in must be between %s and %s seconds', v_min, v_max);
        ELSIF p_callback_host IS NOT NULL AND p_callback_host <> v_app.domain
              AND right(p_callback_host, length(v_app.domain) + 1) <> '.' || v_app.domain THEN
            detail := 'callback is not on the application''s domain';
        ELSE
            code := 'ok';
        END IF;
    END IF;
    IF code <> 'ok' THEN
        RETURN NEXT;
        RETURN;
    END IF;
    v_life := coalesce(make_interval(secs => p_expires_in),
                       least(interval '10 minutes', v_app.max_lifetime));
    INSERT INTO qrshare.sessions AS s (application_id, token_hash, requested_scopes, vendor_data,
                                       metadata, callback, expires_at, lifetime)
    VALUES (v_app.id, p_token_hash, v_scope, p_vendor_data, p_metadata, p_callback,
            statement_timestamp() + v_life, v_life)
    RETURNING s.id, s.session_number, s.expires_at INTO v_id, v_number, v_expires;
    session_id := v_id;
    session_number := v_number;
    scope := v_scope;
    expires_at := qrshare.iso8601(v_expires);
    expires_in := extract(epoch FROM v_life)::integer;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION qrshare.api_create(bytea, bytea, bytea, text, text, json, text, text, bigint) IS
    'E2: creates a session for the application of the credential. p_scope: space-separated '
    'names or aliases (qrshare.scope_aliases), normalised into the scope column. code: ok, '
    'invalid_client, invalid_scope, invalid_request (vendor_data, metadata, expires_in, '
    'callback; detail says which).';
GRANT EXECUTE ON FUNCTION
    qrshare.api_create(bytea, bytea, bytea, text, text, json, text, text, bigint) TO qrshare_api;

-- ---------------------------------------------------------------------------------------
-- E5: p_types (a JSON object: user_data key -> JSON type of its value) replaces 0003's two
-- arrays, so that C needs no scope-name alphabet; and the update body's session_id
-- ---------------------------------------------------------------------------------------

DROP FUNCTION qrshare.api_update(bytea, text, text, text, text[], text[], bytea, text, bytea);

-- The session_id check comes after the user checks (a stranger learns nothing from it)
-- and before the decided case, so that a retry naming another session is refused rather
-- than answered ok.
CREATE FUNCTION qrshare.api_update(p_token_hash bytea, p_iss text, p_sub text,
                                   p_session_id uuid, p_status text, p_types json, p_data bytea,
                                   p_key_id text, p_digest bytea)
RETURNS TABLE (code text, detail text, session_id uuid, status text)
LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, qrshare, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_s    qrshare.sessions;
    v_code text;
    v_bad  text;
    v_keys text[];
BEGIN
    SELECT * INTO v_s FROM qrshare.sessions s WHERE s.token_hash = p_token_hash FOR UPDATE;
    v_code := qrshare.phone_check(v_s, p_iss, p_sub, false);
    IF v_code <> 'ok' THEN
        code := v_code;
        RETURN NEXT;
        RETURN;
    END IF;
    IF p_session_id IS NOT NULL AND p_session_id <> v_s.id THEN
        code := 'invalid_request';
        detail := 'session_id is not the session''s identifier';
        RETURN NEXT;
        RETURN;
    END IF;
    IF v_s.status IN ('confirmed', 'declined') THEN
        -- the same answer again is accepted (a retry); another one is not
        code := CASE WHEN v_s.decision_digest = p_digest THEN 'ok' ELSE 'invalid_state' END;
        detail := CASE WHEN code <> 'ok' THEN 'the session was already decided' END;
        session_id := v_s.id;
        status := v_s.status;
        RETURN NEXT;
        RETURN;
    END IF;
    code := 'invalid_request';
    IF p_status = 'confirmed' THEN
        IF json_typeof(p_types) IS DISTINCT FROM 'object' THEN
            detail := 'user_data must be an object';
            RETURN NEXT;
            RETURN;
        END IF;
        v_keys := ARRAY(SELECT json_object_keys(p_types));
        SELECT t.k INTO v_bad FROM unnest(v_keys) AS t(k)
         WHERE t.k <> ALL (v_s.requested_scopes) LIMIT 1;
        IF v_bad IS NOT NULL THEN
            detail := 'user_data.' || left(v_bad, 64) || ' was not requested';
            RETURN NEXT;
            RETURN;
        END IF;
        SELECT t.key INTO v_bad
          FROM json_each_text(p_types) AS t JOIN qrshare.scopes c ON c.name = t.key
         WHERE c.value_type IS DISTINCT FROM t.value LIMIT 1;
        IF v_bad IS NOT NULL THEN
            detail := 'user_data.' || v_bad || ' has the wrong type';
            RETURN NEXT;
            RETURN;
        END IF;
        IF NOT qrshare.is_set(v_keys) THEN
            detail := 'user_data has a key twice';
            RETURN NEXT;
            RETURN;
        END IF;
        UPDATE qrshare.sessions s
           SET status = 'confirmed', decided_at = statement_timestamp(), granted_scopes = v_keys,
               user_data = p_data, seal_key_id = p_key_id, decision_digest = p_digest
         WHERE s.id = v_s.id;
    ELSIF p_status = 'declined' THEN
        UPDATE qrshare.sessions s
           SET status = 'declined', decided_at = statement_timestamp(), decision_digest = p_digest
         WHERE s.id = v_s.id;
    ELSE
        detail := 'status must be "confirmed" or "declined"';
        RETURN NEXT;
        RETURN;
    END IF;
    code := 'ok';
    session_id := v_s.id;
    status := p_status;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION qrshare.api_update(bytea, text, text, uuid, text, json, bytea, text, bytea) IS
    'E5: the bound user confirms (p_types: user_data key -> JSON type of its value, p_data '
    'sealed) or declines. p_session_id: the body''s session_id, NULL when not given; another '
    'session''s is invalid_request. code: ok, not_found, expired, invalid_state, '
    'already_claimed, invalid_request (detail names the user_data key). Granted scopes are '
    'the keys.';
GRANT EXECUTE ON FUNCTION
    qrshare.api_update(bytea, text, text, uuid, text, json, bytea, text, bytea) TO qrshare_api;

-- ---------------------------------------------------------------------------------------
-- E6: the decision's times with milliseconds. The body is 0003's with iso8601_ms for
-- created_at and decided_at; the result type is the same, so grants stay.
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION qrshare.api_decision(p_id uuid, p_bearer bytea, p_key bytea)
RETURNS TABLE (code text, session_id uuid, session_number bigint, status text,
               vendor_data text, scope text[], requested_scope text[], metadata json,
               created_at text, decided_at text, user_data bytea, seal_key_id text,
               token_hash bytea, application_id uuid, user_iss text, user_sub text)
LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, qrshare, pg_temp
AS $$
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
           v_s.requested_scopes, v_s.metadata, qrshare.iso8601_ms(v_s.created_at),
           qrshare.iso8601_ms(v_s.decided_at), v_s.user_data, v_s.seal_key_id, v_s.token_hash,
           v_s.application_id, v_s.user_iss, v_s.user_sub;
END
$$;
COMMENT ON FUNCTION qrshare.api_decision(uuid, bytea, bytea) IS
    'E6: the decision, for the owning application; created_at and decided_at with '
    'milliseconds (qrshare.iso8601_ms). code: ok, invalid_client, not_found, gone (user data '
    'deleted: retention passed, or one-time decision already read).';
GRANT EXECUTE ON FUNCTION qrshare.api_decision(uuid, bytea, bytea) TO qrshare_api;

RESET ROLE;
