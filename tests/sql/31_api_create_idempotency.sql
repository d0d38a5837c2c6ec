-- 31_api_create_idempotency.sql - api_create with an Idempotency-Key (0008), called as
-- qrshare_api: the same key and digest from the same application within 24 hours answer the
-- first session again, with its sealed token; another digest is idempotency_conflict; other
-- applications and expired keys start afresh; a failed create records nothing.
BEGIN;
SELECT plan(16);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app, pg_temp.new_app() AS other \gset
SELECT pg_temp.app_key(:'app') AS key, pg_temp.app_key(:'other') AS other_key \gset

-- icreate(credential, idempotency key, digest, sealed token, scope) -> the answer
CREATE FUNCTION pg_temp.icreate(p_key bytea, p_idem text, p_digest bytea,
                                p_sealed bytea DEFAULT '\x5e41ed', p_scope text DEFAULT 'email')
RETURNS TABLE (code text, detail text, session_id uuid, replayed boolean, sealed_token bytea,
               seal_key_id text)
LANGUAGE sql
AS $$
    SELECT c.code, c.detail, c.session_id, c.replayed, c.sealed_token, c.seal_key_id
      FROM qrshare.api_create(NULL, p_key, public.gen_random_bytes(32), p_scope, NULL, NULL,
                              NULL, NULL, NULL, p_idem, p_digest, p_sealed, 'k1') AS c
$$;

SELECT decode(repeat('11', 32), 'hex') AS d1, decode(repeat('22', 32), 'hex') AS d2 \gset
SET ROLE qrshare_api;

CREATE TEMP TABLE first AS SELECT * FROM pg_temp.icreate(:'key', 'order-1', :'d1');
SELECT results_eq($$SELECT code, replayed, sealed_token FROM first$$,
                  $$VALUES ('ok', false, NULL::bytea)$$,
                  'a new key creates a session (no sealed token in a first answer)');
CREATE TEMP TABLE again AS SELECT * FROM pg_temp.icreate(:'key', 'order-1', :'d1', '\x00');
SELECT results_eq($$SELECT code, session_id, replayed, sealed_token, seal_key_id FROM again$$,
                  $$SELECT 'ok', session_id, true, '\x5e41ed'::bytea, 'k1' FROM first$$,
                  'the same key and digest: the first session, with the first sealed token');
CREATE TEMP TABLE replay AS
SELECT * FROM qrshare.api_create(NULL, :'key', '\x01', 'email', NULL, NULL, NULL, NULL, NULL,
                                 'order-1', :'d1', '\x00', 'k1');
RESET ROLE;
SELECT results_eq($$SELECT r.expires_at, r.expires_in, r.session_number, r.scope FROM replay r$$,
                  $$SELECT qrshare.iso8601(s.expires_at), extract(epoch FROM s.lifetime)::integer,
                           s.session_number, s.requested_scopes
                      FROM qrshare.sessions s, first f WHERE s.id = f.session_id$$,
                  'a replay answers the first session''s number, scope and times');
SELECT is(count(*), 1::bigint, 'one session was made for the three requests')
  FROM qrshare.sessions WHERE application_id = :'app';
SET ROLE qrshare_api;

SELECT results_eq(format($$SELECT code, detail FROM pg_temp.icreate(%L, 'order-1', %L)$$, :'key', :'d2'),
                  $$VALUES ('idempotency_conflict', 'this Idempotency-Key was used with another request')$$,
                  'the same key with another request: idempotency_conflict');
SELECT results_eq(format($$SELECT code, replayed FROM pg_temp.icreate(%L, 'order-1', %L)$$, :'other_key', :'d1'),
                  $$VALUES ('ok', false)$$,
                  'another application''s key of the same name is its own');
SELECT results_eq(format($$SELECT code, detail FROM pg_temp.icreate(%L, '', %L)$$, :'key', :'d1'),
                  $$VALUES ('invalid_request', 'Idempotency-Key must be 1 to 255 visible ASCII characters')$$,
                  'an empty key is refused');
SELECT results_eq(format($$SELECT code FROM pg_temp.icreate(%L, 'a b', %L)$$, :'key', :'d1'),
                  $$VALUES ('invalid_request')$$, 'a key with a space is refused');
SELECT results_eq(format($$SELECT code FROM pg_temp.icreate(%L, repeat('k', 256), %L)$$, :'key', :'d1'),
                  $$VALUES ('invalid_request')$$, 'a key of 256 characters is refused');
SELECT results_eq(format($$SELECT code FROM pg_temp.icreate(%L, repeat('k', 255), %L)$$, :'key', :'d1'),
                  $$VALUES ('ok')$$, 'a key of 255 characters is taken');
SELECT results_eq(format($$SELECT code FROM pg_temp.icreate('\x00', 'order-1', %L)$$, :'d1'),
                  $$VALUES ('invalid_client')$$, 'a wrong credential is invalid_client before anything');

-- a create that fails records nothing: its retry is judged afresh
SELECT results_eq(format($$SELECT code FROM pg_temp.icreate(%L, 'order-2', %L, p_scope => 'nonsense')$$, :'key', :'d1'),
                  $$VALUES ('invalid_scope')$$, 'a failed create');
SELECT results_eq(format($$SELECT code, replayed FROM pg_temp.icreate(%L, 'order-2', %L)$$, :'key', :'d2'),
                  $$VALUES ('ok', false)$$, 'its key is still free: another request creates');

-- after the window, the key is free again
RESET ROLE;
UPDATE qrshare.idempotency_keys SET created_at = now() - interval '25 hours'
 WHERE application_id = :'app' AND key = 'order-1';
SET ROLE qrshare_api;
SELECT results_eq(format($$SELECT code, replayed FROM pg_temp.icreate(%L, 'order-1', %L)$$, :'key', :'d2'),
                  $$VALUES ('ok', false)$$, 'a key older than 24 hours creates a new session');
RESET ROLE;
SELECT is((SELECT count(*) FROM qrshare.idempotency_keys WHERE application_id = :'app' AND key = 'order-1'),
          1::bigint, 'and replaces the old row');

-- rows go with their session
DELETE FROM qrshare.sessions s USING qrshare.idempotency_keys k
 WHERE k.session_id = s.id AND k.key = 'order-2';
SELECT is((SELECT count(*) FROM qrshare.idempotency_keys WHERE key = 'order-2'), 0::bigint,
          'a deleted session takes its key row with it');

SELECT * FROM finish();
ROLLBACK;
