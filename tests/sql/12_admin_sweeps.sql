-- 12_admin_sweeps.sql - expire_sessions() and purge().
BEGIN;
SELECT plan(24);
\ir fixtures.psql

-- Whatever other tests left in the database is swept first, so the counts below are ours.
SELECT qrshare.expire_sessions() AS backlog_expired, qrshare.purge() AS backlog_purged \gset

SELECT pg_temp.new_app(p_retention => '10 minutes') AS app \gset

-- expire_sessions
INSERT INTO qrshare.sessions (application_id, token_hash, requested_scopes, created_at, expires_at)
VALUES (:'app', public.gen_random_bytes(32), '{email}',
        statement_timestamp() - interval '10 minutes', statement_timestamp() - interval '1 second')
RETURNING id AS due_init \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS due_retr \gset
SELECT pg_temp.backdate(:'due_retr', interval '10 minutes 1 second');
SELECT pg_temp.new_session(:'app', 'confirmed') AS due_conf \gset
SELECT pg_temp.backdate(:'due_conf', interval '20 minutes');
SELECT pg_temp.new_session(:'app', 'initialized', p_lifetime => '1 minute') AS open_init \gset

SELECT is(qrshare.expire_sessions(), 2, 'expire_sessions returns how many sessions it expired');
SELECT results_eq(
    format($$SELECT status FROM qrshare.sessions WHERE id IN (%L, %L)$$, :'due_init', :'due_retr'),
    $$VALUES ('expired'), ('expired')$$,
    'the past-due initialized and retrieved sessions are expired');
SELECT is((SELECT status FROM qrshare.sessions WHERE id = :'due_conf'), 'confirmed',
          'a past-due confirmed session stays confirmed');
SELECT is((SELECT status FROM qrshare.sessions WHERE id = :'open_init'), 'initialized',
          'a session before its expires_at stays open');
SELECT is(qrshare.expire_sessions(), 0, 'a second sweep finds nothing');
SELECT pg_temp.backdate(:'open_init', interval '2 minutes');
SELECT is(qrshare.expire_sessions(), 1, 'once past due the open session is swept too');
SELECT is((SELECT status FROM qrshare.sessions WHERE id = :'open_init'), 'expired', 'and expired');

-- purge: user data past the retention window
SELECT pg_temp.new_session(:'app', 'confirmed') AS old_data \gset
SELECT pg_temp.backdate(:'old_data', interval '10 minutes');
SELECT pg_temp.new_session(:'app', 'confirmed') AS new_data \gset
SELECT pg_temp.backdate(:'new_data', interval '9 minutes');
-- purge: old sessions that are over (terminal, or open but past due), and one not that old
SELECT pg_temp.new_session(:'app', 'declined') AS old_declined \gset
SELECT pg_temp.new_session(:'app', 'expired') AS old_expired \gset
SELECT pg_temp.new_session(:'app', 'initialized') AS old_open \gset
SELECT pg_temp.new_session(:'app', 'confirmed') AS old_confirmed \gset
SELECT pg_temp.new_session(:'app', 'cancelled') AS young_cancelled \gset
SELECT pg_temp.backdate(id, interval '31 days')
  FROM unnest(ARRAY[:'old_declined', :'old_expired', :'old_open', :'old_confirmed']::uuid[]) AS id;
SELECT pg_temp.backdate(:'young_cancelled', interval '29 days');
-- purge: client tokens that can no longer be used
INSERT INTO qrshare.client_tokens (token_hash, application_id, created_at, expires_at, revoked_at) VALUES
    (public.gen_random_bytes(32), :'app', statement_timestamp() - interval '2 hours',
     statement_timestamp() - interval '1 hour', NULL)
  , (public.gen_random_bytes(32), :'app', statement_timestamp(),
     statement_timestamp() + interval '1 hour', statement_timestamp())
  , (public.gen_random_bytes(32), :'app', statement_timestamp(),
     statement_timestamp() + interval '1 hour', NULL);

SELECT is(qrshare.purge(), 4 + 2 + 2,
          'purge returns sessions deleted (4) + sessions whose data it deleted (2: old_data, due_conf) + tokens deleted (2)');
SELECT results_eq(
    format($$SELECT user_data IS NULL, seal_key_id IS NULL, decision_digest IS NULL,
                    data_deleted_at IS NOT NULL, status
               FROM qrshare.sessions WHERE id = %L$$, :'old_data'),
    $$VALUES (true, true, true, true, 'confirmed')$$,
    'user data decided a retention window ago is deleted with its decision digest, and when is recorded');
SELECT results_eq(
    format($$SELECT user_data IS NULL, decision_digest IS NULL, data_deleted_at IS NULL
               FROM qrshare.sessions WHERE id = %L$$, :'new_data'),
    $$VALUES (false, false, true)$$,
    'user data still within its retention window is kept, and its digest');
SELECT is((SELECT count(*)::int FROM qrshare.sessions WHERE id = :'old_declined'), 0,
          'a declined session older than 30 days is deleted');
SELECT is((SELECT count(*)::int FROM qrshare.sessions WHERE id = :'old_expired'), 0,
          'an expired session older than 30 days is deleted');
SELECT is((SELECT count(*)::int FROM qrshare.sessions WHERE id = :'old_open'), 0,
          'a never-swept open session older than 30 days (long past due) is deleted');
SELECT is((SELECT count(*)::int FROM qrshare.sessions WHERE id = :'old_confirmed'), 0,
          'a confirmed session older than 30 days is deleted, data and all');
SELECT is(
    (SELECT count(*)::int FROM qrshare.session_events
      WHERE session_id IN (:'old_declined', :'old_expired', :'old_open', :'old_confirmed')),
    0, 'their events went with them');
SELECT is((SELECT count(*)::int FROM qrshare.sessions WHERE id = :'young_cancelled'), 1,
          'a cancelled session 29 days old is kept');
SELECT is(pg_temp.events(:'young_cancelled'), 2::bigint, 'with its events');
SELECT is(
    (SELECT count(*)::int FROM qrshare.client_tokens WHERE application_id = :'app'), 1,
    'expired and revoked client tokens are deleted, the valid one kept');
SELECT is(qrshare.purge(), 0, 'a second purge finds nothing');

SELECT is(qrshare.purge('7 days'), 1, 'purge keeps what p_keep says: with 7 days, one more');
SELECT is((SELECT count(*)::int FROM qrshare.sessions WHERE id = :'young_cancelled'), 0,
          'the 29-day-old cancelled session is deleted');
SELECT isnt((SELECT count(*)::int FROM qrshare.sessions WHERE id IN (:'new_data', :'old_data')), 0,
            'recent sessions stay');
SELECT throws_ok(
    $$SELECT qrshare.purge('-1 day')$$,
    '22023', 'p_keep must be a positive interval',
    'a negative p_keep is refused');

-- purge is allowed to clear data the state machine otherwise freezes
SELECT pg_temp.new_session(:'app', 'confirmed') AS frozen \gset
SELECT pg_temp.backdate(:'frozen', interval '1 hour');
SELECT is(qrshare.purge(), 1, 'purge deletes the data of a confirmed session long past expires_at');

SELECT * FROM finish();
ROLLBACK;
