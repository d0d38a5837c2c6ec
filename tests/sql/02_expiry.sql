-- 02_expiry.sql - rule (b): a session past expires_at (judged with statement_timestamp())
-- that is not terminal can only change to expired; expired only once past expires_at.
BEGIN;
SELECT plan(27);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset

-- An initialized session past due, made by inserting it with a creation time in the past.
INSERT INTO qrshare.sessions (application_id, token_hash, requested_scopes, created_at, expires_at)
VALUES (:'app', public.gen_random_bytes(32), '{email}',
        statement_timestamp() - interval '20 minutes', statement_timestamp() - interval '10 minutes')
RETURNING id AS past_init \gset
-- A retrieved session past due: retrieved while open, then moved back in time.
SELECT pg_temp.new_session(:'app', 'retrieved') AS past_retr \gset
SELECT pg_temp.backdate(:'past_retr', interval '15 minutes');

SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'retrieved', retrieved_at = statement_timestamp(),
                    user_iss = 'i', user_sub = 's' WHERE id = %L$$, :'past_init'),
    '23514', 'session is past its expires_at: the only change allowed is to status expired',
    'past due: initialized -> retrieved is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'cancelled' WHERE id = %L$$, :'past_init'),
    '23514', 'session is past its expires_at: the only change allowed is to status expired',
    'past due: initialized -> cancelled is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET token_hash = public.gen_random_bytes(32),
                    expires_at = statement_timestamp() + interval '5 minutes' WHERE id = %L$$, :'past_init'),
    '23514', 'session is past its expires_at: the only change allowed is to status expired',
    'past due: a refresh (new token, new expires_at) is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET vendor_data = 'late' WHERE id = %L$$, :'past_init'),
    '23514', 'session is past its expires_at: the only change allowed is to status expired',
    'past due: any other change of the row is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'expired', vendor_data = 'late' WHERE id = %L$$, :'past_init'),
    '23514', 'session is past its expires_at: the only change allowed is to status expired',
    'past due: expiring while changing something else is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'confirmed', decided_at = statement_timestamp(),
                    granted_scopes = '{email}' WHERE id = %L$$, :'past_retr'),
    '23514', 'session is past its expires_at: the only change allowed is to status expired',
    'past due: retrieved -> confirmed is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'declined', decided_at = statement_timestamp()
              WHERE id = %L$$, :'past_retr'),
    '23514', 'session is past its expires_at: the only change allowed is to status expired',
    'past due: retrieved -> declined is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'cancelled' WHERE id = %L$$, :'past_retr'),
    '23514', 'session is past its expires_at: the only change allowed is to status expired',
    'past due: retrieved -> cancelled is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET user_sub = 'someone-else' WHERE id = %L$$, :'past_retr'),
    '23514', 'session is past its expires_at: the only change allowed is to status expired',
    'past due: changing the bound user is refused');
SELECT is(
    (SELECT array_agg(status ORDER BY status) FROM qrshare.sessions WHERE id IN (:'past_init', :'past_retr')),
    ARRAY['initialized', 'retrieved'],
    'the refused changes were not written');

SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET status = 'expired' WHERE id = %L$$, :'past_init'),
    'past due: initialized -> expired is accepted');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET status = 'expired' WHERE id = %L$$, :'past_retr'),
    'past due: retrieved -> expired is accepted');
SELECT is(
    (SELECT array_agg(status) FROM qrshare.sessions WHERE id IN (:'past_init', :'past_retr')),
    ARRAY['expired', 'expired'],
    'both are expired now');

-- expires_at equal to the statement's time is past due already. Inside one statement
-- (this function) statement_timestamp() does not move.
CREATE FUNCTION pg_temp.at_the_instant(p_app uuid, p_to text)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_id uuid;
BEGIN
    INSERT INTO qrshare.sessions (application_id, token_hash, requested_scopes, created_at, expires_at)
    VALUES (p_app, public.gen_random_bytes(32), '{email}',
            statement_timestamp() - interval '1 minute', statement_timestamp())
    RETURNING id INTO v_id;
    UPDATE qrshare.sessions SET status = p_to WHERE id = v_id;
    RETURN (SELECT status FROM qrshare.sessions WHERE id = v_id);
END;
$$;
SELECT throws_ok(
    format($$SELECT pg_temp.at_the_instant(%L, 'cancelled')$$, :'app'),
    '23514', 'session is past its expires_at: the only change allowed is to status expired',
    'at the instant of expires_at the session is past due: cancelling is refused');
SELECT is(pg_temp.at_the_instant(:'app', 'expired'), 'expired',
          'at the instant of expires_at the session may be expired');

-- expired only once past due: an early stop is cancelled
SELECT pg_temp.new_session(:'app', 'initialized') AS open_init \gset
SELECT pg_temp.new_session(:'app', 'retrieved') AS open_retr \gset
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'expired' WHERE id = %L$$, :'open_init'),
    '23514', 'session is not past its expires_at: stop it early with status cancelled',
    'before expires_at: initialized -> expired is refused');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'expired' WHERE id = %L$$, :'open_retr'),
    '23514', 'session is not past its expires_at: stop it early with status cancelled',
    'before expires_at: retrieved -> expired is refused');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET status = 'cancelled' WHERE id = %L$$, :'open_init'),
    'before expires_at: initialized -> cancelled is accepted');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET status = 'confirmed', decided_at = statement_timestamp(),
                    granted_scopes = '{email}' WHERE id = %L$$, :'open_retr'),
    'before expires_at: retrieved -> confirmed is accepted');

-- A terminal session past expires_at keeps its status and can still have its data purged.
SELECT pg_temp.new_session(:'app', 'confirmed') AS done \gset
SELECT pg_temp.backdate(:'done', interval '1 hour');
SELECT throws_ok(
    format($$UPDATE qrshare.sessions SET status = 'expired' WHERE id = %L$$, :'done'),
    '23514', 'status change from confirmed to expired is not allowed',
    'a confirmed session past expires_at does not become expired');
SELECT lives_ok(
    format($$UPDATE qrshare.sessions SET user_data = NULL, seal_key_id = NULL,
                    data_deleted_at = statement_timestamp() WHERE id = %L$$, :'done'),
    'a confirmed session past expires_at can have its user data purged');
SELECT is(
    (SELECT user_data IS NULL AND data_deleted_at IS NOT NULL FROM qrshare.sessions WHERE id = :'done'),
    true, 'the purge was written');

-- qrshare.effective_status, the one place of the rule: the catalog says what is terminal
INSERT INTO qrshare.statuses (name, terminal) VALUES ('paused', false), ('archived', true);
SELECT is(qrshare.effective_status('paused', statement_timestamp() - interval '1 second'), 'expired',
          'effective_status: a past-due status that the catalog calls open reads as expired');
SELECT is(qrshare.effective_status('paused', statement_timestamp() + interval '1 second'), 'paused',
          'effective_status: before expires_at it reads as stored');
SELECT is(qrshare.effective_status('archived', statement_timestamp() - interval '1 second'), 'archived',
          'effective_status: a past-due status that the catalog calls terminal stays');
SELECT is(qrshare.effective_status('retrieved', statement_timestamp()), 'expired',
          'effective_status: at the instant of expires_at the session is past due');
SELECT is(qrshare.effective_status('declined', statement_timestamp() - interval '1 hour'), 'declined',
          'effective_status: a decided session past expires_at keeps its status');

SELECT * FROM finish();
ROLLBACK;
