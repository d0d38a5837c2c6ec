-- 0001_schema.sql - the qrshare schema: scope catalog, statuses and their transitions,
-- applications, client access tokens, sessions and their audit trail.
--
-- The database enforces the session state machine itself, so the rules hold for the C
-- code and for an administrator typing UPDATE in psql alike. Every rule raises
-- check_violation (SQLSTATE 23514), from a CHECK constraint or from a trigger, so the
-- C side classifies it as a constraint error. Expiry is judged by the database clock,
-- statement_timestamp(), inside the statement that transitions.
--
-- pgcrypto (trusted since PostgreSQL 13) gives hmac() and gen_random_bytes(); it goes to
-- schema public so that its functions have a fixed, qualified name (public.hmac).

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
CREATE SCHEMA IF NOT EXISTS qrshare;
COMMENT ON SCHEMA qrshare IS 'qrshare: cross-device data sharing by QR code.';

-- True when a text array has no NULL element and no element twice.
CREATE FUNCTION qrshare.is_set(p_items text[])
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN array_position(p_items, NULL) IS NULL
   AND cardinality(p_items) = (SELECT count(DISTINCT x) FROM unnest(p_items) AS x);

COMMENT ON FUNCTION qrshare.is_set(text[]) IS
    'True when the array has no NULL and no duplicate element (used by CHECK constraints).';

-- ---------------------------------------------------------------------------------------
-- Scope catalog
-- ---------------------------------------------------------------------------------------

CREATE TABLE qrshare.scopes (
    name         text    NOT NULL
  , value_type   text    NOT NULL
  , description  text    NOT NULL
  , verified     boolean NOT NULL
  , CONSTRAINT scopes_pkey PRIMARY KEY (name)
  , CONSTRAINT scopes_name_format CHECK (name ~ '^[a-z][a-z0-9_]{0,63}$')
  , CONSTRAINT scopes_value_type_known CHECK (value_type IN ('string', 'object', 'boolean'))
  , CONSTRAINT scopes_description_nonempty CHECK (btrim(description) <> '')
);

COMMENT ON TABLE qrshare.scopes IS
    'The scope catalog (Didit''s data scopes): what an application may ask for, the JSON type '
    'of its value in user_data, the sentence shown on the consent screen, and whether the '
    'organisation holds it as identity-verified data.';
COMMENT ON COLUMN qrshare.scopes.value_type IS 'JSON type of the value: string, object or boolean.';
COMMENT ON COLUMN qrshare.scopes.description IS 'User-facing sentence shown on the consent screen.';
COMMENT ON COLUMN qrshare.scopes.verified IS 'True when the value comes from identity verification.';

INSERT INTO qrshare.scopes (name, value_type, description, verified) VALUES
    ('user_id',           'string',  'Your user identifier',                                   false)
  , ('picture',           'string',  'A link to your profile picture',                         false)
  , ('names',             'object',  'Your first and last names',                              true)
  , ('email',             'string',  'Your email address',                                     false)
  , ('phone',             'string',  'Your phone number',                                      false)
  , ('gender',            'string',  'Your gender',                                            true)
  , ('document_detail',   'object',  'The details of your identity document',                  true)
  , ('birthdate',         'string',  'Your date of birth',                                     true)
  , ('address',           'object',  'Your postal address',                                    true)
  , ('bank_account',      'object',  'Your bank account details',                              false)
  , ('preferences',       'object',  'Your preferences',                                       false)
  , ('is_verified',       'boolean', 'Whether your identity has been verified',                true)
  , ('is_over_18',        'boolean', 'Whether you are over 18 years old',                      true)
  , ('is_over_21',        'boolean', 'Whether you are over 21 years old',                      true)
  , ('instagram_account', 'string',  'Your Instagram account',                                 false)
  , ('x_account',         'string',  'Your X (Twitter) account',                               false)
  , ('tiktok_account',    'string',  'Your TikTok account',                                    false);

-- ---------------------------------------------------------------------------------------
-- Statuses and the allowed transitions
-- ---------------------------------------------------------------------------------------

CREATE TABLE qrshare.statuses (
    name      text    NOT NULL
  , terminal  boolean NOT NULL
  , CONSTRAINT statuses_pkey PRIMARY KEY (name)
  , CONSTRAINT statuses_name_format CHECK (name ~ '^[a-z]+$')
);

COMMENT ON TABLE qrshare.statuses IS
    'Session statuses (always lowercase). A terminal status never changes again.';

INSERT INTO qrshare.statuses (name, terminal) VALUES
    ('initialized', false)
  , ('retrieved',   false)
  , ('confirmed',   true)
  , ('declined',    true)
  , ('expired',     true)
  , ('cancelled',   true);

CREATE TABLE qrshare.transitions (
    from_status  text NOT NULL
  , to_status    text NOT NULL
  , CONSTRAINT transitions_pkey PRIMARY KEY (from_status, to_status)
  , CONSTRAINT transitions_from_status_fkey FOREIGN KEY (from_status)
        REFERENCES qrshare.statuses (name)
  , CONSTRAINT transitions_to_status_fkey FOREIGN KEY (to_status)
        REFERENCES qrshare.statuses (name)
  , CONSTRAINT transitions_changes_status CHECK (from_status <> to_status)
);

COMMENT ON TABLE qrshare.transitions IS
    'The status changes a session may make; any other change of sessions.status is refused.';

INSERT INTO qrshare.transitions (from_status, to_status) VALUES
    ('initialized', 'retrieved')
  , ('retrieved',   'confirmed')
  , ('retrieved',   'declined')
  , ('initialized', 'expired')
  , ('retrieved',   'expired')
  , ('initialized', 'cancelled')
  , ('retrieved',   'cancelled');

-- ---------------------------------------------------------------------------------------
-- Applications
-- ---------------------------------------------------------------------------------------

CREATE TABLE qrshare.applications (
    id                  uuid        NOT NULL DEFAULT gen_random_uuid()
  , client_id           text        NOT NULL
  , secret_hash         bytea       NOT NULL
  , name                text        NOT NULL
  , domain              text        NOT NULL
  , logo_url            text
  , privacy_policy_url  text
  , terms_url           text
  , allowed_scopes      text[]      NOT NULL
  , max_lifetime        interval    NOT NULL DEFAULT '1 hour'
  , retention           interval    NOT NULL DEFAULT '10 minutes'
  , one_time_decision   boolean     NOT NULL DEFAULT false
  , cors_origins        text[]      NOT NULL DEFAULT '{}'
  , created_at          timestamptz NOT NULL DEFAULT now()
  , disabled_at         timestamptz
  , CONSTRAINT applications_pkey PRIMARY KEY (id)
  , CONSTRAINT applications_client_id_key UNIQUE (client_id)
    -- No ':' (HTTP Basic separates client id and secret with it), nothing to escape.
  , CONSTRAINT applications_client_id_format CHECK (client_id ~ '^[A-Za-z0-9_.-]{1,64}$')
  , CONSTRAINT applications_secret_hash_size CHECK (octet_length(secret_hash) = 32)
  , CONSTRAINT applications_name_nonempty CHECK (btrim(name) <> '' AND length(name) <= 200)
  , CONSTRAINT applications_domain_hostname CHECK (
        length(domain) <= 253
        AND domain ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$')
  , CONSTRAINT applications_logo_url_http CHECK (logo_url ~ '^https?://[^[:space:]]+$')
  , CONSTRAINT applications_privacy_policy_url_http CHECK (
        privacy_policy_url ~ '^https?://[^[:space:]]+$')
  , CONSTRAINT applications_terms_url_http CHECK (terms_url ~ '^https?://[^[:space:]]+$')
  , CONSTRAINT applications_allowed_scopes_set CHECK (qrshare.is_set(allowed_scopes))
  , CONSTRAINT applications_max_lifetime_range CHECK (
        max_lifetime BETWEEN interval '30 seconds' AND interval '1 hour')
  , CONSTRAINT applications_retention_range CHECK (
        retention > interval '0' AND retention <= interval '30 days')
  , CONSTRAINT applications_cors_origins_set CHECK (qrshare.is_set(cors_origins))
);

COMMENT ON TABLE qrshare.applications IS
    'Applications (relying parties) that create sessions. Only a hash of the client secret is '
    'stored; create them with qrshare.add_application().';
COMMENT ON COLUMN qrshare.applications.secret_hash IS
    'qrshare.hash_token(client_secret, ''qrshare client secret''): HMAC-SHA-256 keyed with the purpose.';
COMMENT ON COLUMN qrshare.applications.domain IS
    'Registered host name (lowercase); callbacks must be on it.';
COMMENT ON COLUMN qrshare.applications.allowed_scopes IS
    'Scopes the application may request; each is in qrshare.scopes (checked by trigger).';
COMMENT ON COLUMN qrshare.applications.max_lifetime IS
    'Longest a session may live, from creation to expires_at, refreshes included (30 s .. 1 h).';
COMMENT ON COLUMN qrshare.applications.retention IS
    'How long user data is kept after the decision before qrshare.purge() deletes it.';
COMMENT ON COLUMN qrshare.applications.one_time_decision IS
    'When true, user data is deleted after the first retrieval of the decision.';
COMMENT ON COLUMN qrshare.applications.cors_origins IS
    'Browser origins (scheme://host[:port]) allowed to call the browser endpoints.';
COMMENT ON COLUMN qrshare.applications.disabled_at IS
    'When set, the application can neither authenticate nor create sessions.';

CREATE FUNCTION qrshare.applications_check()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_unknown text;
BEGIN
    SELECT string_agg(s, ', ') INTO v_unknown
      FROM unnest(NEW.allowed_scopes) AS s
     WHERE NOT EXISTS (SELECT 1 FROM qrshare.scopes c WHERE c.name = s);
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'allowed scopes not in the scope catalog: %', v_unknown
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT string_agg(o, ', ') INTO v_unknown
      FROM unnest(NEW.cors_origins) AS o
     WHERE o !~ '^https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$';
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'CORS origins must be scheme://host[:port] in lowercase: %', v_unknown
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION qrshare.applications_check() IS
    'Trigger: allowed_scopes must be in the scope catalog, cors_origins must be origins.';

CREATE TRIGGER applications_check
    BEFORE INSERT OR UPDATE OF allowed_scopes, cors_origins ON qrshare.applications
    FOR EACH ROW EXECUTE FUNCTION qrshare.applications_check();

-- ---------------------------------------------------------------------------------------
-- Client access tokens (OAuth client credentials grant)
-- ---------------------------------------------------------------------------------------

CREATE TABLE qrshare.client_tokens (
    token_hash      bytea       NOT NULL
  , application_id  uuid        NOT NULL
  , created_at      timestamptz NOT NULL DEFAULT statement_timestamp()
  , expires_at      timestamptz NOT NULL
  , revoked_at      timestamptz
  , CONSTRAINT client_tokens_pkey PRIMARY KEY (token_hash)
  , CONSTRAINT client_tokens_application_id_fkey FOREIGN KEY (application_id)
        REFERENCES qrshare.applications (id) ON DELETE CASCADE
  , CONSTRAINT client_tokens_token_hash_size CHECK (octet_length(token_hash) = 32)
  , CONSTRAINT client_tokens_lifetime_positive CHECK (expires_at > created_at)
);

CREATE INDEX client_tokens_application_id_idx ON qrshare.client_tokens (application_id);

COMMENT ON TABLE qrshare.client_tokens IS
    'Client access tokens issued by the token endpoint; only their hash '
    '(qrshare.hash_token(token, ''qrshare access token'')) is stored.';

-- ---------------------------------------------------------------------------------------
-- Sessions
-- ---------------------------------------------------------------------------------------

CREATE TABLE qrshare.sessions (
    id                uuid        NOT NULL DEFAULT gen_random_uuid()
  , session_number    bigint      GENERATED ALWAYS AS IDENTITY
  , application_id    uuid        NOT NULL
  , token_hash        bytea       NOT NULL
  , requested_scopes  text[]      NOT NULL
  , vendor_data       text
  , metadata          json
  , callback          text
  , status            text        NOT NULL DEFAULT 'initialized'
  , created_at        timestamptz NOT NULL DEFAULT statement_timestamp()
  , expires_at        timestamptz NOT NULL
  , retrieved_at      timestamptz
  , decided_at        timestamptz
  , user_iss          text
  , user_sub          text
  , granted_scopes    text[]
  , user_data         bytea
  , seal_key_id       text
  , decision_digest   bytea
  , data_deleted_at   timestamptz
  , CONSTRAINT sessions_pkey PRIMARY KEY (id)
  , CONSTRAINT sessions_session_number_key UNIQUE (session_number)
  , CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
  , CONSTRAINT sessions_application_id_fkey FOREIGN KEY (application_id)
        REFERENCES qrshare.applications (id)
  , CONSTRAINT sessions_status_fkey FOREIGN KEY (status) REFERENCES qrshare.statuses (name)
  , CONSTRAINT sessions_token_hash_size CHECK (octet_length(token_hash) = 32)
  , CONSTRAINT sessions_requested_scopes_set CHECK (
        cardinality(requested_scopes) > 0 AND qrshare.is_set(requested_scopes))
  , CONSTRAINT sessions_vendor_data_size CHECK (octet_length(vendor_data) <= 2000)
  , CONSTRAINT sessions_metadata_object CHECK (json_typeof(metadata) = 'object')
  , CONSTRAINT sessions_metadata_size CHECK (octet_length(metadata::text) <= 4096)
  , CONSTRAINT sessions_callback_url CHECK (
        callback ~ '^https?://[^[:space:]]+$' AND octet_length(callback) <= 2048)
  , CONSTRAINT sessions_expires_after_created CHECK (expires_at > created_at)
    -- The user is bound (iss, sub) at the moment of retrieval, all three together.
  , CONSTRAINT sessions_user_bound_together CHECK (
        (user_iss IS NULL) = (user_sub IS NULL) AND (user_iss IS NULL) = (retrieved_at IS NULL))
  , CONSTRAINT sessions_initialized_unbound CHECK (
        status <> 'initialized' OR retrieved_at IS NULL)
  , CONSTRAINT sessions_retrieved_bound CHECK (
        status NOT IN ('retrieved', 'confirmed', 'declined') OR retrieved_at IS NOT NULL)
  , CONSTRAINT sessions_decided_at_decided CHECK (
        (decided_at IS NOT NULL) = (status IN ('confirmed', 'declined')))
  , CONSTRAINT sessions_granted_scopes_confirmed CHECK (
        (granted_scopes IS NOT NULL) = (status = 'confirmed'))
  , CONSTRAINT sessions_granted_scopes_requested CHECK (
        qrshare.is_set(granted_scopes) AND granted_scopes <@ requested_scopes)
  , CONSTRAINT sessions_user_data_confirmed CHECK (user_data IS NULL OR status = 'confirmed')
  , CONSTRAINT sessions_user_data_sealed CHECK ((user_data IS NULL) = (seal_key_id IS NULL))
  , CONSTRAINT sessions_data_deleted_confirmed CHECK (
        data_deleted_at IS NULL OR (user_data IS NULL AND status = 'confirmed'))
  , CONSTRAINT sessions_decision_digest_decided CHECK (
        decision_digest IS NULL OR status IN ('confirmed', 'declined'))
  , CONSTRAINT sessions_time_order CHECK (
        retrieved_at >= created_at AND decided_at >= retrieved_at)
);

CREATE INDEX sessions_application_id_created_at_idx
    ON qrshare.sessions (application_id, created_at);
CREATE INDEX sessions_expires_at_open_idx
    ON qrshare.sessions (expires_at) WHERE status IN ('initialized', 'retrieved');
CREATE INDEX sessions_decided_at_held_idx
    ON qrshare.sessions (decided_at) WHERE user_data IS NOT NULL;

COMMENT ON TABLE qrshare.sessions IS
    'One data-sharing request: created by an application (initialized), opened by a user on '
    'the phone (retrieved, user bound), then confirmed or declined, or expired or cancelled. '
    'Triggers and constraints enforce the state machine.';
COMMENT ON COLUMN qrshare.sessions.session_number IS 'Increasing number, shown to humans.';
COMMENT ON COLUMN qrshare.sessions.token_hash IS
    'qrshare.hash_token(session_token, ''qrshare session token'') of the current session token; '
    'a refresh replaces it while the session is initialized.';
COMMENT ON COLUMN qrshare.sessions.vendor_data IS 'Opaque application reference (at most 2000 bytes).';
COMMENT ON COLUMN qrshare.sessions.metadata IS 'Application JSON object, kept as sent (json, not jsonb: its size is the size the client sent, at most 4 KiB).';
COMMENT ON COLUMN qrshare.sessions.expires_at IS
    'After this instant (database clock) the session can only become expired.';
COMMENT ON COLUMN qrshare.sessions.user_iss IS 'Issuer of the user bound at retrieval; never changes.';
COMMENT ON COLUMN qrshare.sessions.user_sub IS 'Subject of the user bound at retrieval; never changes.';
COMMENT ON COLUMN qrshare.sessions.granted_scopes IS
    'Scopes the user shared (a subset of requested_scopes); set on confirmed only.';
COMMENT ON COLUMN qrshare.sessions.user_data IS
    'Sealed user data (ciphertext, XChaCha20-Poly1305); only on confirmed sessions.';
COMMENT ON COLUMN qrshare.sessions.seal_key_id IS 'Id of the key that sealed user_data.';
COMMENT ON COLUMN qrshare.sessions.decision_digest IS
    'Keyed digest of the update request, so that an identical retry is recognised.';
COMMENT ON COLUMN qrshare.sessions.data_deleted_at IS
    'When user_data was deleted (retention passed, or one-time decision retrieved).';

-- BEFORE INSERT: a session starts initialized, asks only for scopes the catalog and its
-- application allow, and lives no longer than the application's maximum.
CREATE FUNCTION qrshare.sessions_before_insert()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_app     qrshare.applications%ROWTYPE;
    v_unknown text;
BEGIN
    IF NEW.status IS DISTINCT FROM 'initialized' THEN
        RAISE EXCEPTION 'a new session must have status initialized, not %', NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT * INTO v_app FROM qrshare.applications WHERE id = NEW.application_id;
    IF NOT FOUND THEN
        RETURN NEW; -- the foreign key reports it
    END IF;
    IF v_app.disabled_at IS NOT NULL THEN
        RAISE EXCEPTION 'application % is disabled', v_app.client_id
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT string_agg(s, ', ') INTO v_unknown
      FROM unnest(NEW.requested_scopes) AS s
     WHERE NOT EXISTS (SELECT 1 FROM qrshare.scopes c WHERE c.name = s);
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'requested scopes not in the scope catalog: %', v_unknown
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT string_agg(s, ', ') INTO v_unknown
      FROM unnest(NEW.requested_scopes) AS s
     WHERE s <> ALL (v_app.allowed_scopes);
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'requested scopes not allowed for the application: %', v_unknown
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.expires_at - NEW.created_at > v_app.max_lifetime THEN
        RAISE EXCEPTION 'session lifetime exceeds the application maximum'
            USING ERRCODE = 'check_violation',
                  DETAIL = format('lifetime %s, maximum %s',
                                  NEW.expires_at - NEW.created_at, v_app.max_lifetime);
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION qrshare.sessions_before_insert() IS
    'Trigger: new sessions are initialized, request only cataloged and allowed scopes, '
    'and live at most the application''s max_lifetime.';

CREATE TRIGGER sessions_before_insert
    BEFORE INSERT ON qrshare.sessions
    FOR EACH ROW EXECUTE FUNCTION qrshare.sessions_before_insert();

-- BEFORE UPDATE OF status: a statement that writes the status must change it. Without
-- this, two statements writing the same status with the same values (the same
-- statement_timestamp() in two backends) would both "succeed", the second as a no-op.
CREATE FUNCTION qrshare.sessions_before_status_write()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        RAISE EXCEPTION 'session is already %: writing its status again is refused', OLD.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION qrshare.sessions_before_status_write() IS
    'Trigger: an UPDATE that sets sessions.status must change it (no silent rewrite).';

-- (fires before sessions_before_update: triggers of one event fire in name order)
CREATE TRIGGER sessions_before_status_write
    BEFORE UPDATE OF status ON qrshare.sessions
    FOR EACH ROW EXECUTE FUNCTION qrshare.sessions_before_status_write();

-- BEFORE UPDATE: the state machine. Each refusal names the rule it enforces.
CREATE FUNCTION qrshare.sessions_before_update()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_now       timestamptz := statement_timestamp();
    v_terminal  boolean;
    v_max       interval;
    -- Columns a purge may clear on a terminal session.
    c_purgeable CONSTANT text[] := ARRAY['user_data', 'seal_key_id', 'data_deleted_at'];
BEGIN
    SELECT terminal INTO v_terminal FROM qrshare.statuses WHERE name = OLD.status;

    -- (a) only the changes listed in qrshare.transitions.
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT EXISTS (
           SELECT 1 FROM qrshare.transitions
            WHERE from_status = OLD.status AND to_status = NEW.status) THEN
        RAISE EXCEPTION 'status change from % to % is not allowed', OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;

    -- (b) past expires_at, an open session can only become expired, nothing else.
    IF NOT v_terminal AND OLD.expires_at <= v_now THEN
        IF NEW.status IS DISTINCT FROM 'expired'
           OR to_jsonb(NEW) - 'status' IS DISTINCT FROM to_jsonb(OLD) - 'status' THEN
            RAISE EXCEPTION 'session is past its expires_at: the only change allowed is to status expired'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('expires_at %s, now %s', OLD.expires_at, v_now);
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status = 'expired' AND OLD.status IS DISTINCT FROM 'expired' THEN
        RAISE EXCEPTION 'session is not past its expires_at: stop it early with status cancelled'
            USING ERRCODE = 'check_violation',
                  DETAIL = format('expires_at %s, now %s', OLD.expires_at, v_now);
    END IF;

    -- (i) and the other columns fixed at creation.
    IF NEW.application_id IS DISTINCT FROM OLD.application_id THEN
        RAISE EXCEPTION 'the application of a session cannot change'
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.requested_scopes IS DISTINCT FROM OLD.requested_scopes THEN
        RAISE EXCEPTION 'the id, creation time and requested scopes of a session cannot change'
            USING ERRCODE = 'check_violation';
    END IF;

    -- A terminal session is frozen; only its user data may be purged.
    IF v_terminal THEN
        IF to_jsonb(NEW) - c_purgeable IS DISTINCT FROM to_jsonb(OLD) - c_purgeable
           OR (NEW.user_data IS NOT NULL AND NEW.user_data IS DISTINCT FROM OLD.user_data)
           OR (NEW.seal_key_id IS NOT NULL AND NEW.seal_key_id IS DISTINCT FROM OLD.seal_key_id)
           OR (OLD.data_deleted_at IS NOT NULL
               AND NEW.data_deleted_at IS DISTINCT FROM OLD.data_deleted_at) THEN
            RAISE EXCEPTION 'a % session cannot change, except for purging its user data', OLD.status
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;

    -- (g) the user bound at retrieval stays; binding happens only with initialized -> retrieved.
    IF OLD.retrieved_at IS NOT NULL AND (
           NEW.user_iss IS DISTINCT FROM OLD.user_iss
           OR NEW.user_sub IS DISTINCT FROM OLD.user_sub
           OR NEW.retrieved_at IS DISTINCT FROM OLD.retrieved_at) THEN
        RAISE EXCEPTION 'the user bound to a session cannot change'
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.retrieved_at IS NULL AND NEW.retrieved_at IS NOT NULL
       AND NOT (OLD.status = 'initialized' AND NEW.status = 'retrieved') THEN
        RAISE EXCEPTION 'a user is bound to a session only by its change from initialized to retrieved'
            USING ERRCODE = 'check_violation';
    END IF;

    -- (h) the session token is replaced (refresh) only while initialized.
    IF NEW.token_hash IS DISTINCT FROM OLD.token_hash
       AND NOT (OLD.status = 'initialized' AND NEW.status = 'initialized') THEN
        RAISE EXCEPTION 'the session token can be replaced only while the session is initialized'
            USING ERRCODE = 'check_violation';
    END IF;

    -- (c) a refresh moves expires_at, into the future, within the maximum lifetime.
    IF NEW.expires_at IS DISTINCT FROM OLD.expires_at THEN
        IF NOT (OLD.status = 'initialized' AND NEW.status = 'initialized') THEN
            RAISE EXCEPTION 'expires_at can change only while the session is initialized'
                USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.expires_at <= v_now THEN
            RAISE EXCEPTION 'a new expires_at must be in the future: stop a session early with status cancelled'
                USING ERRCODE = 'check_violation';
        END IF;
        SELECT max_lifetime INTO v_max FROM qrshare.applications WHERE id = NEW.application_id;
        IF NEW.expires_at - NEW.created_at > v_max THEN
            RAISE EXCEPTION 'session lifetime exceeds the application maximum'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('lifetime %s, maximum %s',
                                      NEW.expires_at - NEW.created_at, v_max);
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION qrshare.sessions_before_update() IS
    'Trigger: the session state machine (transitions, expiry by statement_timestamp(), '
    'frozen terminal sessions, immutable user binding, token and lifetime rules).';

CREATE TRIGGER sessions_before_update
    BEFORE UPDATE ON qrshare.sessions
    FOR EACH ROW EXECUTE FUNCTION qrshare.sessions_before_update();

-- ---------------------------------------------------------------------------------------
-- Audit trail
-- ---------------------------------------------------------------------------------------

CREATE TABLE qrshare.session_events (
    id           bigint      GENERATED ALWAYS AS IDENTITY
  , session_id   uuid        NOT NULL
  , from_status  text
  , to_status    text        NOT NULL
  , at           timestamptz NOT NULL DEFAULT statement_timestamp()
  , CONSTRAINT session_events_pkey PRIMARY KEY (id)
  , CONSTRAINT session_events_session_id_fkey FOREIGN KEY (session_id)
        REFERENCES qrshare.sessions (id) ON DELETE CASCADE
  , CONSTRAINT session_events_from_status_fkey FOREIGN KEY (from_status)
        REFERENCES qrshare.statuses (name)
  , CONSTRAINT session_events_to_status_fkey FOREIGN KEY (to_status)
        REFERENCES qrshare.statuses (name)
);

CREATE INDEX session_events_session_id_idx ON qrshare.session_events (session_id);

COMMENT ON TABLE qrshare.session_events IS
    'Audit trail, written by triggers: one row per session status change, and one '
    '(from_status NULL) at creation. Rows are never updated; they go with their session.';

CREATE FUNCTION qrshare.sessions_log_event()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO qrshare.session_events (session_id, from_status, to_status)
    VALUES (NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status);
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION qrshare.sessions_log_event() IS
    'Trigger: writes the qrshare.session_events row of a creation or status change.';

CREATE TRIGGER sessions_log_insert
    AFTER INSERT ON qrshare.sessions
    FOR EACH ROW EXECUTE FUNCTION qrshare.sessions_log_event();

CREATE TRIGGER sessions_log_status
    AFTER UPDATE ON qrshare.sessions
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION qrshare.sessions_log_event();

CREATE FUNCTION qrshare.session_events_append_only()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'session events are an audit trail: they cannot be updated'
        USING ERRCODE = 'check_violation';
END;
$$;

COMMENT ON FUNCTION qrshare.session_events_append_only() IS
    'Trigger: refuses updates of the audit trail.';

CREATE TRIGGER session_events_append_only
    BEFORE UPDATE ON qrshare.session_events
    FOR EACH ROW EXECUTE FUNCTION qrshare.session_events_append_only();

-- ---------------------------------------------------------------------------------------
-- Scopes in use cannot disappear from the catalog (arrays cannot have foreign keys).
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION qrshare.scopes_in_use()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.name = OLD.name THEN
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM qrshare.applications WHERE OLD.name = ANY (allowed_scopes))
       OR EXISTS (SELECT 1 FROM qrshare.sessions WHERE OLD.name = ANY (requested_scopes)) THEN
        RAISE EXCEPTION 'scope % is in use by an application or a session', OLD.name
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

COMMENT ON FUNCTION qrshare.scopes_in_use() IS
    'Trigger: a scope named by an application or a session cannot be deleted or renamed.';

CREATE TRIGGER scopes_in_use
    BEFORE DELETE OR UPDATE OF name ON qrshare.scopes
    FOR EACH ROW EXECUTE FUNCTION qrshare.scopes_in_use();
