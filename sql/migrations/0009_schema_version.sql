-- 0009_schema_version: the executables refuse a database whose schema they do not know
-- (issue 12). Each executable is built with the name of the newest migration of its
-- source tree (QRSHARE_SCHEMA_VERSION, from sql/migrations/); on each new connection it
-- calls api_schema_version() once and serves nothing (503, and a clear line in the log)
-- unless the answer is exactly that name:
--
--   an older schema    a migration is missing: the call fails (before 0009) or names an
--                      older migration; run qrshare-migrate
--   a newer schema     the database was migrated by a newer release: install it
--
--   api_schema_version()   the latest migration recorded in schema_migrations.

SET ROLE qrshare_owner;

CREATE FUNCTION qrshare.api_schema_version() RETURNS text
LANGUAGE plpgsql STABLE
SECURITY DEFINER SET search_path = pg_catalog, qrshare, pg_temp
AS $$
BEGIN
    RETURN (SELECT max(version) FROM qrshare.schema_migrations);
END
$$;
COMMENT ON FUNCTION qrshare.api_schema_version() IS
    'The latest migration applied (qrshare-migrate names them NNNN_what): the executables '
    'compare it with the one they were built for at each new connection.';

REVOKE EXECUTE ON FUNCTION qrshare.api_schema_version() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qrshare.api_schema_version() TO qrshare_api;

RESET ROLE;
