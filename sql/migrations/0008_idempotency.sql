-- 0008_idempotency: a client that did not hear the answer to a create may send it again
-- (issue 13, the chaos run's driver does): with the same Idempotency-Key header and the same
-- body, from the same application, within 24 hours, it gets the first answer back instead of
-- a second session; the same key with another body is refused.
--
--   idempotency_keys   one row per (application, key): the keyed digest of the request body
--                      (C computes it with the pairwise key, so a guess of the body cannot
--                      be checked against the table), the session it created, and that
--                      session's token sealed (the database keeps only hashes of tokens, and
--                      the first answer carries the token itself).
--   limit_idempotency_key(), limit_idempotency_window()
--                      the key's form (1 to 255 visible ASCII characters) and how long a key
--                      answers (24 hours; an older row is replaced when the key comes again).
--   api_create         a second api_create, with the key, the digest and the sealed token:
--                      without a key it is 0005's; with one it answers from the row, or calls
--                      0005's and records the row in the same transaction. Two requests with
--                      one key wait for each other on an advisory lock, so exactly one creates.
--
-- Rows go with their session (ON DELETE CASCADE), so purge() needs no change; a failed
-- create records nothing, and its retry is judged afresh.

SET ROLE qrshare_owner;

CREATE FUNCTION qrshare.limit_idempotency_key() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT '^[!-~]{1,255}$' $$;
COMMENT ON FUNCTION qrshare.limit_idempotency_key() IS
    'The form of an Idempotency-Key header: 1 to 255 visible ASCII characters.';

CREATE FUNCTION qrshare.limit_idempotency_window() RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT interval '24 hours' $$;
COMMENT ON FUNCTION qrshare.limit_idempotency_window() IS
    'How long a create''s Idempotency-Key gives the first answer back.';

CREATE TABLE qrshare.idempotency_keys (
    application_id  uuid        NOT NULL
  , key             text        NOT NULL
  , request_digest  bytea       NOT NULL
  , session_id      uuid        NOT NULL
  , sealed_token    bytea       NOT NULL
  , seal_key_id     text        NOT NULL
  , created_at      timestamptz NOT NULL DEFAULT statement_timestamp()
  , CONSTRAINT idempotency_keys_pkey PRIMARY KEY (application_id, key)
  , CONSTRAINT idempotency_keys_application_fkey FOREIGN KEY (application_id)
        REFERENCES qrshare.applications (id) ON DELETE CASCADE
  , CONSTRAINT idempotency_keys_session_fkey FOREIGN KEY (session_id)
        REFERENCES qrshare.sessions (id) ON DELETE CASCADE
  , CONSTRAINT idempotency_keys_key_format CHECK (key ~ qrshare.limit_idempotency_key())
  , CONSTRAINT idempotency_keys_digest_length CHECK (octet_length(request_digest) = 32)
);
-- the cascade from sessions looks rows up by session
CREATE INDEX idempotency_keys_session_id ON qrshare.idempotency_keys (session_id);

COMMENT ON TABLE qrshare.idempotency_keys IS
    'The Idempotency-Key of each create that sent one: the same key and body from the same '
    'application within limit_idempotency_window() get the first answer back.';
COMMENT ON COLUMN qrshare.idempotency_keys.request_digest IS
    'BLAKE2b-256 of the request body, keyed with the pairwise key (never the body itself).';
COMMENT ON COLUMN qrshare.idempotency_keys.sealed_token IS
    'The session token of the first answer, sealed with seal_key_id (the token is refreshed '
    'away like any other: the answer given back is the first one, as it was).';

CREATE FUNCTION qrshare.api_create(p_bearer bytea, p_key bytea, p_token_hash bytea,
                                   p_scope text, p_vendor_data text, p_metadata json,
                                   p_callback text, p_callback_host text, p_expires_in bigint,
                                   p_idempotency_key text, p_request_digest bytea,
                                   p_sealed_token bytea, p_seal_key_id text)
RETURNS TABLE (code text, detail text, session_id uuid, session_number bigint, scope text[],
               expires_at text, expires_in integer, replayed boolean, sealed_token bytea,
               seal_key_id text)
LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, qrshare, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_app uuid;
    v_row qrshare.idempotency_keys;
    v_new record;
BEGIN
    IF p_idempotency_key IS NOT NULL THEN
        v_app := qrshare.app_by_credential(p_bearer, p_key);
        IF v_app IS NULL THEN
            code := 'invalid_client';
            RETURN NEXT;
            RETURN;
        END IF;
        IF p_idempotency_key !~ qrshare.limit_idempotency_key() THEN
            code := 'invalid_request';
            detail := 'Idempotency-Key must be 1 to 255 visible ASCII characters';
            RETURN NEXT;
            RETURN;
        END IF;
        -- the second of two requests with one key waits here for the first to commit
        PERFORM pg_advisory_xact_lock(hashtextextended(v_app::text || ' ' || p_idempotency_key, 0));
        SELECT * INTO v_row FROM qrshare.idempotency_keys k
         WHERE k.application_id = v_app AND k.key = p_idempotency_key;
        IF FOUND AND v_row.created_at > statement_timestamp() - qrshare.limit_idempotency_window() THEN
            IF v_row.request_digest IS DISTINCT FROM p_request_digest THEN
                code := 'idempotency_conflict';
                detail := 'this Idempotency-Key was used with another request';
                RETURN NEXT;
                RETURN;
            END IF;
            RETURN QUERY
            SELECT 'ok', NULL::text, s.id, s.session_number, s.requested_scopes,
                   qrshare.iso8601(s.expires_at), extract(epoch FROM s.lifetime)::integer, true,
                   v_row.sealed_token, v_row.seal_key_id
              FROM qrshare.sessions s WHERE s.id = v_row.session_id;
            RETURN;
        END IF;
        DELETE FROM qrshare.idempotency_keys k
         WHERE k.application_id = v_app AND k.key = p_idempotency_key;
    END IF;
    SELECT * INTO v_new
      FROM qrshare.api_create(p_bearer, p_key, p_token_hash, p_scope, p_vendor_data, p_metadata,
                              p_callback, p_callback_host, p_expires_in) c;
    IF v_new.code = 'ok' AND p_idempotency_key IS NOT NULL THEN
        INSERT INTO qrshare.idempotency_keys (application_id, key, request_digest, session_id,
                                              sealed_token, seal_key_id)
        VALUES (v_app, p_idempotency_key, p_request_digest, v_new.session_id, p_sealed_token,
                p_seal_key_id);
    END IF;
    RETURN QUERY SELECT v_new.code, v_new.detail, v_new.session_id, v_new.session_number,
                        v_new.scope, v_new.expires_at, v_new.expires_in, false, NULL::bytea,
                        NULL::text;
END
$$;
COMMENT ON FUNCTION qrshare.api_create(bytea, bytea, bytea, text, text, json, text, text, bigint,
                                       text, bytea, bytea, text) IS
    'E2 with an optional Idempotency-Key: without one, 0005''s api_create. With one, the same '
    'key and request digest from the same application within limit_idempotency_window() '
    'answer the first session again (replayed, with its sealed token); another digest is '
    'idempotency_conflict; otherwise 0005''s api_create, and on ok the key is recorded. '
    'code: as 0005''s, and idempotency_conflict.';
GRANT EXECUTE ON FUNCTION
    qrshare.api_create(bytea, bytea, bytea, text, text, json, text, text, bigint, text, bytea,
                       bytea, text) TO qrshare_api;

RESET ROLE;
