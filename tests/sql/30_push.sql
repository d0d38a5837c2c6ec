-- 30_push.sql - what qrshare-push has in the database (0007_push, DESIGN.md §8, §9): the
-- trigger that notifies every status change, the role qrshare_push and the only two
-- functions it may call, push_sessions (token hashes -> sessions) and push_statuses
-- (session ids -> statuses, the resync after a lost LISTEN connection).
BEGIN;
SELECT plan(29);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset
SELECT pg_temp.new_session(:'app') AS s1 \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS s2 \gset
SELECT pg_temp.new_session(:'app', 'confirmed') AS s3 \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS due \gset
SELECT pg_temp.backdate(:'due', interval '11 minutes');
SELECT pg_temp.token_of(:'s1') AS th1, pg_temp.token_of(:'s2') AS th2,
       pg_temp.token_of(:'s3') AS th3, pg_temp.token_of(:'due') AS th_due \gset
SELECT extract(epoch FROM expires_at)::double precision AS s1_exp FROM qrshare.sessions WHERE id = :'s1' \gset

-- The trigger
SELECT has_trigger('qrshare', 'sessions', 'sessions_notify_status',
                   'sessions has the trigger sessions_notify_status');
SELECT trigger_is('qrshare', 'sessions', 'sessions_notify_status', 'qrshare',
                  'sessions_notify_status', '... which runs qrshare.sessions_notify_status()');
SELECT matches(
    pg_get_triggerdef((SELECT oid FROM pg_trigger WHERE tgname = 'sessions_notify_status')),
    'AFTER UPDATE OF status ON qrshare\.sessions FOR EACH ROW WHEN \(\(old\.status IS DISTINCT FROM new\.status\)\)',
    '... after each update that changes status, once per row');
SELECT matches(
    (SELECT prosrc FROM pg_proc WHERE oid = 'qrshare.sessions_notify_status()'::regprocedure),
    $re$pg_notify\('qrshare_status', NEW\.id::text \|\| ' ' \|\| NEW\.status\)$re$,
    '... notifying qrshare_status with the session id and the new status, nothing else');
SELECT is(
    (SELECT count(*)::int FROM pg_proc
      WHERE strpos(prosrc, 'qrshare_status') > 0 AND pronamespace = 'qrshare'::regnamespace
        AND prosrc ~ '(token|user_|vendor|metadata|scope)'),
    0, 'no function that notifies qrshare_status touches a token or personal data');

-- The role
SELECT is((SELECT rolcanlogin FROM pg_roles WHERE rolname = 'qrshare_push'), true,
          'qrshare_push logs in');
SELECT is((SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls OR rolreplication
             FROM pg_roles WHERE rolname = 'qrshare_push'), false,
          'qrshare_push has no attribute beyond LOGIN');
SELECT is(
    (SELECT array_agg(c ORDER BY c) FROM pg_db_role_setting s, unnest(s.setconfig) AS c
      WHERE s.setrole = 'qrshare_push'::regrole
        AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())),
    ARRAY['lock_timeout=3s', 'statement_timeout=5s'],
    'qrshare_push has statement_timeout 5s and lock_timeout 3s in this database');
SELECT set_eq(
    $$SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' FROM pg_proc p
       WHERE p.pronamespace = 'qrshare'::regnamespace
         AND has_function_privilege('qrshare_push', p.oid, 'EXECUTE')$$,
    $$VALUES ('push_sessions(p_token_hashes bytea[])'), ('push_statuses(p_ids uuid[])')$$,
    'qrshare_push may execute push_sessions and push_statuses, nothing else of qrshare');
SELECT is(
    (SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
      WHERE c.relnamespace = 'qrshare'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        AND CASE WHEN c.relkind = 'S' THEN has_sequence_privilege('qrshare_push', c.oid, 'USAGE, SELECT, UPDATE')
                 ELSE has_table_privilege('qrshare_push', c.oid,
                                          'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') END),
    NULL, 'qrshare_push has no privilege on any table, view or sequence of qrshare');
SELECT is(
    (SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
      WHERE p.proname LIKE 'push\_%' AND p.pronamespace = 'qrshare'::regnamespace
        AND NOT (p.prosecdef AND p.proconfig = ARRAY['search_path=pg_catalog, qrshare, pg_temp']
                 AND p.proowner = 'qrshare_owner'::regrole)),
    NULL, 'push_* are SECURITY DEFINER, owned by qrshare_owner, with search_path pg_catalog, qrshare, pg_temp');
SELECT is(has_function_privilege('qrshare_api', 'qrshare.push_sessions(bytea[])', 'EXECUTE')
       OR has_function_privilege('qrshare_admin', 'qrshare.push_statuses(uuid[])', 'EXECUTE')
       OR has_function_privilege('public', 'qrshare.push_statuses(uuid[])', 'EXECUTE'),
          false, 'neither the executables, the operators nor PUBLIC may call push_*');

-- push_sessions, as qrshare_push
SET ROLE qrshare_push;
SELECT results_eq(
    format($$SELECT ord, session_id, status, expires_epoch FROM qrshare.push_sessions(ARRAY[%L]::bytea[])$$, :'th1'),
    format($$VALUES (1, %L::uuid, 'initialized', %s::double precision)$$, :'s1', :'s1_exp'),
    'push_sessions: a current token gives its position, the session id, status and expires_at');
SELECT results_eq(
    format($$SELECT ord, session_id::text, status FROM qrshare.push_sessions(ARRAY[%L, %L, %L, %L, %L]::bytea[])$$,
           '\x' || repeat('00', 32), :'th2', :'th3', :'th_due', :'th1'),
    format($$VALUES (2, %L, 'retrieved'), (3, %L, 'confirmed'), (4, %L, 'expired'), (5, %L, 'initialized')$$,
           :'s2', :'s3', :'due', :'s1'),
    'push_sessions: a batch; an unknown hash has no row, the others keep their position');
SELECT is(
    (SELECT status FROM qrshare.push_sessions(ARRAY[:'th_due']::bytea[])), 'expired',
    'push_sessions: a session past expires_at reads expired though none wrote it');
SELECT is((SELECT count(*)::int FROM qrshare.push_sessions('{}'::bytea[])), 0,
          'push_sessions: an empty batch, no row');
SELECT is((SELECT count(*)::int FROM qrshare.push_sessions(ARRAY[substring(:'th1'::bytea FROM 1 FOR 31)]::bytea[])), 0,
          'push_sessions: a hash that is a prefix of one is no match');

-- push_statuses, as qrshare_push
SELECT results_eq(
    format($$SELECT session_id::text, status FROM qrshare.push_statuses(ARRAY[%L, %L, %L, %L, %L]::uuid[]) ORDER BY 1$$,
           :'s1', :'s2', :'s3', :'due', gen_random_uuid()),
    format($$SELECT * FROM (VALUES (%L, 'initialized'), (%L, 'retrieved'), (%L, 'confirmed'), (%L, 'expired')) v ORDER BY 1$$,
           :'s1', :'s2', :'s3', :'due'),
    'push_statuses: the effective status of each existing session; an unknown id has no row');
SELECT is(
    (SELECT expires_epoch FROM qrshare.push_statuses(ARRAY[:'s1']::uuid[])), :'s1_exp'::double precision,
    'push_statuses: expires_at in Unix seconds (the hub times expiry with it)');
SELECT throws_ok(
    $$SELECT * FROM qrshare.push_statuses(array_fill(gen_random_uuid(), ARRAY[100001]))$$,
    '54000', NULL, 'push_statuses refuses more than limit_push_batch() ids');
SELECT throws_ok(
    $$SELECT * FROM qrshare.push_sessions(array_fill('\x00'::bytea, ARRAY[100001]))$$,
    '54000', NULL, 'push_sessions refuses more than limit_push_batch() hashes');

-- What qrshare_push cannot do
SELECT throws_ok('SELECT token_hash FROM qrshare.sessions', '42501', NULL,
                 'qrshare_push cannot read sessions');
SELECT throws_ok($$UPDATE qrshare.sessions SET status = 'cancelled'$$, '42501', NULL,
                 'qrshare_push cannot write sessions');
SELECT throws_ok(format($$SELECT * FROM qrshare.api_status(%L, %L, NULL, NULL, NULL)$$, :'s1', :'th1'),
                 '42501', NULL, 'qrshare_push cannot call an api_* function');
SELECT throws_ok($$SELECT qrshare.effective_status('initialized', now())$$, '42501', NULL,
                 'qrshare_push cannot call a helper directly');
SELECT throws_ok('SELECT qrshare.expire_sessions()', '42501', NULL,
                 'qrshare_push cannot call an admin function');
SELECT lives_ok('LISTEN qrshare_status', 'qrshare_push may LISTEN on qrshare_status');
RESET ROLE;

-- The trigger fires on a real change only (the notification itself is delivered at commit:
-- tests/e2e/push-ws.t reads one)
SELECT lives_ok(format($$UPDATE qrshare.sessions SET status = 'cancelled' WHERE id = %L$$, :'s1'),
                'a status change goes through with the trigger in place');
SELECT is((SELECT status FROM qrshare.push_statuses(ARRAY[:'s1']::uuid[])), 'cancelled',
          'push_statuses reads the new status at once');

SELECT * FROM finish();
ROLLBACK;
