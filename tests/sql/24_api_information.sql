-- 24_api_information.sql - api_information (E4), called as qrshare_api: the phone opens a
-- session and is bound to it. Codes: ok, not_found, expired, invalid_state, already_claimed.
BEGIN;
SELECT plan(12);
\ir fixtures.psql

SELECT pg_temp.new_app() AS app \gset
UPDATE qrshare.applications SET name = 'Shop', domain = 'shop.example.com',
       logo_url = 'https://shop.example.com/logo.png' WHERE id = :'app';
SELECT pg_temp.new_session(:'app', p_scopes => ARRAY['names', 'is_over_18', 'email']) AS s \gset
SELECT pg_temp.token_of(:'s') AS th \gset
SELECT pg_temp.new_session(:'app') AS due \gset
SELECT pg_temp.backdate(:'due', interval '11 minutes') AS backdated \gset
SELECT pg_temp.token_of(:'due') AS due_th \gset
SELECT pg_temp.token_of(pg_temp.new_session(:'app', 'expired')) AS expired_th \gset
SELECT pg_temp.token_of(pg_temp.new_session(:'app', 'cancelled')) AS cancelled_th \gset

SET ROLE qrshare_api;
SELECT results_eq(
    format($$SELECT code, session_id, status, scope, app_name, app_domain, logo_url,
                    privacy_policy_url, terms_url
               FROM qrshare.api_information(%L, 'https://idp.example', 'user-7')$$, :'th'),
    format($$VALUES ('ok', %L::uuid, 'retrieved', ARRAY['names', 'is_over_18', 'email'], 'Shop',
                     'shop.example.com', 'https://shop.example.com/logo.png', NULL::text, NULL::text)$$,
           :'s'),
    'ok: the first call retrieves the session and shows the application');
SELECT is(
    (SELECT scopes::jsonb FROM qrshare.api_information(:'th', 'https://idp.example', 'user-7')),
    '[{"name": "names", "description": "Your first and last names", "type": "object", "verified": true,
       "fields": [
         {"name": "first_name", "type": "string", "format": null, "required": false,
          "description": "Your first name"},
         {"name": "family_name", "type": "string", "format": null, "required": false,
          "description": "Your family name"},
         {"name": "full_name", "type": "string", "format": null, "required": false,
          "description": "Your full name"},
         {"name": "is_verified", "type": "boolean", "format": null, "required": true,
          "description": "Whether the organisation has verified your names"}]},
      {"name": "is_over_18", "description": "Whether you are over 18 years old", "type": "boolean",
       "verified": true, "fields": null},
      {"name": "email", "description": "Your email address", "type": "object", "verified": true,
       "fields": [
         {"name": "email", "type": "string", "format": "addr_spec", "required": true,
          "description": "Your email address"},
         {"name": "is_verified", "type": "boolean", "format": null, "required": true,
          "description": "Whether the organisation has verified your email address"},
         {"name": "is_primary", "type": "boolean", "format": null, "required": true,
          "description": "Whether it is your main email address"}]}]'::jsonb,
    'ok again for the same user: the scopes from the catalog, in the requested order, each '
    'with its fields in order (null for a scalar)');
SELECT is(
    (SELECT string_agg(e ->> 'name' || ':' || json_typeof(e -> 'fields'), ' ' ORDER BY i)
       FROM qrshare.api_information(:'th', 'https://idp.example', 'user-7') AS a,
            json_array_elements(a.scopes) WITH ORDINALITY AS t(e, i)),
    'names:array is_over_18:null email:array',
    'fields is a JSON array for an object scope and JSON null (not absent) for a scalar');
SELECT is(
    (SELECT code FROM qrshare.api_information(:'th', 'https://idp.example', 'user-8')),
    'already_claimed', 'already_claimed: another subject');
SELECT is(
    (SELECT code FROM qrshare.api_information(:'th', 'https://other-idp.example', 'user-7')),
    'already_claimed', 'already_claimed: the same subject of another issuer');
SELECT is(
    (SELECT code FROM qrshare.api_information(public.gen_random_bytes(32), 'https://idp.example', 'user-7')),
    'not_found', 'not_found: an unknown session token');
SELECT results_eq(
    format($$SELECT code, session_id, status, scopes::text
               FROM qrshare.api_information(%L, 'https://idp.example', 'user-7')$$, :'due_th'),
    $$VALUES ('expired', NULL::uuid, NULL::text, NULL::text)$$,
    'expired: a past-due session, and nothing else is told');
SELECT is(
    (SELECT code FROM qrshare.api_information(:'expired_th', 'https://idp.example', 'user-7')),
    'expired', 'expired: an expired session');
SELECT is(
    (SELECT code FROM qrshare.api_information(:'cancelled_th', 'https://idp.example', 'user-7')),
    'invalid_state', 'invalid_state: a cancelled session');
RESET ROLE;

SELECT results_eq(
    format($$SELECT status, user_iss, user_sub, retrieved_at IS NOT NULL FROM qrshare.sessions
              WHERE id = %L$$, :'s'),
    $$VALUES ('retrieved', 'https://idp.example', 'user-7', true)$$,
    'the session is bound to the first user');
SELECT is(pg_temp.events(:'s'), 2::bigint, 'one retrieval event, however many calls');
SELECT is((SELECT status FROM qrshare.sessions WHERE id = :'due'), 'expired',
          'the past-due session was written expired');

SELECT * FROM finish();
ROLLBACK;
