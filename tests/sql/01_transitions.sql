-- 01_transitions.sql - rule (a): a status change not in qrshare.transitions is refused.
BEGIN;
SELECT plan(24);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset

-- Tries p_from -> p_to on a fresh session, setting whatever the target status needs
-- (user binding, decision time, granted scopes) so that only the transition itself can
-- be at fault. A target of expired is tried on a session past its expires_at. Returns
-- NULL when the change was accepted, else the error message.
CREATE FUNCTION pg_temp.try_change(p_app uuid, p_from text, p_to text)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_id uuid := pg_temp.new_session(p_app, p_from);
BEGIN
    IF p_to = 'expired' AND p_from <> 'expired' THEN
        PERFORM pg_temp.backdate(v_id, interval '11 minutes');
    END IF;
    BEGIN
        UPDATE qrshare.sessions
           SET status = p_to
             , retrieved_at = CASE WHEN p_to = 'retrieved'
                                   THEN coalesce(retrieved_at, statement_timestamp())
                                   ELSE retrieved_at END
             , user_iss = CASE WHEN p_to = 'retrieved' THEN coalesce(user_iss, 'iss') ELSE user_iss END
             , user_sub = CASE WHEN p_to = 'retrieved' THEN coalesce(user_sub, 'sub') ELSE user_sub END
             , decided_at = CASE WHEN p_to IN ('confirmed', 'declined')
                                 THEN coalesce(decided_at, statement_timestamp())
                                 ELSE decided_at END
             , granted_scopes = CASE WHEN p_to = 'confirmed'
                                     THEN coalesce(granted_scopes, requested_scopes[1:1])
                                     ELSE granted_scopes END
         WHERE id = v_id;
    EXCEPTION WHEN check_violation THEN
        RETURN SQLERRM;
    END;
    RETURN NULL;
END;
$$;

CREATE TEMP TABLE outcome AS
SELECT f.name AS from_status, t.name AS to_status, pg_temp.try_change(:'app', f.name, t.name) AS error
  FROM qrshare.statuses f CROSS JOIN qrshare.statuses t
 WHERE f.name <> t.name;

SELECT is((SELECT count(*)::int FROM outcome), 30, 'all 30 status changes were tried');
SELECT set_eq(
    'SELECT from_status, to_status FROM outcome WHERE error IS NULL',
    'SELECT from_status, to_status FROM qrshare.transitions',
    'exactly the changes listed in qrshare.transitions are accepted');
SELECT is(
    (SELECT count(*)::int FROM outcome
      WHERE error = format('status change from %s to %s is not allowed', from_status, to_status)),
    23,
    'the 23 other changes are refused for being no allowed transition');

-- The examples of the rule, one by one
SELECT pg_temp.new_session(:'app', 'initialized') AS s_init \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS s_retr \gset
SELECT pg_temp.new_session(:'app', 'confirmed') AS s_conf \gset
SELECT pg_temp.new_session(:'app', 'declined') AS s_decl \gset
SELECT pg_temp.new_session(:'app', 'expired') AS s_expd \gset
SELECT pg_temp.new_session(:'app', 'cancelled') AS s_canc \gset

SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'confirmed', decided_at = statement_timestamp(),
                    granted_scopes = '{email}' WHERE id = %L$$, :'s_init'),
    '23514', 'status change from initialized to confirmed is not allowed',
    'initialized -> confirmed is refused (the phone must retrieve first)');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'declined', decided_at = statement_timestamp()
              WHERE id = %L$$, :'s_init'),
    '23514', 'status change from initialized to declined is not allowed',
    'initialized -> declined is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'initialized' WHERE id = %L$$, :'s_retr'),
    '23514', 'status change from retrieved to initialized is not allowed',
    'retrieved -> initialized is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'retrieved' WHERE id = %L$$, :'s_conf'),
    '23514', 'status change from confirmed to retrieved is not allowed',
    'confirmed -> retrieved is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'declined', granted_scopes = NULL,
                    user_data = NULL, seal_key_id = NULL WHERE id = %L$$, :'s_conf'),
    '23514', 'status change from confirmed to declined is not allowed',
    'confirmed -> declined is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'confirmed', granted_scopes = '{email}'
              WHERE id = %L$$, :'s_decl'),
    '23514', 'status change from declined to confirmed is not allowed',
    'declined -> confirmed is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'retrieved', retrieved_at = statement_timestamp(),
                    user_iss = 'i', user_sub = 's' WHERE id = %L$$, :'s_expd'),
    '23514', 'status change from expired to retrieved is not allowed',
    'expired -> retrieved is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'initialized' WHERE id = %L$$, :'s_expd'),
    '23514', 'status change from expired to initialized is not allowed',
    'expired -> initialized is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'retrieved', retrieved_at = statement_timestamp(),
                    user_iss = 'i', user_sub = 's' WHERE id = %L$$, :'s_canc'),
    '23514', 'status change from cancelled to retrieved is not allowed',
    'cancelled -> retrieved is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'initialized' WHERE id = %L$$, :'s_canc'),
    '23514', 'status change from cancelled to initialized is not allowed',
    'cancelled -> initialized is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'unknown' WHERE id = %L$$, :'s_init'),
    '23514', 'status change from initialized to unknown is not allowed',
    'a status outside the catalog is refused');

-- writing a status must change it: no silent rewrite, even with identical values
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = status WHERE id = %L$$, :'s_conf'),
    '23514', 'session is already confirmed: writing its status again is refused',
    'rewriting confirmed over confirmed (same values) is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'retrieved', retrieved_at = retrieved_at,
                    user_iss = user_iss, user_sub = user_sub WHERE id = %L$$, :'s_retr'),
    '23514', 'session is already retrieved: writing its status again is refused',
    'retrieving a retrieved session again (same user, same time) is refused');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET metadata = '{"note": 1}' WHERE id = %L$$, :'s_retr'),
    'an update of an open session that does not write the status is accepted');

SELECT is(
    (SELECT array_agg(status ORDER BY status) FROM qrshare.sessions
      WHERE id IN (:'s_init', :'s_retr', :'s_conf', :'s_decl', :'s_expd', :'s_canc')),
    ARRAY['cancelled', 'confirmed', 'declined', 'expired', 'initialized', 'retrieved'],
    'the refused changes left every status as it was');

-- The legal changes
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET status = 'retrieved', retrieved_at = statement_timestamp(),
                    user_iss = 'i', user_sub = 's' WHERE id = %L$$, :'s_init'),
    'initialized -> retrieved is accepted');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET status = 'confirmed', decided_at = statement_timestamp(),
                    granted_scopes = '{email}' WHERE id = %L$$, :'s_init'),
    'retrieved -> confirmed is accepted');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET status = 'declined', decided_at = statement_timestamp()
              WHERE id = %L$$, :'s_retr'),
    'retrieved -> declined is accepted');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET status = 'cancelled' WHERE id = %L$$,
           pg_temp.new_session(:'app', 'initialized')),
    'initialized -> cancelled is accepted');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET status = 'cancelled' WHERE id = %L$$,
           pg_temp.new_session(:'app', 'retrieved')),
    'retrieved -> cancelled is accepted');
SELECT is(
    (SELECT array_agg(status ORDER BY status) FROM qrshare.sessions WHERE id IN (:'s_init', :'s_retr')),
    ARRAY['confirmed', 'declined'],
    'the accepted changes were written');

SELECT * FROM finish();
ROLLBACK;
