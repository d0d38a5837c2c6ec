-- 29_shapes.sql - the shape of each scope's value (DESIGN.md §2.1, notes/issue10-contract.md):
-- the formats (format_ok), the catalog of fields (scope_fields), and the error details of
-- shape_error, which api_update tells the phone. A detail names a place, never a value.
BEGIN;
SELECT plan(188);
\ir fixtures.psql

-- ---------------------------------------------------------------------------------------
-- Formats: a table of format, value, accepted?, why
-- ---------------------------------------------------------------------------------------

SELECT is(qrshare.format_ok(t.f, t.v), t.ok,
          format('format_ok %s %s %s (%s)', t.f, CASE WHEN t.ok THEN 'accepts' ELSE 'refuses' END,
                 to_json(t.v), t.why))
  FROM (VALUES
    (1, 'e164', '+441234567890', true, 'a UK number')
  , (2, 'e164', '+123456789012345', true, '15 digits, the most E.164 has')
  , (3, 'e164', '+12', true, 'two digits, the fewest the contract allows')
  , (4, 'e164', '441234567890', false, 'without +')
  , (5, 'e164', '+1234567890123456', false, '16 digits')
  , (6, 'e164', '+0441234567', false, 'a country code does not start with 0')
  , (7, 'e164', '+1', false, 'one digit')
  , (8, 'e164', '+44 1234 567890', false, 'with spaces')
  , (9, 'e164', E'+441234567890\n', false, 'with a trailing newline')
  , (10, 'date', '2024-02-29', true, 'a leap day')
  , (11, 'date', '2000-02-29', true, 'a leap day of a year divisible by 400')
  , (12, 'date', '0001-01-01', true, 'the first day of year 1')
  , (13, 'date', '9999-12-31', true, 'the last day of year 9999')
  , (14, 'date', '1990-12-31', true, 'the format''s example')
  , (15, 'date', '2023-02-29', false, 'no leap day in 2023')
  , (16, 'date', '1900-02-29', false, 'no leap day in 1900')
  , (17, 'date', '0000-01-01', false, 'year 0')
  , (18, 'date', '2024-04-31', false, 'April has 30 days')
  , (19, 'date', '2024-13-01', false, 'month 13')
  , (20, 'date', '2024-00-10', false, 'month 0')
  , (21, 'date', '2024-01-00', false, 'day 0')
  , (22, 'date', '2024-1-01', false, 'a one-digit month')
  , (23, 'date', '20240101', false, 'no hyphens')
  , (24, 'date', '2024-01-01T00:00:00Z', false, 'a time too')
  , (25, 'country', 'GB', true, 'the United Kingdom')
  , (26, 'country', 'DE', true, 'Germany')
  , (27, 'country', 'gb', false, 'in lowercase')
  , (28, 'country', 'XX', false, 'not assigned')
  , (29, 'country', 'GBR', false, 'alpha-3')
  , (30, 'currency', 'EUR', true, 'the euro')
  , (31, 'currency', 'GBP', true, 'the pound')
  , (32, 'currency', 'EURO', false, 'four letters')
  , (33, 'currency', 'eur', false, 'in lowercase')
  , (34, 'currency', 'ZZZ', false, 'not assigned')
  , (35, 'https_url', 'https://example.com', true, 'a host alone')
  , (36, 'https_url', 'https://example.com/me.jpg', true, 'a host and a path')
  , (37, 'https_url', 'https://cdn.example.com:8443/a/b.png?s=64#top', true, 'a port, a query, a fragment')
  , (38, 'https_url', 'https://example.com/%7Eada/(1).png', true, 'percent-encoding and sub-delimiters')
  , (39, 'https_url', 'http://example.com/me.jpg', false, 'http')
  , (40, 'https_url', 'https://user:secret@example.com/me.jpg', false, 'a user name and password')
  , (41, 'https_url', 'https://user@example.com/me.jpg', false, 'a user name')
  , (42, 'https_url', 'https://exa mple.com/', false, 'a space in the host')
  , (43, 'https_url', 'https://example.com/a b.jpg', false, 'a space in the path')
  , (44, 'https_url', 'https://example.com/"><script>', false, 'quotes and angle brackets')
  , (45, 'https_url', 'https://', false, 'no host')
  , (46, 'https_url', 'https://-x.example.com/', false, 'a label starting with a hyphen')
  , (47, 'https_url', 'javascript:alert(1)', false, 'another scheme')
  , (48, 'addr_spec', 'name@example.com', true, 'the format''s example')
  , (49, 'addr_spec', 'first.last+tag@mail.example.co.uk', true, 'dots, plus, subdomains')
  , (50, 'addr_spec', repeat('a', 64) || '@example.com', true, 'a local part of 64 characters')
  , (51, 'addr_spec', repeat('a', 65) || '@example.com', false, 'a local part of 65 characters')
  , (52, 'addr_spec', 'name@localhost', false, 'no top-level domain')
  , (53, 'addr_spec', 'name@@example.com', false, 'two @')
  , (54, 'addr_spec', 'example.com', false, 'no @')
  , (55, 'addr_spec', 'na me@example.com', false, 'a space')
  , (56, 'addr_spec', '.name@example.com', false, 'a leading dot')
  , (57, 'addr_spec', 'a..b@example.com', false, 'two dots in a row')
  , (58, 'addr_spec', 'name@example.com.', false, 'a trailing dot')
  , (59, 'addr_spec', 'Ada <name@example.com>', false, 'a display name')
  , (60, 'bcp47', 'en', true, 'a language')
  , (61, 'bcp47', 'en-GB', true, 'a language and a region')
  , (62, 'bcp47', 'zh-Hant-TW', true, 'a script too')
  , (63, 'bcp47', 'e', false, 'one letter')
  , (64, 'bcp47', 'english', false, 'a word')
  , (65, 'bcp47', 'en_GB', false, 'an underscore')
  , (66, 'bcp47', 'en-', false, 'an empty subtag')
  , (67, 'iana_tz', 'Europe/London', true, 'a zone')
  , (68, 'iana_tz', 'America/Argentina/Buenos_Aires', true, 'three parts')
  , (69, 'iana_tz', 'UTC', true, 'UTC')
  , (70, 'iana_tz', 'Mars/Olympus_Mons', false, 'no such zone')
  , (71, 'iana_tz', 'europe/london', false, 'in lowercase')
  , (72, 'iana_tz', 'Europe/London ', false, 'a trailing space')
  , (73, 'iana_tz', '../../etc/passwd', false, 'a path')
  , (74, 'iana_tz', 'UTC+3', false, 'a POSIX rule, not a name')
  , (75, 'iban', 'GB82WEST12345698765432', true, 'the UK example of the format')
  , (76, 'iban', 'DE89370400440532013000', true, 'a German IBAN')
  , (77, 'iban', 'GB83WEST12345698765432', false, 'a wrong check digit')
  , (78, 'iban', 'DE88370400440532013000', false, 'a wrong check digit')
  , (79, 'iban', 'DE89370400440532013001', false, 'a digit changed')
  , (80, 'iban', 'de89370400440532013000', false, 'in lowercase')
  , (81, 'iban', 'DE89 3704 0044 0532 0130 00', false, 'with spaces')
  , (82, 'iban', 'DE893704004405', false, 'too short')
  , (83, 'bic', 'DEUTDEFF', true, '8 characters')
  , (84, 'bic', 'DEUTDEFF500', true, '11 characters')
  , (85, 'bic', 'DEUTDEF', false, '7 characters')
  , (86, 'bic', 'DEUTDEFF5', false, '9 characters')
  , (87, 'bic', 'deutdeff', false, 'in lowercase')
  , (88, 'bic', '1EUTDEFF', false, 'a digit in the bank code')
  , (89, 'iban', 'GB00WEST12345698760021', false, 'check digits 00 (mod 97 is 1: the true ones are 97)')
  , (90, 'iban', 'GB01WEST12345698760003', false, 'check digits 01 (mod 97 is 1: the true ones are 98)')
  , (91, 'iban', 'GB99WEST12345698760082', false, 'check digits 99 (mod 97 is 1: the true ones are 02)')
  , (92, 'iban', 'GB97WEST12345698760021', true, 'check digits 97, the twin of 00')
  ) AS t(i, f, v, ok, why)
 ORDER BY t.i;

SELECT is(
    (SELECT array_agg(f.name ORDER BY f.name) FROM qrshare.formats f
      WHERE NOT EXISTS (SELECT FROM unnest(ARRAY['e164', 'date', 'country', 'currency', 'https_url',
                                                 'addr_spec', 'bcp47', 'iana_tz', 'iban', 'bic']) AS n
                         WHERE n = f.name)),
    NULL, '(every format of the table is in the cases above)');
SELECT lives_ok('SELECT qrshare.format_ok(name, ''x'') FROM qrshare.formats',
                'format_ok knows every format of the table');
SELECT throws_ok($$SELECT qrshare.format_ok('roman_numeral', 'XIV')$$, '22023',
                 'format roman_numeral is not known to qrshare.format_ok',
                 'an unknown format raises rather than passing');
SELECT is(qrshare.format_ok('e164', NULL), NULL, 'format_ok is NULL for NULL');

-- ---------------------------------------------------------------------------------------
-- The catalog: every field of the contract, exactly
-- ---------------------------------------------------------------------------------------

SELECT set_eq(
    'SELECT scope, position, field, json_type, format, max_length, required FROM qrshare.scope_fields',
    $$VALUES
        ('names', 1, 'first_name', 'string', NULL, 255, false)
      , ('names', 2, 'family_name', 'string', NULL, 255, false)
      , ('names', 3, 'full_name', 'string', NULL, 255, false)
      , ('names', 4, 'is_verified', 'boolean', NULL, NULL, true)
      , ('email', 1, 'email', 'string', 'addr_spec', 254, true)
      , ('email', 2, 'is_verified', 'boolean', NULL, NULL, true)
      , ('email', 3, 'is_primary', 'boolean', NULL, NULL, true)
      , ('phone', 1, 'phone_number', 'string', 'e164', 16, true)
      , ('phone', 2, 'is_verified', 'boolean', NULL, NULL, true)
      , ('phone', 3, 'is_primary', 'boolean', NULL, NULL, true)
      , ('gender', 1, 'gender', 'string', NULL, 64, true)
      , ('gender', 2, 'is_verified', 'boolean', NULL, NULL, true)
      , ('birthdate', 1, 'birthdate', 'string', 'date', 10, true)
      , ('birthdate', 2, 'is_verified', 'boolean', NULL, NULL, true)
      , ('document_detail', 1, 'document_type', 'string', NULL, 64, true)
      , ('document_detail', 2, 'document_number', 'string', NULL, 64, true)
      , ('document_detail', 3, 'issuing_country', 'string', 'country', 2, true)
      , ('document_detail', 4, 'expiration_date', 'string', 'date', 10, true)
      , ('document_detail', 5, 'is_verified', 'boolean', NULL, NULL, true)
      , ('address', 1, 'formatted', 'string', NULL, 1024, true)
      , ('address', 2, 'street_address', 'string', NULL, 255, true)
      , ('address', 3, 'locality', 'string', NULL, 255, true)
      , ('address', 4, 'region', 'string', NULL, 255, false)
      , ('address', 5, 'postal_code', 'string', NULL, 32, true)
      , ('address', 6, 'country', 'string', 'country', 2, true)
      , ('address', 7, 'is_verified', 'boolean', NULL, NULL, true)
      , ('address', 8, 'is_primary', 'boolean', NULL, NULL, true)
      , ('bank_account', 1, 'iban', 'string', 'iban', 34, true)
      , ('bank_account', 2, 'account_holder', 'string', NULL, 255, true)
      , ('bank_account', 3, 'bic', 'string', 'bic', 11, false)
      , ('bank_account', 4, 'is_verified', 'boolean', NULL, NULL, true)
      , ('bank_account', 5, 'is_primary', 'boolean', NULL, NULL, true)
      , ('preferences', 1, 'language', 'string', 'bcp47', 35, false)
      , ('preferences', 2, 'currency', 'string', 'currency', 3, false)
      , ('preferences', 3, 'time_zone', 'string', 'iana_tz', 64, false)
      , ('instagram_account', 1, 'username', 'string', NULL, 255, true)
      , ('instagram_account', 2, 'is_verified', 'boolean', NULL, NULL, true)
      , ('x_account', 1, 'username', 'string', NULL, 255, true)
      , ('x_account', 2, 'is_verified', 'boolean', NULL, NULL, true)
      , ('tiktok_account', 1, 'username', 'string', NULL, 255, true)
      , ('tiktok_account', 2, 'is_verified', 'boolean', NULL, NULL, true)$$,
    'scope_fields: the fields of the contract, in order, with type, format, length and whether required');
SELECT is(
    (SELECT array_agg(c.name::text ORDER BY c.name) FROM qrshare.scopes c
      WHERE (c.value_type = 'object') <> EXISTS (SELECT FROM qrshare.scope_fields f WHERE f.scope = c.name)),
    NULL, 'every object scope has fields, and no other scope has any');
SELECT is(
    (SELECT array_agg(c.name || '.' || a ORDER BY c.name) FROM qrshare.scopes c, unnest(c.any_of) AS a
      WHERE NOT EXISTS (SELECT FROM qrshare.scope_fields f WHERE f.scope = c.name AND f.field = a)),
    NULL, 'every name in any_of is a field of its scope');
SELECT is(
    (SELECT count(*)::int FROM qrshare.scope_fields WHERE btrim(description) = ''), 0,
    'every field is described for the consent screen');
SELECT set_eq(
    'SELECT name FROM qrshare.scopes WHERE verified',
    $$VALUES ('names'), ('email'), ('phone'), ('gender'), ('birthdate'), ('document_detail'),
             ('address'), ('is_verified'), ('is_over_18'), ('is_over_21')$$,
    'verified ("can be verified") is true for the scopes the contract names, false for the others');
SELECT is(
    (SELECT array_agg(c.name::text ORDER BY c.name) FROM qrshare.scopes c
      WHERE c.verified AND c.value_type = 'object'
        AND NOT EXISTS (SELECT FROM qrshare.scope_fields f
                         WHERE f.scope = c.name AND f.field = 'is_verified')),
    NULL, 'every verifiable object scope has an is_verified field for the verdict');

-- the catalog's constraints
SELECT throws_ok(
    $$INSERT INTO qrshare.scope_fields VALUES ('names', 'nickname', 9, 'number', NULL, NULL, false, 'x')$$,
    '23514', NULL, 'a field is a string or a boolean');
SELECT throws_ok(
    $$INSERT INTO qrshare.scope_fields VALUES ('names', 'nickname', 9, 'string', NULL, NULL, false, 'x')$$,
    '23514', NULL, 'a string field has a length limit');
SELECT throws_ok(
    $$INSERT INTO qrshare.scope_fields VALUES ('names', 'adult', 9, 'boolean', 'date', NULL, false, 'x')$$,
    '23514', NULL, 'a boolean field has no format');
SELECT throws_ok(
    $$INSERT INTO qrshare.scope_fields VALUES ('names', 'nickname', 9, 'string', 'roman', 9, false, 'x')$$,
    '23503', NULL, 'a field''s format is in qrshare.formats');
SELECT throws_ok(
    $$INSERT INTO qrshare.scope_fields VALUES ('names', 'nick', 1, 'string', NULL, 9, false, 'x')$$,
    '23505', NULL, 'two fields of a scope cannot share a position');
SELECT throws_ok(
    $$INSERT INTO qrshare.scope_fields VALUES ('shoes', 'size', 1, 'string', NULL, 9, false, 'x')$$,
    '23503', NULL, 'a field belongs to a scope of the catalog');
SELECT throws_ok(
    $$UPDATE qrshare.scopes SET max_length = NULL WHERE name = 'user_id'$$,
    '23514', NULL, 'a scalar string scope has a length limit');
SELECT throws_ok(
    $$UPDATE qrshare.scopes SET max_length = 10 WHERE name = 'is_over_18'$$,
    '23514', NULL, 'a boolean scope has none');
SELECT throws_ok(
    $$UPDATE qrshare.scopes SET any_of = ARRAY['user_id'] WHERE name = 'user_id'$$,
    '23514', NULL, 'any_of is for object scopes');

-- ---------------------------------------------------------------------------------------
-- Values of the right shape
-- ---------------------------------------------------------------------------------------

SELECT is(qrshare.shape_error(c.name, pg_temp.example(c.name)), NULL,
          format('%s: the example value has the shape (%s)', c.name, pg_temp.example(c.name)))
  FROM qrshare.scopes c ORDER BY c.name;
SELECT is(qrshare.shape_error(t.s, t.v::json), NULL, t.why)
  FROM (VALUES
    (1, 'names', '{"full_name": "Ada Lovelace", "is_verified": false}', 'names: one name is enough')
  , (2, 'names', '{"family_name": "Lovelace", "is_verified": false}', 'names: the family name alone')
  , (3, 'address', '{"formatted": "1 Main St, Springfield 12345", "street_address": "1 Main St",
                     "locality": "Springfield", "postal_code": "12345", "country": "US",
                     "is_verified": false, "is_primary": false}', 'address: without the optional region')
  , (4, 'bank_account', '{"iban": "GB82WEST12345698765432", "account_holder": "A. Lovelace",
                          "is_verified": false, "is_primary": false}', 'bank_account: without the optional bic')
  , (5, 'preferences', '{"language": "fr"}', 'preferences: one preference')
  , (6, 'preferences', '{}', 'preferences: none (every field is optional)')
  , (7, 'email', '{"is_primary": false, "is_verified": false, "email": "a@b.co"}', 'email: fields in any order')
  , (8, 'user_id', to_json(repeat('u', 255))::text, 'user_id: 255 characters')
  , (9, 'names', json_build_object('full_name', repeat('é', 255), 'is_verified', true)::text,
     'names: 255 characters of two bytes each (characters are counted, not bytes)')
  ) AS t(i, s, v, why)
 ORDER BY t.i;

-- ---------------------------------------------------------------------------------------
-- Each error, with its exact detail
-- ---------------------------------------------------------------------------------------

SELECT is(qrshare.shape_error(t.s, t.v::json), t.detail, t.why)
  FROM (VALUES
    -- scalars
    (1, 'user_id', '42', 'user_data.user_id must be a string', 'a number for a string')
  , (2, 'user_id', 'null', 'user_data.user_id must be a string', 'null for a string')
  , (3, 'user_id', '""', 'user_data.user_id must not be empty', 'an empty string')
  , (4, 'user_id', '"  \t "', 'user_data.user_id must not be empty', 'a blank string')
  , (5, 'user_id', to_json(repeat('u', 256))::text, 'user_data.user_id must be at most 255 characters',
     '256 characters')
  , (6, 'picture', '"http://example.com/me.jpg"',
     'user_data.picture must be an https URL without user name or password (https://example.com/me.jpg)',
     'a scalar with a format')
  , (7, 'picture', to_json('https://example.com/' || repeat('p', 2029))::text,
     'user_data.picture must be at most 2048 characters', 'a URL of 2049 characters')
  , (8, 'is_over_18', '"true"', 'user_data.is_over_18 must be a boolean', 'a string for a boolean')
  , (9, 'is_verified', '1', 'user_data.is_verified must be a boolean', 'a number for a boolean')
    -- objects
  , (10, 'email', '"ada@example.com"', 'user_data.email must be an object', 'a string for an object')
  , (11, 'email', '["ada@example.com"]', 'user_data.email must be an object', 'an array for an object')
  , (12, 'email', 'null', 'user_data.email must be an object', 'null for an object')
  , (13, 'email', '{}', 'user_data.email.email is missing', 'the first required field missing')
  , (14, 'email', '{"email": "ada@example.com", "is_verified": true}',
     'user_data.email.is_primary is missing', 'the last required field missing')
  , (15, 'email', '{"email": "ada@example.com", "is_verified": true, "is_primary": true, "verified": true}',
     'user_data.email.verified is not a field of email', 'a field of no scope')
  , (16, 'gender', '{"gender": "f", "is_verified": true, "is_primary": true}',
     'user_data.gender.is_primary is not a field of gender', 'a field of another scope')
  , (17, 'email', '{"bogus": 1}', 'user_data.email.bogus is not a field of email',
     'a field that is not the scope''s is told before a missing one')
  , (18, 'email', '{"email": "a@b.co", "is_verified": true, "is_primary": true, "is_primary": false}',
     'user_data.email.is_primary is given twice', 'a field twice')
  , (19, 'email', '{"email": 7, "is_verified": true, "is_primary": true}',
     'user_data.email.email must be a string', 'a number for a string field')
  , (20, 'email', '{"email": null, "is_verified": true, "is_primary": true}',
     'user_data.email.email must be a string', 'null for a string field')
  , (21, 'email', '{"email": "a@b.co", "is_verified": "yes", "is_primary": true}',
     'user_data.email.is_verified must be a boolean', 'a string for a boolean field')
  , (22, 'email', '{"email": "", "is_verified": true, "is_primary": true}',
     'user_data.email.email must not be empty', 'an empty field')
  , (23, 'email', '{"email": "ada", "is_verified": true, "is_primary": true}',
     'user_data.email.email must be an email address (name@example.com)', 'not an email address')
  , (24, 'email', json_build_object('email', repeat('a', 64) || '@' || repeat('b', 63) || '.'
                                             || repeat('c', 63) || '.' || repeat('d', 58) || '.com',
                                    'is_verified', true, 'is_primary', true)::text,
     'user_data.email.email must be at most 254 characters', 'an email address of 255 characters')
  , (25, 'phone', '{"phone_number": "441234567890", "is_verified": true, "is_primary": true}',
     'user_data.phone.phone_number must be a phone number in E.164 form (+441234567890)', 'E.164 without +')
  , (26, 'phone', '{"phone_number": "+1234567890123456", "is_verified": true, "is_primary": true}',
     'user_data.phone.phone_number must be a phone number in E.164 form (+441234567890)',
     '16 digits: told the format, not the length')
  , (27, 'birthdate', '{"birthdate": "2023-02-29", "is_verified": true}',
     'user_data.birthdate.birthdate must be a date in the form YYYY-MM-DD (1990-12-31)', 'no such day')
  , (28, 'gender', json_build_object('gender', repeat('g', 65), 'is_verified', true)::text,
     'user_data.gender.gender must be at most 64 characters', 'a gender of 65 characters')
  , (29, 'document_detail', '{"document_type": "passport", "document_number": "X1", "issuing_country": "gb",
                              "expiration_date": "2030-01-31", "is_verified": true}',
     'user_data.document_detail.issuing_country must be an ISO 3166-1 alpha-2 country code in capitals (GB)',
     'a country in lowercase')
  , (30, 'document_detail', '{"document_type": "passport", "document_number": "X1", "issuing_country": "GB",
                              "expiration_date": "31/01/2030", "is_verified": true}',
     'user_data.document_detail.expiration_date must be a date in the form YYYY-MM-DD (1990-12-31)',
     'a date in another form')
  , (31, 'address', '{"formatted": "x", "street_address": "x", "locality": "x", "region": 3,
                      "postal_code": "x", "country": "GB", "is_verified": true, "is_primary": true}',
     'user_data.address.region must be a string', 'an optional field, given, is checked')
  , (32, 'address', '{"formatted": "x", "street_address": "x", "locality": "x", "postal_code": "x",
                      "country": "XX", "is_verified": true, "is_primary": true}',
     'user_data.address.country must be an ISO 3166-1 alpha-2 country code in capitals (GB)',
     'a country that is not assigned')
  , (33, 'address', json_build_object('formatted', 'x', 'street_address', 'x', 'locality', 'x',
                                      'postal_code', repeat('9', 33), 'country', 'GB',
                                      'is_verified', true, 'is_primary', true)::text,
     'user_data.address.postal_code must be at most 32 characters', 'a postal code of 33 characters')
  , (34, 'bank_account', '{"iban": "GB83WEST12345698765432", "account_holder": "A", "is_verified": true,
                           "is_primary": true}',
     'user_data.bank_account.iban must be an IBAN in capitals without spaces, with valid check digits (GB82WEST12345698765432)',
     'an IBAN with a wrong check digit')
  , (35, 'bank_account', '{"iban": "GB82WEST12345698765432", "account_holder": "A", "bic": "DEUTDEF",
                           "is_verified": true, "is_primary": true}',
     'user_data.bank_account.bic must be a BIC of 8 or 11 characters in capitals (DEUTDEFF)', 'a BIC of 7')
  , (36, 'preferences', '{"language": "english"}',
     'user_data.preferences.language must be a BCP 47 language tag (en-GB)', 'a language that is no tag')
  , (37, 'preferences', '{"currency": "EURO"}',
     'user_data.preferences.currency must be an ISO 4217 currency code in capitals (EUR)', 'EURO')
  , (38, 'preferences', '{"time_zone": "Mars/Olympus_Mons"}',
     'user_data.preferences.time_zone must be an IANA time zone name (Europe/London)', 'no such zone')
  , (39, 'preferences', '{"is_verified": true}',
     'user_data.preferences.is_verified is not a field of preferences', 'preferences have no is_verified')
  , (40, 'names', '{"is_verified": true}',
     'user_data.names needs at least one of first_name, family_name, full_name', 'no name at all')
  , (41, 'names', '{"first_name": "Ada"}', 'user_data.names.is_verified is missing',
     'names without is_verified')
  , (42, 'names', json_build_object('first_name', repeat('n', 256), 'is_verified', true)::text,
     'user_data.names.first_name must be at most 255 characters', 'a first name of 256 characters')
  , (43, 'x_account', '{"username": "", "is_verified": false}',
     'user_data.x_account.username must not be empty', 'an empty user name')
  , (44, 'tiktok_account', '{"username": "ada"}', 'user_data.tiktok_account.is_verified is missing',
     'an account without is_verified')
  , (45, 'document_detail', '{"document_type": "passport", "is_verified": true}',
     'user_data.document_detail.document_number is missing', 'missing fields are told in the catalog''s order')
  ) AS t(i, s, v, detail, why)
 ORDER BY t.i;

SELECT is(
    qrshare.shape_error('email', json_build_object(repeat('k', 100), 1)),
    format('user_data.email.%s is not a field of email', repeat('k', 64)),
    'a field name from the input is cut to 64 characters');
SELECT throws_ok($$SELECT qrshare.shape_error('shoe_size', '"44"')$$, '22023',
                 'scope shoe_size is not in the scope catalog',
                 'a scope outside the catalog raises (api_update checks the keys first)');

-- ---------------------------------------------------------------------------------------
-- A detail never contains the value: every field and every scalar, given a wrong value
-- that carries a marker, is refused with a detail without the marker
-- ---------------------------------------------------------------------------------------

CREATE TEMP TABLE leaks AS
SELECT f.scope AS scope, f.field AS field,
       qrshare.shape_error(f.scope, (pg_temp.example(f.scope)::jsonb || jsonb_build_object(f.field,
           CASE WHEN f.json_type = 'boolean' THEN to_jsonb('SECRET-7f3a'::text)
                WHEN f.format IS NOT NULL THEN to_jsonb('SECRET-7f3a'::text)
                ELSE to_jsonb(repeat('SECRET-7f3a ', 100)) END))::json) AS detail
  FROM qrshare.scope_fields f
UNION ALL
SELECT c.name, NULL,
       qrshare.shape_error(c.name, CASE WHEN c.value_type = 'boolean' THEN to_json('SECRET-7f3a'::text)
                                        WHEN c.format IS NOT NULL THEN to_json('SECRET-7f3a'::text)
                                        WHEN c.value_type = 'string' THEN to_json(repeat('SECRET-7f3a ', 300))
                                        ELSE to_json('SECRET-7f3a'::text) END)
  FROM qrshare.scopes c;
SELECT is((SELECT count(*)::int FROM leaks), 41 + 17, '(one wrong value per field and per scope)');
SELECT is((SELECT array_agg(scope || coalesce('.' || field, '') ORDER BY scope, field) FROM leaks
            WHERE detail IS NULL),
          NULL, 'every one of them is refused');
SELECT is((SELECT array_agg(detail ORDER BY detail) FROM leaks WHERE detail ~* 'secret|7f3a'),
          NULL, 'no detail contains the value, or a part of it');
-- through api_update too
SELECT pg_temp.new_app(ARRAY['email', 'phone']) AS app \gset
SELECT pg_temp.token_of(pg_temp.new_session(:'app', 'retrieved', ARRAY['email', 'phone'])) AS th \gset
SET ROLE qrshare_api;
SELECT is(
    (SELECT row(u.code, u.detail)::text
       FROM qrshare.api_update(:'th', 'https://idp.example', 'user-1', NULL, 'confirmed',
                               '{"email": {"email": "ada@example.com", "is_verified": true, "is_primary": true},
                                 "phone": {"phone_number": "+44 7700 900123", "is_verified": false,
                                           "is_primary": true}}',
                               '\xc0ffee', 'k1', '\x01') AS u),
    row('invalid_request',
        'user_data.phone.phone_number must be a phone number in E.164 form (+441234567890)')::text,
    'api_update tells the first wrong value''s place and format, not the value');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
