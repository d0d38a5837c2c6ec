-- 10_events.sql - the audit trail: one event at creation (NULL -> initialized) and exactly
-- one per status change (session, from, to, time); none for other changes or refusals.
BEGIN;
SELECT plan(16);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset

INSERT INTO qrshare.sessions (application_id, token_hash, requested_scopes, expires_at)
VALUES (:'app', public.gen_random_bytes(32), '{email,names}', statement_timestamp() + interval '5 minutes')
RETURNING id AS s, created_at AS created \gset

SELECT results_eq(
    format($$SELECT from_status, to_status, at FROM qrshare.session_events WHERE session_id = %L$$, :'s'),
    format($$VALUES (NULL::text, 'initialized'::text, %L::timestamptz)$$, :'created'),
    'creation writes one event NULL -> initialized at the creation time');

SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET token_hash = public.gen_random_bytes(32),
                    expires_at = statement_timestamp() + interval '6 minutes' WHERE id = %L$$, :'s'),
    'a refresh (no status change)');
SELECT is(pg_temp.events(:'s'), 1::bigint, 'a change without status change writes no event');

SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'confirmed', decided_at = statement_timestamp(),
                    granted_scopes = '{email}' WHERE id = %L$$, :'s'),
    '23514', NULL, 'a refused status change');
SELECT is(pg_temp.events(:'s'), 1::bigint, 'a refused status change writes no event');

UPDATE qrshare.sessions SET status = 'retrieved', retrieved_at = statement_timestamp(),
       user_iss = 'https://idp.example', user_sub = 'user-1'
 WHERE id = :'s'
RETURNING retrieved_at AS retrieved \gset
SELECT is(pg_temp.events(:'s'), 2::bigint, 'initialized -> retrieved writes one event');
SELECT results_eq(
    format($$SELECT from_status, to_status, at FROM qrshare.session_events
              WHERE session_id = %L ORDER BY id DESC LIMIT 1$$, :'s'),
    format($$VALUES ('initialized'::text, 'retrieved'::text, %L::timestamptz)$$, :'retrieved'),
    'the event holds from, to and the time of the change');

UPDATE qrshare.sessions SET status = 'confirmed', decided_at = statement_timestamp(),
       granted_scopes = '{email}', user_data = '\x01', seal_key_id = 'k1'
 WHERE id = :'s'
RETURNING decided_at AS decided \gset
SELECT is(pg_temp.events(:'s'), 3::bigint, 'retrieved -> confirmed writes one event');
UPDATE qrshare.sessions SET user_data = NULL, seal_key_id = NULL, data_deleted_at = statement_timestamp()
 WHERE id = :'s';
SELECT is(pg_temp.events(:'s'), 3::bigint, 'a purge of the user data writes no event');

SELECT results_eq(
    format($$SELECT from_status, to_status, at FROM qrshare.session_events
              WHERE session_id = %L ORDER BY id$$, :'s'),
    format($$VALUES (NULL::text, 'initialized'::text, %L::timestamptz),
                    ('initialized', 'retrieved', %L), ('retrieved', 'confirmed', %L)$$,
           :'created', :'retrieved', :'decided'),
    'the trail of a confirmed session, in order');

-- every path writes its events
CREATE TEMP TABLE paths AS
SELECT pg_temp.new_session(:'app', st) AS id
  FROM unnest(ARRAY['initialized', 'retrieved', 'confirmed', 'declined', 'cancelled', 'expired']) AS st;
SELECT set_eq(
    $$SELECT s.status, count(e.id)
        FROM paths p
        JOIN qrshare.sessions s ON s.id = p.id
        JOIN qrshare.session_events e ON e.session_id = s.id
       GROUP BY s.status$$,
    $$VALUES ('initialized', 1::bigint), ('retrieved', 2), ('confirmed', 3), ('declined', 3),
             ('cancelled', 2), ('expired', 2)$$,
    'each status is reached with one event per change, plus the creation');

-- expire_sessions writes one event per session it expires
INSERT INTO qrshare.sessions (application_id, token_hash, requested_scopes, created_at, expires_at)
SELECT :'app', public.gen_random_bytes(32), '{email}',
       statement_timestamp() - interval '10 minutes', statement_timestamp() - interval '1 minute'
  FROM generate_series(1, 3);
SELECT is(
    (SELECT count(*)::int FROM qrshare.session_events e JOIN qrshare.sessions s ON s.id = e.session_id
      WHERE s.application_id = :'app' AND e.to_status = 'expired'),
    1, '(one expired event so far)');
SELECT lives_ok('SELECT qrshare.expire_sessions()', 'expire_sessions');
SELECT is(
    (SELECT count(*)::int FROM qrshare.session_events e JOIN qrshare.sessions s ON s.id = e.session_id
      WHERE s.application_id = :'app' AND e.to_status = 'expired' AND e.from_status = 'initialized'),
    4, 'expire_sessions wrote one initialized -> expired event for each of the three');

-- the trail is append-only, and goes with its session
SELECT throws_ok(
    format($$UPDATE qrshare.session_events SET to_status = 'declined' WHERE session_id = %L$$, :'s'),
    '23514', 'session events are an audit trail: they cannot be updated',
    'events cannot be rewritten');
DELETE FROM qrshare.sessions WHERE id = :'s';
SELECT is(pg_temp.events(:'s'), 0::bigint, 'deleting a session deletes its events');

SELECT * FROM finish();
ROLLBACK;
