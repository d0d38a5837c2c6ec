-- 0007_push: what qrshare-push (DESIGN.md §8) needs from the database.
--
--   sessions_notify_status  an AFTER UPDATE trigger on qrshare.sessions: every change of
--                           status sends pg_notify on the channel qrshare_status with the
--                           payload '<session id> <new status>' and nothing else (no token,
--                           no application, nothing personal).
--   push_sessions(bytea[])  token hashes -> sessions: the hub's one door from a browser's
--                           session token to a session, with its current (effective) status.
--   push_statuses(uuid[])   session ids -> current statuses: after the LISTEN connection broke,
--                           the hub reads every waiting session in this one call; at a
--                           session's expires_at, the sessions that are due.
--   qrshare_push            the hub's login role: EXECUTE on those two functions, nothing
--                           else; LISTEN needs no grant.
--
-- Both functions take arrays so that one round trip serves every browser that connected
-- while the previous one was in flight (the hub keeps one query in flight on its one
-- connection). Statuses are effective: a session past expires_at that is not terminal reads
-- as expired, as on every endpoint, though no trigger fired (nothing wrote it yet).
--
-- Created as qrshare_owner (see 0004's header). The functions state SECURITY DEFINER and
-- the search_path in their own definition.

DO $$
BEGIN
    -- No password here, as for the other roles (0004).
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'qrshare_push') THEN
        CREATE ROLE qrshare_push LOGIN;
    END IF;
    -- The hub's calls are index lookups; nothing it runs may hang its only connection.
    EXECUTE format('ALTER ROLE qrshare_push IN DATABASE %I SET statement_timeout = %L',
                   current_database(), '5s');
    EXECUTE format('ALTER ROLE qrshare_push IN DATABASE %I SET lock_timeout = %L',
                   current_database(), '3s');
END
$$;
COMMENT ON ROLE qrshare_push IS
    'qrshare: the push hub (qrshare-push); may only call qrshare.push_sessions and '
    'qrshare.push_statuses, and LISTEN.';

SET ROLE qrshare_owner;

-- ---------------------------------------------------------------------------------------
-- The notification
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION qrshare.sessions_notify_status() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    -- Delivered at commit, in commit order; a rolled-back change sends nothing.
    PERFORM pg_notify('qrshare_status', NEW.id::text || ' ' || NEW.status);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION qrshare.sessions_notify_status() IS
    'Trigger: pg_notify(''qrshare_status'', ''<session id> <status>'') for every status change.';

CREATE TRIGGER sessions_notify_status
    AFTER UPDATE OF status ON qrshare.sessions
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION qrshare.sessions_notify_status();
COMMENT ON TRIGGER sessions_notify_status ON qrshare.sessions IS
    'Tells qrshare-push (LISTEN qrshare_status) of every status change: session id and new '
    'status only.';

-- ---------------------------------------------------------------------------------------
-- The hub's two functions
-- ---------------------------------------------------------------------------------------

-- The most ids one call takes: the hub sends batches below it; a larger array is a bug or
-- an abuse, refused before it is read.
CREATE FUNCTION qrshare.limit_push_batch() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 100000;
COMMENT ON FUNCTION qrshare.limit_push_batch() IS
    'The most token hashes or session ids one call of push_sessions / push_statuses takes.';

CREATE FUNCTION qrshare.push_sessions(p_token_hashes bytea[])
RETURNS TABLE (ord integer, session_id uuid, status text, expires_epoch double precision)
LANGUAGE plpgsql STABLE
SECURITY DEFINER SET search_path = pg_catalog, qrshare, pg_temp
AS $$
BEGIN
    IF cardinality(p_token_hashes) > qrshare.limit_push_batch() THEN
        RAISE EXCEPTION 'push_sessions: more than % token hashes', qrshare.limit_push_batch()
              USING ERRCODE = 'program_limit_exceeded';
    END IF;
    RETURN QUERY
    SELECT t.ord::integer, s.id, qrshare.effective_status(s.status, s.expires_at)
         , extract(epoch FROM s.expires_at)::double precision
      FROM unnest(p_token_hashes) WITH ORDINALITY AS t(hash, ord)
      JOIN qrshare.sessions s ON s.token_hash = t.hash
     ORDER BY t.ord;
END
$$;
COMMENT ON FUNCTION qrshare.push_sessions(bytea[]) IS
    'qrshare-push: for each session token hash (qrshare.hash_token(token, ''qrshare session '
    'token'')) that is a session''s current token, its position in the array (from 1), the '
    'session id, its effective status and expires_at as Unix seconds. Unknown and replaced '
    'tokens give no row. Read-only.';

CREATE FUNCTION qrshare.push_statuses(p_ids uuid[])
RETURNS TABLE (session_id uuid, status text, expires_epoch double precision)
LANGUAGE plpgsql STABLE
SECURITY DEFINER SET search_path = pg_catalog, qrshare, pg_temp
AS $$
BEGIN
    IF cardinality(p_ids) > qrshare.limit_push_batch() THEN
        RAISE EXCEPTION 'push_statuses: more than % session ids', qrshare.limit_push_batch()
              USING ERRCODE = 'program_limit_exceeded';
    END IF;
    RETURN QUERY
    SELECT s.id, qrshare.effective_status(s.status, s.expires_at)
         , extract(epoch FROM s.expires_at)::double precision
      FROM qrshare.sessions s
     WHERE s.id = ANY (p_ids);
END
$$;
COMMENT ON FUNCTION qrshare.push_statuses(uuid[]) IS
    'qrshare-push: the effective status and expires_at (Unix seconds) of each of these '
    'sessions that exists. One call after a LISTEN reconnect covers every waiting browser. '
    'Read-only.';

RESET ROLE;

GRANT USAGE ON SCHEMA qrshare TO qrshare_push;
GRANT EXECUTE ON FUNCTION qrshare.push_sessions(bytea[]) TO qrshare_push;
GRANT EXECUTE ON FUNCTION qrshare.push_statuses(uuid[]) TO qrshare_push;
