-- 0006_shapes: every user_data value has the shape of its scope (DESIGN.md §2.1), and the
-- database checks it, as it checks everything else a session holds.
--
--   formats         the string formats a field may have (E.164, dates, ISO codes, https
--                   URLs, ...), each with the words an error detail puts after "must be".
--   countries,      ISO 3166-1 alpha-2 and ISO 4217 codes, written out below (generated
--   currencies      once from Debian's iso-codes 4.15; nothing outside the database is read
--                   when this runs).
--   scopes          Didit's shapes: email, phone, gender, birthdate and the *_account scopes
--                   hold objects; a scalar string has a length limit (and maybe a format);
--                   any_of holds the names rule; verified means "can be verified".
--   scope_fields    the fields of each object scope, in order: JSON type, format, length
--                   limit, whether required, and a sentence for the consent screen.
--   format_ok(), value_error(), shape_error()
--                   whether a string has a format; the detail for a value that does not
--                   have its field's or scope's shape (NULL when it does). A detail names
--                   the place (user_data.<scope>.<field>), never the value.
--   api_update      p_user_data replaces 0005's p_types: the final user_data, as C seals it
--                   (after it has written every is_verified and the computed booleans), so
--                   that each value's shape is checked where the catalog is. It is read and
--                   forgotten; only the sealed box is stored.
--   api_information each scope's fields, so that the phone can show and fill them.
--   decision_digest deleted together with the user data (the update trigger, purge(),
--                   api_decision): it is a keyed hash of the plaintext, and with the key
--                   it would confirm a guess of the data long after the data is gone.
--
-- The plaintext of user_data now reaches the database as a bind parameter of api_update
-- (0003 sent only its sealed box). PostgreSQL writes bind parameters into the server log
-- next to a statement it logs (log_min_duration_statement, log_statement) and next to a
-- statement that fails (log_parameter_max_length_on_error): both are set to 0, no
-- parameter at all, for qrshare_api in this database, at the end of this file. They take
-- effect at the next connection. Only a superuser may set them (as the cluster owner runs
-- qrshare-migrate); an operator may lower other logging, never raise these.
--
-- Objects are created as qrshare_owner (see 0004's header). The functions replaced here
-- state SECURITY DEFINER and the search_path again where they had them: CREATE OR REPLACE
-- resets both to the defaults when they are left out. Their grants stay.

SET ROLE qrshare_owner;

-- ---------------------------------------------------------------------------------------
-- Formats and the code lists they use
-- ---------------------------------------------------------------------------------------

CREATE TABLE qrshare.formats (
    name         text NOT NULL
  , description  text NOT NULL
  , CONSTRAINT formats_pkey PRIMARY KEY (name)
  , CONSTRAINT formats_name_format CHECK (name ~ '^[a-z][a-z0-9_]{0,63}$')
  , CONSTRAINT formats_description_nonempty CHECK (btrim(description) <> '')
);

COMMENT ON TABLE qrshare.formats IS
    'The formats a string of user_data may be required to have; qrshare.format_ok() knows '
    'how to check each (a new row needs code there too).';
COMMENT ON COLUMN qrshare.formats.name IS 'The format''s name, as scopes and scope_fields give it.';
COMMENT ON COLUMN qrshare.formats.description IS
    'What an error detail says after "must be": a noun phrase with an example '
    '(a phone number in E.164 form (+441234567890)).';

INSERT INTO qrshare.formats (name, description) VALUES
    ('e164',      'a phone number in E.164 form (+441234567890)')
  , ('date',      'a date in the form YYYY-MM-DD (1990-12-31)')
  , ('country',   'an ISO 3166-1 alpha-2 country code in capitals (GB)')
  , ('currency',  'an ISO 4217 currency code in capitals (EUR)')
  , ('https_url', 'an https URL without user name or password (https://example.com/me.jpg)')
  , ('addr_spec', 'an email address (name@example.com)')
  , ('bcp47',     'a BCP 47 language tag (en-GB)')
  , ('iana_tz',   'an IANA time zone name (Europe/London)')
  , ('iban',      'an IBAN in capitals without spaces, with valid check digits (GB82WEST12345698765432)')
  , ('bic',       'a BIC of 8 or 11 characters in capitals (DEUTDEFF)');

CREATE TABLE qrshare.countries (
    code  text NOT NULL
  , CONSTRAINT countries_pkey PRIMARY KEY (code)
  , CONSTRAINT countries_code_format CHECK (code ~ '^[A-Z]{2}$')
);

COMMENT ON TABLE qrshare.countries IS
    'ISO 3166-1 alpha-2 country codes (the format country), as iso-codes 4.15 lists them.';
COMMENT ON COLUMN qrshare.countries.code IS 'The code, two capital letters (GB).';

INSERT INTO qrshare.countries (code) VALUES
    ('AD'), ('AE'), ('AF'), ('AG'), ('AI'), ('AL'), ('AM'), ('AO'), ('AQ'), ('AR'), ('AS'), ('AT')
  , ('AU'), ('AW'), ('AX'), ('AZ'), ('BA'), ('BB'), ('BD'), ('BE'), ('BF'), ('BG'), ('BH'), ('BI')
  , ('BJ'), ('BL'), ('BM'), ('BN'), ('BO'), ('BQ'), ('BR'), ('BS'), ('BT'), ('BV'), ('BW'), ('BY')
  , ('BZ'), ('CA'), ('CC'), ('CD'), ('CF'), ('CG'), ('CH'), ('CI'), ('CK'), ('CL'), ('CM'), ('CN')
  , ('CO'), ('CR'), ('CU'), ('CV'), ('CW'), ('CX'), ('CY'), ('CZ'), ('DE'), ('DJ'), ('DK'), ('DM')
  , ('DO'), ('DZ'), ('EC'), ('EE'), ('EG'), ('EH'), ('ER'), ('ES'), ('ET'), ('FI'), ('FJ'), ('FK')
  , ('FM'), ('FO'), ('FR'), ('GA'), ('GB'), ('GD'), ('GE'), ('GF'), ('GG'), ('GH'), ('GI'), ('GL')
  , ('GM'), ('GN'), ('GP'), ('GQ'), ('GR'), ('GS'), ('GT'), ('GU'), ('GW'), ('GY'), ('HK'), ('HM')
  , ('HN'), ('HR'), ('HT'), ('HU'), ('ID'), ('IE'), ('IL'), ('IM'), ('IN'), ('IO'), ('IQ'), ('IR')
  , ('IS'), ('IT'), ('JE'), ('JM'), ('JO'), ('JP'), ('KE'), ('KG'), ('KH'), ('KI'), ('KM'), ('KN')
  , ('KP'), ('KR'), ('KW'), ('KY'), ('KZ'), ('LA'), ('LB'), ('LC'), ('LI'), ('LK'), ('LR'), ('LS')
  , ('LT'), ('LU'), ('LV'), ('LY'), ('MA'), ('MC'), ('MD'), ('ME'), ('MF'), ('MG'), ('MH'), ('MK')
  , ('ML'), ('MM'), ('MN'), ('MO'), ('MP'), ('MQ'), ('MR'), ('MS'), ('MT'), ('MU'), ('MV'), ('MW')
  , ('MX'), ('MY'), ('MZ'), ('NA'), ('NC'), ('NE'), ('NF'), ('NG'), ('NI'), ('NL'), ('NO'), ('NP')
  , ('NR'), ('NU'), ('NZ'), ('OM'), ('PA'), ('PE'), ('PF'), ('PG'), ('PH'), ('PK'), ('PL'), ('PM')
  , ('PN'), ('PR'), ('PS'), ('PT'), ('PW'), ('PY'), ('QA'), ('RE'), ('RO'), ('RS'), ('RU'), ('RW')
  , ('SA'), ('SB'), ('SC'), ('SD'), ('SE'), ('SG'), ('SH'), ('SI'), ('SJ'), ('SK'), ('SL'), ('SM')
  , ('SN'), ('SO'), ('SR'), ('SS'), ('ST'), ('SV'), ('SX'), ('SY'), ('SZ'), ('TC'), ('TD'), ('TF')
  , ('TG'), ('TH'), ('TJ'), ('TK'), ('TL'), ('TM'), ('TN'), ('TO'), ('TR'), ('TT'), ('TV'), ('TW')
  , ('TZ'), ('UA'), ('UG'), ('UM'), ('US'), ('UY'), ('UZ'), ('VA'), ('VC'), ('VE'), ('VG'), ('VI')
  , ('VN'), ('VU'), ('WF'), ('WS'), ('YE'), ('YT'), ('ZA'), ('ZM'), ('ZW');

CREATE TABLE qrshare.currencies (
    code  text NOT NULL
  , CONSTRAINT currencies_pkey PRIMARY KEY (code)
  , CONSTRAINT currencies_code_format CHECK (code ~ '^[A-Z]{3}$')
);

COMMENT ON TABLE qrshare.currencies IS
    'ISO 4217 alphabetic currency codes (the format currency), as iso-codes 4.15 lists them '
    '(funds and precious metals included).';
COMMENT ON COLUMN qrshare.currencies.code IS 'The code, three capital letters (EUR).';

INSERT INTO qrshare.currencies (code) VALUES
    ('AED'), ('AFN'), ('ALL'), ('AMD'), ('ANG'), ('AOA'), ('ARS'), ('AUD'), ('AWG'), ('AZN')
  , ('BAM'), ('BBD'), ('BDT'), ('BGN'), ('BHD'), ('BIF'), ('BMD'), ('BND'), ('BOB'), ('BOV')
  , ('BRL'), ('BSD'), ('BTN'), ('BWP'), ('BYN'), ('BZD'), ('CAD'), ('CDF'), ('CHE'), ('CHF')
  , ('CHW'), ('CLF'), ('CLP'), ('CNY'), ('COP'), ('COU'), ('CRC'), ('CUC'), ('CUP'), ('CVE')
  , ('CZK'), ('DJF'), ('DKK'), ('DOP'), ('DZD'), ('EGP'), ('ERN'), ('ETB'), ('EUR'), ('FJD')
  , ('FKP'), ('GBP'), ('GEL'), ('GHS'), ('GIP'), ('GMD'), ('GNF'), ('GTQ'), ('GYD'), ('HKD')
  , ('HNL'), ('HRK'), ('HTG'), ('HUF'), ('IDR'), ('ILS'), ('INR'), ('IQD'), ('IRR'), ('ISK')
  , ('JMD'), ('JOD'), ('JPY'), ('KES'), ('KGS'), ('KHR'), ('KMF'), ('KPW'), ('KRW'), ('KWD')
  , ('KYD'), ('KZT'), ('LAK'), ('LBP'), ('LKR'), ('LRD'), ('LSL'), ('LYD'), ('MAD'), ('MDL')
  , ('MGA'), ('MKD'), ('MMK'), ('MNT'), ('MOP'), ('MRU'), ('MUR'), ('MVR'), ('MWK'), ('MXN')
  , ('MXV'), ('MYR'), ('MZN'), ('NAD'), ('NGN'), ('NIO'), ('NOK'), ('NPR'), ('NZD'), ('OMR')
  , ('PAB'), ('PEN'), ('PGK'), ('PHP'), ('PKR'), ('PLN'), ('PYG'), ('QAR'), ('RON'), ('RSD')
  , ('RUB'), ('RWF'), ('SAR'), ('SBD'), ('SCR'), ('SDG'), ('SEK'), ('SGD'), ('SHP'), ('SLE')
  , ('SLL'), ('SOS'), ('SRD'), ('SSP'), ('STN'), ('SVC'), ('SYP'), ('SZL'), ('THB'), ('TJS')
  , ('TMT'), ('TND'), ('TOP'), ('TRY'), ('TTD'), ('TWD'), ('TZS'), ('UAH'), ('UGX'), ('USD')
  , ('USN'), ('UYI'), ('UYU'), ('UYW'), ('UZS'), ('VED'), ('VES'), ('VND'), ('VUV'), ('WST')
  , ('XAF'), ('XAG'), ('XAU'), ('XBA'), ('XBB'), ('XBC'), ('XBD'), ('XCD'), ('XDR'), ('XOF')
  , ('XPD'), ('XPF'), ('XPT'), ('XSU'), ('XTS'), ('XUA'), ('XXX'), ('YER'), ('ZAR'), ('ZMW')
  , ('ZWL');

-- ---------------------------------------------------------------------------------------
-- The scope catalog: Didit's shapes
-- ---------------------------------------------------------------------------------------

ALTER TABLE qrshare.scopes
    ADD COLUMN format      text
  , ADD COLUMN max_length  integer
  , ADD COLUMN any_of      text[];

-- Didit's retrieve-session example shows objects for these ({email, is_verified,
-- is_primary}, ...). Verified: whether the organisation's identity provider can vouch for
-- the value (a signed claim exists for it: OIDC standard claims, or computed from them).
UPDATE qrshare.scopes SET value_type = 'object'
 WHERE name IN ('email', 'phone', 'gender', 'birthdate', 'instagram_account', 'x_account',
                'tiktok_account');
UPDATE qrshare.scopes
   SET verified = name IN ('names', 'email', 'phone', 'gender', 'birthdate', 'document_detail',
                           'address', 'is_verified', 'is_over_18', 'is_over_21');
UPDATE qrshare.scopes SET max_length = 255 WHERE name = 'user_id';
UPDATE qrshare.scopes SET max_length = 2048, format = 'https_url' WHERE name = 'picture';
UPDATE qrshare.scopes SET any_of = ARRAY['first_name', 'family_name', 'full_name']
 WHERE name = 'names';

ALTER TABLE qrshare.scopes
    ADD CONSTRAINT scopes_format_fkey FOREIGN KEY (format) REFERENCES qrshare.formats (name)
    -- a string has a length limit; nothing else has one, or a format
  , ADD CONSTRAINT scopes_max_length_string CHECK ((max_length IS NOT NULL) = (value_type = 'string'))
  , ADD CONSTRAINT scopes_max_length_positive CHECK (max_length > 0)
  , ADD CONSTRAINT scopes_format_string CHECK (format IS NULL OR value_type = 'string')
    -- (that its names are fields of the scope is tested: arrays have no foreign keys)
  , ADD CONSTRAINT scopes_any_of_object CHECK (
        any_of IS NULL
        OR (value_type = 'object' AND cardinality(any_of) > 0 AND qrshare.is_set(any_of)));

COMMENT ON TABLE qrshare.scopes IS
    'The scope catalog (Didit''s data scopes): what an application may ask for, the JSON type '
    'of its value in user_data (an object''s fields are in qrshare.scope_fields), the sentence '
    'shown on the consent screen, and whether the organisation can vouch for the value.';
COMMENT ON COLUMN qrshare.scopes.verified IS
    'True when the value can be verified: the organisation''s identity provider can sign a '
    'claim for it (is_verified inside the value, or the boolean itself, then comes from that '
    'claim). Whether this user''s token does is decided per request, not here.';
COMMENT ON COLUMN qrshare.scopes.format IS
    'For a string: the qrshare.formats it must have, or NULL for free text.';
COMMENT ON COLUMN qrshare.scopes.max_length IS
    'For a string: the most characters it may have (set for every string, NULL otherwise).';
COMMENT ON COLUMN qrshare.scopes.any_of IS
    'For an object: fields of which at least one must be given (names: first_name, '
    'family_name, full_name); NULL when there is no such rule.';

CREATE TABLE qrshare.scope_fields (
    scope        text    NOT NULL
  , field        text    NOT NULL
  , position     integer NOT NULL
  , json_type    text    NOT NULL
  , format       text
  , max_length   integer
  , required     boolean NOT NULL
  , description  text    NOT NULL
  , CONSTRAINT scope_fields_pkey PRIMARY KEY (scope, field)
  , CONSTRAINT scope_fields_scope_position_key UNIQUE (scope, position)
    -- the fields are part of the scope: they follow a rename and go with a deletion (which
    -- scopes_in_use refuses for a scope in use)
  , CONSTRAINT scope_fields_scope_fkey FOREIGN KEY (scope)
        REFERENCES qrshare.scopes (name) ON UPDATE CASCADE ON DELETE CASCADE
  , CONSTRAINT scope_fields_format_fkey FOREIGN KEY (format) REFERENCES qrshare.formats (name)
    -- a field name stands in an error detail where a scope name stands: same alphabet
  , CONSTRAINT scope_fields_field_format CHECK (field ~ '^[a-z][a-z0-9_]{0,63}$')
  , CONSTRAINT scope_fields_position_positive CHECK (position > 0)
  , CONSTRAINT scope_fields_json_type_known CHECK (json_type IN ('string', 'boolean'))
  , CONSTRAINT scope_fields_max_length_string CHECK ((max_length IS NOT NULL) = (json_type = 'string'))
  , CONSTRAINT scope_fields_max_length_positive CHECK (max_length > 0)
  , CONSTRAINT scope_fields_format_string CHECK (format IS NULL OR json_type = 'string')
  , CONSTRAINT scope_fields_description_nonempty CHECK (btrim(description) <> '')
);

CREATE INDEX scope_fields_format_idx ON qrshare.scope_fields (format);

COMMENT ON TABLE qrshare.scope_fields IS
    'The fields of each object scope (DESIGN.md §2.1), in order: a value of the scope is an '
    'object with the required fields, maybe the others, and no field of its own. Checked by '
    'qrshare.shape_error(); shown by api_information.';
COMMENT ON COLUMN qrshare.scope_fields.scope IS 'The object scope (qrshare.scopes) the field belongs to.';
COMMENT ON COLUMN qrshare.scope_fields.field IS 'The field''s key in the value.';
COMMENT ON COLUMN qrshare.scope_fields.position IS 'Its place among the scope''s fields (1, 2, ...).';
COMMENT ON COLUMN qrshare.scope_fields.json_type IS 'JSON type of the field: string or boolean.';
COMMENT ON COLUMN qrshare.scope_fields.format IS
    'For a string: the qrshare.formats it must have, or NULL for free text.';
COMMENT ON COLUMN qrshare.scope_fields.max_length IS
    'For a string: the most characters it may have (set for every string, NULL for a boolean).';
COMMENT ON COLUMN qrshare.scope_fields.required IS 'True when a value of the scope must have it.';
COMMENT ON COLUMN qrshare.scope_fields.description IS
    'User-facing sentence shown on the consent screen next to the field.';

-- Lengths: a name or an account 255, as user_id; an email address 254 (RFC 5321's path
-- less its brackets); free codes (gender, document type and number) 64; a formatted
-- address 1024. A formatted string's limit is the longest the format allows.
INSERT INTO qrshare.scope_fields
    (scope, field, position, json_type, format, max_length, required, description) VALUES
    ('names', 'first_name',  1, 'string',  NULL, 255, false, 'Your first name')
  , ('names', 'family_name', 2, 'string',  NULL, 255, false, 'Your family name')
  , ('names', 'full_name',   3, 'string',  NULL, 255, false, 'Your full name')
  , ('names', 'is_verified', 4, 'boolean', NULL, NULL, true,
     'Whether the organisation has verified your names')
  , ('email', 'email',       1, 'string',  'addr_spec', 254, true, 'Your email address')
  , ('email', 'is_verified', 2, 'boolean', NULL, NULL, true,
     'Whether the organisation has verified your email address')
  , ('email', 'is_primary',  3, 'boolean', NULL, NULL, true, 'Whether it is your main email address')
  , ('phone', 'phone_number', 1, 'string', 'e164', 16, true, 'Your phone number')
  , ('phone', 'is_verified', 2, 'boolean', NULL, NULL, true,
     'Whether the organisation has verified your phone number')
  , ('phone', 'is_primary',  3, 'boolean', NULL, NULL, true, 'Whether it is your main phone number')
  , ('gender', 'gender',     1, 'string',  NULL, 64, true, 'Your gender')
  , ('gender', 'is_verified', 2, 'boolean', NULL, NULL, true,
     'Whether the organisation has verified your gender')
  , ('birthdate', 'birthdate', 1, 'string', 'date', 10, true, 'Your date of birth')
  , ('birthdate', 'is_verified', 2, 'boolean', NULL, NULL, true,
     'Whether the organisation has verified your date of birth')
  , ('document_detail', 'document_type',   1, 'string', NULL, 64, true,
     'The kind of identity document (passport, identity card, ...)')
  , ('document_detail', 'document_number', 2, 'string', NULL, 64, true, 'Its number')
  , ('document_detail', 'issuing_country', 3, 'string', 'country', 2, true,
     'The country that issued it')
  , ('document_detail', 'expiration_date', 4, 'string', 'date', 10, true, 'When it expires')
  , ('document_detail', 'is_verified', 5, 'boolean', NULL, NULL, true,
     'Whether the organisation has verified your document')
  , ('address', 'formatted',      1, 'string', NULL, 1024, true,
     'Your full address, as written on an envelope')
  , ('address', 'street_address', 2, 'string', NULL, 255, true, 'Street and house number')
  , ('address', 'locality',       3, 'string', NULL, 255, true, 'City or town')
  , ('address', 'region',         4, 'string', NULL, 255, false, 'Region, state or province')
  , ('address', 'postal_code',    5, 'string', NULL, 32, true, 'Postal code')
  , ('address', 'country',        6, 'string', 'country', 2, true, 'Country')
  , ('address', 'is_verified',    7, 'boolean', NULL, NULL, true,
     'Whether the organisation has verified your address')
  , ('address', 'is_primary',     8, 'boolean', NULL, NULL, true, 'Whether it is your main address')
  , ('bank_account', 'iban',           1, 'string', 'iban', 34, true, 'Your account number (IBAN)')
  , ('bank_account', 'account_holder', 2, 'string', NULL, 255, true,
     'The name the account is held in')
  , ('bank_account', 'bic',            3, 'string', 'bic', 11, false, 'Your bank''s code (BIC)')
  , ('bank_account', 'is_verified',    4, 'boolean', NULL, NULL, true,
     'Whether the organisation has verified your bank account')
  , ('bank_account', 'is_primary',     5, 'boolean', NULL, NULL, true,
     'Whether it is your main bank account')
  , ('preferences', 'language',  1, 'string', 'bcp47', 35, false, 'Your language')
  , ('preferences', 'currency',  2, 'string', 'currency', 3, false, 'Your currency')
  , ('preferences', 'time_zone', 3, 'string', 'iana_tz', 64, false, 'Your time zone')
  , ('instagram_account', 'username', 1, 'string', NULL, 255, true, 'Your Instagram user name')
  , ('instagram_account', 'is_verified', 2, 'boolean', NULL, NULL, true,
     'Whether the organisation has verified your Instagram account')
  , ('x_account', 'username', 1, 'string', NULL, 255, true, 'Your X user name')
  , ('x_account', 'is_verified', 2, 'boolean', NULL, NULL, true,
     'Whether the organisation has verified your X account')
  , ('tiktok_account', 'username', 1, 'string', NULL, 255, true, 'Your TikTok user name')
  , ('tiktok_account', 'is_verified', 2, 'boolean', NULL, NULL, true,
     'Whether the organisation has verified your TikTok account');

-- ---------------------------------------------------------------------------------------
-- Checking a value (PL/pgSQL, so that the plans are kept for the connection: 0004)
-- ---------------------------------------------------------------------------------------

-- The regular expressions are the contract's (notes/issue10-contract.md). Each is anchored
-- at both ends; in PostgreSQL's regular expressions $ matches only at the very end, so a
-- trailing newline is refused too.
-- pg_timezone_names reads every zone file at each call (about 45 ms, measured on a 2-core
-- Debian 12 machine): the names are kept here instead. After an upgrade of the tzdata the
-- server uses, an operator may run REFRESH MATERIALIZED VIEW qrshare.time_zones.
CREATE MATERIALIZED VIEW qrshare.time_zones AS
    SELECT z.name FROM pg_catalog.pg_timezone_names z;
CREATE UNIQUE INDEX time_zones_name ON qrshare.time_zones (name);
COMMENT ON MATERIALIZED VIEW qrshare.time_zones IS
    'The IANA time zone names of the server''s tzdata, for the iana_tz format; refresh after '
    'a tzdata upgrade (REFRESH MATERIALIZED VIEW qrshare.time_zones).';

CREATE FUNCTION qrshare.format_ok(p_format text, p_value text) RETURNS boolean
LANGUAGE plpgsql STABLE STRICT
AS $$
DECLARE
    v_year   integer;
    v_month  integer;
    v_day    integer;
    v_digits text;
BEGIN
    CASE p_format
    WHEN 'e164' THEN
        RETURN p_value ~ '^\+[1-9][0-9]{1,14}$';
    WHEN 'date' THEN
        -- a real calendar date: the parts are checked before make_date sees them, so that
        -- nothing raises (2023-02-29 is refused, 2024-02-29 accepted, year 0 refused)
        IF p_value !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
            RETURN false;
        END IF;
        v_year := substr(p_value, 1, 4)::integer;
        v_month := substr(p_value, 6, 2)::integer;
        v_day := substr(p_value, 9, 2)::integer;
        IF v_year < 1 OR v_month NOT BETWEEN 1 AND 12 OR v_day < 1 THEN
            RETURN false;
        END IF;
        RETURN v_day <= extract(day FROM make_date(v_year, v_month, 1) + interval '1 month'
                                         - interval '1 day');
    WHEN 'country' THEN
        RETURN EXISTS (SELECT FROM qrshare.countries c WHERE c.code = p_value);
    WHEN 'currency' THEN
        RETURN EXISTS (SELECT FROM qrshare.currencies c WHERE c.code = p_value);
    WHEN 'https_url' THEN
        -- https://host[:port][/path]: a host name of letters, digits and hyphens (no '@',
        -- so no user name or password), then a path of the characters RFC 3986 allows
        -- (query and fragment included), none of them space, quote or angle bracket
        RETURN p_value ~ ('^https://[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
                          '(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*'
                          '(:[0-9]{1,5})?(/[A-Za-z0-9._~!$&''()*+,;=:@/?#%-]*)?$');
    WHEN 'addr_spec' THEN
        -- the practical addr-spec: a dot-atom local part of at most 64 characters, a host
        -- name with a top-level domain of letters; no quoted local parts, no IP literals
        RETURN p_value ~ ('^[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+)*'
                          '@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$')
           AND length(split_part(p_value, '@', 1)) <= 64;
    WHEN 'bcp47' THEN
        RETURN p_value ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$';
    WHEN 'iana_tz' THEN
        RETURN EXISTS (SELECT FROM qrshare.time_zones z WHERE z.name = p_value);
    WHEN 'iban' THEN
        IF p_value !~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$' THEN
            RETURN false;
        END IF;
        -- ISO 13616: the first four characters moved to the end, each letter written as
        -- two digits (A = 10 ... Z = 35); that number mod 97 is 1
        SELECT string_agg(CASE WHEN ascii(t.c) >= ascii('A') THEN (ascii(t.c) - 55)::text
                               ELSE t.c END, '' ORDER BY t.i)
          INTO v_digits
          FROM unnest(string_to_array(substr(p_value, 5) || left(p_value, 4), NULL))
               WITH ORDINALITY AS t(c, i);
        RETURN v_digits::numeric % 97 = 1;
    WHEN 'bic' THEN
        RETURN p_value ~ '^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$';
    ELSE
        RAISE EXCEPTION 'format % is not known to qrshare.format_ok', p_format
            USING ERRCODE = 'invalid_parameter_value';
    END CASE;
END
$$;
COMMENT ON FUNCTION qrshare.format_ok(text, text) IS
    'True when p_value has the format p_format (a name in qrshare.formats); an unknown format '
    'raises. Dates are real calendar dates, IBANs pass the mod-97 check, countries and '
    'currencies are in their tables, time zones in qrshare.time_zones.';

-- One string or boolean, at p_path (user_data.<scope> or user_data.<scope>.<field>).
-- A string is checked for emptiness, then its format, then its length: a 17-digit phone
-- number is told it is no E.164 number rather than too long.
CREATE FUNCTION qrshare.value_error(p_path text, p_value json, p_type text, p_format text,
                                    p_max_length integer)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_text text;
BEGIN
    IF json_typeof(p_value) IS DISTINCT FROM p_type THEN
        RETURN p_path || ' must be a ' || p_type;
    END IF;
    IF p_type <> 'string' THEN
        RETURN NULL;
    END IF;
    v_text := p_value #>> '{}';
    IF v_text !~ '[^[:space:]]' THEN
        RETURN p_path || ' must not be empty';
    END IF;
    IF p_format IS NOT NULL AND NOT qrshare.format_ok(p_format, v_text) THEN
        RETURN p_path || ' must be '
               || (SELECT f.description FROM qrshare.formats f WHERE f.name = p_format);
    END IF;
    IF length(v_text) > p_max_length THEN
        RETURN format('%s must be at most %s characters', p_path, p_max_length);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION qrshare.value_error(text, json, text, text, integer) IS
    'NULL when p_value is a p_type (string or boolean) and, for a string, not blank, of '
    'p_format (when given) and at most p_max_length characters; otherwise the error detail, '
    'which starts with p_path and never contains the value.';

CREATE FUNCTION qrshare.shape_error(p_scope text, p_value json) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_scope qrshare.scopes;
    v_field qrshare.scope_fields;
    v_path  text := 'user_data.' || p_scope;
    v_key   text;
    v_error text;
BEGIN
    SELECT * INTO v_scope FROM qrshare.scopes c WHERE c.name = p_scope;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'scope % is not in the scope catalog', left(p_scope, 64)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_scope.value_type <> 'object' THEN
        RETURN qrshare.value_error(v_path, p_value, v_scope.value_type, v_scope.format,
                                   v_scope.max_length);
    END IF;
    IF json_typeof(p_value) IS DISTINCT FROM 'object' THEN
        RETURN v_path || ' must be an object';
    END IF;
    SELECT t.key INTO v_key
      FROM json_object_keys(p_value) WITH ORDINALITY AS t(key, i)
     WHERE NOT EXISTS (SELECT FROM qrshare.scope_fields f
                        WHERE f.scope = p_scope AND f.field = t.key)
     ORDER BY t.i LIMIT 1;
    IF FOUND THEN
        RETURN format('%s.%s is not a field of %s', v_path, left(v_key, 64), p_scope);
    END IF;
    -- the json type keeps a key given twice (C's parser refuses it before this)
    SELECT t.key INTO v_key
      FROM json_object_keys(p_value) WITH ORDINALITY AS t(key, i)
     GROUP BY t.key HAVING count(*) > 1 ORDER BY min(t.i) LIMIT 1;
    IF FOUND THEN
        RETURN v_path || '.' || v_key || ' is given twice';
    END IF;
    FOR v_field IN
        SELECT * FROM qrshare.scope_fields f WHERE f.scope = p_scope ORDER BY f.position
    LOOP
        IF p_value -> v_field.field IS NULL THEN
            IF v_field.required THEN
                RETURN v_path || '.' || v_field.field || ' is missing';
            END IF;
        ELSE
            v_error := qrshare.value_error(v_path || '.' || v_field.field,
                                           p_value -> v_field.field, v_field.json_type,
                                           v_field.format, v_field.max_length);
            IF v_error IS NOT NULL THEN
                RETURN v_error;
            END IF;
        END IF;
    END LOOP;
    IF v_scope.any_of IS NOT NULL
       AND NOT EXISTS (SELECT FROM json_object_keys(p_value) AS t(key)
                        WHERE t.key = ANY (v_scope.any_of)) THEN
        RETURN v_path || ' needs at least one of ' || array_to_string(v_scope.any_of, ', ');
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION qrshare.shape_error(text, json) IS
    'NULL when p_value has the shape of scope p_scope (DESIGN.md §2.1: qrshare.scopes and '
    'qrshare.scope_fields); otherwise the error detail of the first fault: not an object, a '
    'field that is not the scope''s (its name cut to 64 characters), a field twice, then each '
    'field in order (missing, type, empty, format, length), then the any_of rule. A detail '
    'never contains a value. Raises for a scope not in the catalog, and (as PostgreSQL does '
    'when it decodes them) for the escapes \u0000 and lone surrogates: api_update refuses '
    'those first.';

-- ---------------------------------------------------------------------------------------
-- E5: the final user_data, checked, then forgotten
-- ---------------------------------------------------------------------------------------

-- A parameter is renamed (p_types to p_user_data): drop and create, and grant again.
DROP FUNCTION qrshare.api_update(bytea, text, text, uuid, text, json, bytea, text, bytea);

CREATE FUNCTION qrshare.api_update(p_token_hash bytea, p_iss text, p_sub text,
                                   p_session_id uuid, p_status text, p_user_data json,
                                   p_data bytea, p_key_id text, p_digest bytea)
RETURNS TABLE (code text, detail text, session_id uuid, status text)
LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, qrshare, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_s     qrshare.sessions;
    v_code  text;
    v_bad   text;
    v_keys  text[];
    v_key   text;
    v_value json;
BEGIN
    SELECT * INTO v_s FROM qrshare.sessions s WHERE s.token_hash = p_token_hash FOR UPDATE;
    v_code := qrshare.phone_check(v_s, p_iss, p_sub, false);
    IF v_code <> 'ok' THEN
        code := v_code;
        RETURN NEXT;
        RETURN;
    END IF;
    IF p_session_id IS NOT NULL AND p_session_id <> v_s.id THEN
        code := 'invalid_request';
        detail := 'session_id is not the session''s identifier';
        RETURN NEXT;
        RETURN;
    END IF;
    IF v_s.status IN ('confirmed', 'declined') THEN
        -- the same answer again is accepted (a retry); another one is not. Once the user
        -- data (and the digest with it) is deleted, nothing is the same answer any more.
        code := CASE WHEN v_s.decision_digest = p_digest THEN 'ok' ELSE 'invalid_state' END;
        detail := CASE WHEN code <> 'ok' THEN 'the session was already decided' END;
        session_id := v_s.id;
        status := v_s.status;
        RETURN NEXT;
        RETURN;
    END IF;
    code := 'invalid_request';
    IF p_status = 'confirmed' THEN
        IF json_typeof(p_user_data) IS DISTINCT FROM 'object' THEN
            detail := 'user_data must be a non-empty object';
            RETURN NEXT;
            RETURN;
        END IF;
        -- Reading a key or a string decodes its escapes, and PostgreSQL refuses two of them
        -- (\u0000, and a surrogate without its pair) with an error whose context quotes the
        -- JSON around it: user data in the server log. C never sends either (no NUL; UTF-8,
        -- not escapes, beyond ASCII), so every \u0000 and surrogate escape is refused here,
        -- before anything is decoded. A backslash escapes only after an even number of them.
        IF p_user_data::text ~ '(^|[^\\])(\\\\)*\\u(0000|[dD][89a-fA-F])' THEN
            detail := 'user_data must not contain the escapes \u0000 or \uD800 to \uDFFF';
            RETURN NEXT;
            RETURN;
        END IF;
        v_keys := ARRAY(SELECT json_object_keys(p_user_data));
        IF cardinality(v_keys) = 0 THEN
            detail := 'user_data must be a non-empty object';
            RETURN NEXT;
            RETURN;
        END IF;
        SELECT t.k INTO v_bad FROM unnest(v_keys) WITH ORDINALITY AS t(k, i)
         WHERE t.k <> ALL (v_s.requested_scopes) ORDER BY t.i LIMIT 1;
        IF v_bad IS NOT NULL THEN
            detail := 'user_data.' || left(v_bad, 64) || ' was not requested';
            RETURN NEXT;
            RETURN;
        END IF;
        IF NOT qrshare.is_set(v_keys) THEN
            detail := 'user_data has a key twice';
            RETURN NEXT;
            RETURN;
        END IF;
        FOR v_key, v_value IN
            SELECT t.key, t.value FROM json_each(p_user_data) WITH ORDINALITY AS t(key, value, i)
             ORDER BY t.i
        LOOP
            detail := qrshare.shape_error(v_key, v_value);
            IF detail IS NOT NULL THEN
                RETURN NEXT;
                RETURN;
            END IF;
        END LOOP;
        UPDATE qrshare.sessions s
           SET status = 'confirmed', decided_at = statement_timestamp(), granted_scopes = v_keys,
               user_data = p_data, seal_key_id = p_key_id, decision_digest = p_digest
         WHERE s.id = v_s.id;
    ELSIF p_status = 'declined' THEN
        UPDATE qrshare.sessions s
           SET status = 'declined', decided_at = statement_timestamp(), decision_digest = p_digest
         WHERE s.id = v_s.id;
    ELSE
        detail := 'status must be "confirmed" or "declined"';
        RETURN NEXT;
        RETURN;
    END IF;
    code := 'ok';
    session_id := v_s.id;
    status := p_status;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION qrshare.api_update(bytea, text, text, uuid, text, json, bytea, text, bytea) IS
    'E5: the bound user confirms (p_user_data: the final user_data as sealed in p_data, for '
    'the checks only, never stored) or declines. p_session_id: the body''s session_id, NULL '
    'when not given; another session''s is invalid_request. code: ok, not_found, expired, '
    'invalid_state, already_claimed, invalid_request (detail: user_data not a non-empty '
    'object, a key not requested, a key twice, or the first value in the object''s order '
    'without its scope''s shape: qrshare.shape_error). Granted scopes are the keys.';
GRANT EXECUTE ON FUNCTION
    qrshare.api_update(bytea, text, text, uuid, text, json, bytea, text, bytea) TO qrshare_api;

-- ---------------------------------------------------------------------------------------
-- E4: each scope with its fields. 0003's body but for the scopes column; the result type
-- is the same, so the grant stays.
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION qrshare.api_information(p_token_hash bytea, p_iss text, p_sub text)
RETURNS TABLE (code text, session_id uuid, status text, scope text[], expires_at text,
               app_name text, app_domain text, logo_url text, privacy_policy_url text,
               terms_url text, scopes json)
LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, qrshare, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_s qrshare.sessions;
    v_a qrshare.applications;
    v_code text;
BEGIN
    SELECT * INTO v_s FROM qrshare.sessions s WHERE s.token_hash = p_token_hash FOR UPDATE;
    v_code := qrshare.phone_check(v_s, p_iss, p_sub, true);
    IF v_code <> 'ok' THEN
        RETURN QUERY SELECT v_code, NULL::uuid, NULL::text, NULL::text[], NULL::text, NULL::text,
                            NULL::text, NULL::text, NULL::text, NULL::text, NULL::json;
        RETURN;
    END IF;
    IF v_s.status = 'initialized' THEN
        UPDATE qrshare.sessions s
           SET status = 'retrieved', retrieved_at = statement_timestamp(),
               user_iss = p_iss, user_sub = p_sub
         WHERE s.id = v_s.id
        RETURNING s.* INTO v_s;
    END IF;
    SELECT a.* INTO v_a FROM qrshare.applications a WHERE a.id = v_s.application_id;
    RETURN QUERY
    SELECT 'ok', v_s.id, v_s.status, v_s.requested_scopes, qrshare.iso8601(v_s.expires_at),
           v_a.name, v_a.domain, v_a.logo_url, v_a.privacy_policy_url, v_a.terms_url,
           (SELECT json_agg(json_build_object(
                       'name', c.name, 'description', c.description, 'type', c.value_type,
                       'verified', c.verified,
                       -- NULL (JSON null) for a scalar scope: it has no fields
                       'fields', (SELECT json_agg(json_build_object(
                                          'name', f.field, 'type', f.json_type,
                                          'format', f.format, 'required', f.required,
                                          'description', f.description)
                                          ORDER BY f.position)
                                    FROM qrshare.scope_fields f
                                   WHERE f.scope = c.name))
                            ORDER BY array_position(v_s.requested_scopes, c.name))
              FROM qrshare.scopes c
             WHERE c.name = ANY (v_s.requested_scopes));
END
$$;
COMMENT ON FUNCTION qrshare.api_information(bytea, text, text) IS
    'E4: the phone opens a session and is bound to it at the first call. code: ok, '
    'not_found, expired, invalid_state (cancelled), already_claimed (another user). scopes: '
    'the requested scopes in order, each {name, description, type, verified, fields}; fields '
    'is null for a scalar scope, else [{name, type, format, required, description}] in order.';

-- ---------------------------------------------------------------------------------------
-- The decision digest goes with the user data
-- ---------------------------------------------------------------------------------------

-- 0001's trigger with decision_digest among the columns a purge may clear (only clear).
CREATE OR REPLACE FUNCTION qrshare.sessions_before_update()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_now       timestamptz := statement_timestamp();
    v_terminal  boolean;
    v_max       interval;
    -- Columns a purge may clear on a terminal session.
    c_purgeable CONSTANT text[] := ARRAY['user_data', 'seal_key_id', 'data_deleted_at',
                                         'decision_digest'];
BEGIN
    SELECT terminal INTO v_terminal FROM qrshare.statuses WHERE name = OLD.status;

    -- (a) only the changes listed in qrshare.transitions.
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT EXISTS (
           SELECT 1 FROM qrshare.transitions
            WHERE from_status = OLD.status AND to_status = NEW.status) THEN
        RAISE EXCEPTION 'status change from % to % is not allowed', OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;

    -- (b) past expires_at, an open session can only become expired, nothing else.
    IF NOT v_terminal AND OLD.expires_at <= v_now THEN
        IF NEW.status IS DISTINCT FROM 'expired'
           OR to_jsonb(NEW) - 'status' IS DISTINCT FROM to_jsonb(OLD) - 'status' THEN
            RAISE EXCEPTION 'session is past its expires_at: the only change allowed is to status expired'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('expires_at %s, now %s', OLD.expires_at, v_now);
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status = 'expired' AND OLD.status IS DISTINCT FROM 'expired' THEN
        RAISE EXCEPTION 'session is not past its expires_at: stop it early with status cancelled'
            USING ERRCODE = 'check_violation',
                  DETAIL = format('expires_at %s, now %s', OLD.expires_at, v_now);
    END IF;

    -- (i) and the other columns fixed at creation.
    IF NEW.application_id IS DISTINCT FROM OLD.application_id THEN
        RAISE EXCEPTION 'the application of a session cannot change'
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.requested_scopes IS DISTINCT FROM OLD.requested_scopes THEN
        RAISE EXCEPTION 'the id, creation time and requested scopes of a session cannot change'
            USING ERRCODE = 'check_violation';
    END IF;

    -- A terminal session is frozen; only its user data (and the digest that could confirm
    -- a guess of it) may be purged.
    IF v_terminal THEN
        IF to_jsonb(NEW) - c_purgeable IS DISTINCT FROM to_jsonb(OLD) - c_purgeable
           OR (NEW.user_data IS NOT NULL AND NEW.user_data IS DISTINCT FROM OLD.user_data)
           OR (NEW.seal_key_id IS NOT NULL AND NEW.seal_key_id IS DISTINCT FROM OLD.seal_key_id)
           OR (NEW.decision_digest IS NOT NULL
               AND NEW.decision_digest IS DISTINCT FROM OLD.decision_digest)
           OR (OLD.data_deleted_at IS NOT NULL
               AND NEW.data_deleted_at IS DISTINCT FROM OLD.data_deleted_at) THEN
            RAISE EXCEPTION 'a % session cannot change, except for purging its user data', OLD.status
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;

    -- (g) the user bound at retrieval stays; binding happens only with initialized -> retrieved.
    IF OLD.retrieved_at IS NOT NULL AND (
           NEW.user_iss IS DISTINCT FROM OLD.user_iss
           OR NEW.user_sub IS DISTINCT FROM OLD.user_sub
           OR NEW.retrieved_at IS DISTINCT FROM OLD.retrieved_at) THEN
        RAISE EXCEPTION 'the user bound to a session cannot change'
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.retrieved_at IS NULL AND NEW.retrieved_at IS NOT NULL
       AND NOT (OLD.status = 'initialized' AND NEW.status = 'retrieved') THEN
        RAISE EXCEPTION 'a user is bound to a session only by its change from initialized to retrieved'
            USING ERRCODE = 'check_violation';
    END IF;

    -- (h) the session token is replaced (refresh) only while initialized.
    IF NEW.token_hash IS DISTINCT FROM OLD.token_hash
       AND NOT (OLD.status = 'initialized' AND NEW.status = 'initialized') THEN
        RAISE EXCEPTION 'the session token can be replaced only while the session is initialized'
            USING ERRCODE = 'check_violation';
    END IF;

    -- (c) a refresh moves expires_at, into the future, within the maximum lifetime.
    IF NEW.expires_at IS DISTINCT FROM OLD.expires_at THEN
        IF NOT (OLD.status = 'initialized' AND NEW.status = 'initialized') THEN
            RAISE EXCEPTION 'expires_at can change only while the session is initialized'
                USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.expires_at <= v_now THEN
            RAISE EXCEPTION 'a new expires_at must be in the future: stop a session early with status cancelled'
                USING ERRCODE = 'check_violation';
        END IF;
        SELECT max_lifetime INTO v_max FROM qrshare.applications WHERE id = NEW.application_id;
        IF NEW.expires_at - NEW.created_at > v_max THEN
            RAISE EXCEPTION 'session lifetime exceeds the application maximum'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('lifetime %s, maximum %s',
                                      NEW.expires_at - NEW.created_at, v_max);
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION qrshare.sessions_before_update() IS
    'Trigger: the session state machine (transitions, expiry by statement_timestamp(), '
    'frozen terminal sessions whose user data and decision digest may only be cleared, '
    'immutable user binding, token and lifetime rules).';

COMMENT ON COLUMN qrshare.sessions.decision_digest IS
    'Keyed digest of the update request, so that an identical retry is recognised; deleted '
    'with the user data (it could confirm a guess of it).';

-- Digests whose data earlier migrations already deleted.
UPDATE qrshare.sessions s SET decision_digest = NULL
 WHERE s.data_deleted_at IS NOT NULL AND s.decision_digest IS NOT NULL;

-- 0002's purge (with 0004's privileges) clearing the digest along with the data.
CREATE OR REPLACE FUNCTION qrshare.purge(p_keep interval DEFAULT '30 days')
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, qrshare, pg_temp
AS $$
DECLARE
    v_now     timestamptz := statement_timestamp();
    v_deleted integer;
    v_purged  integer;
    v_tokens  integer;
BEGIN
    IF p_keep IS NULL OR p_keep < interval '0' THEN
        RAISE EXCEPTION 'p_keep must be a positive interval' USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- Old sessions that are over: terminal, or open but past expires_at.
    DELETE FROM qrshare.sessions s
     USING qrshare.statuses st
     WHERE st.name = s.status
       AND s.created_at < v_now - p_keep
       AND (st.terminal OR s.expires_at <= v_now);
    GET DIAGNOSTICS v_deleted = ROW_COUNT;

    -- User data whose retention window has passed, and its digest.
    UPDATE qrshare.sessions s
       SET user_data = NULL, seal_key_id = NULL, decision_digest = NULL, data_deleted_at = v_now
      FROM qrshare.applications a
     WHERE a.id = s.application_id
       AND s.user_data IS NOT NULL
       AND s.decided_at + a.retention <= v_now;
    GET DIAGNOSTICS v_purged = ROW_COUNT;

    -- Client access tokens that can no longer be used.
    DELETE FROM qrshare.client_tokens t
     WHERE t.expires_at <= v_now OR t.revoked_at IS NOT NULL;
    GET DIAGNOSTICS v_tokens = ROW_COUNT;

    RETURN v_deleted + v_purged + v_tokens;
END;
$$;
COMMENT ON FUNCTION qrshare.purge(interval) IS
    'Deletes sessions created more than p_keep ago that are over (terminal, or past '
    'expires_at), with their audit events; deletes the user data and decision digest of the '
    'remaining sessions whose decided_at + application retention has passed (data_deleted_at '
    'records when); deletes expired and revoked client access tokens. Returns the number of '
    'rows affected: sessions deleted + sessions whose data was deleted + client tokens '
    'deleted (each row once; audit events deleted along with their session are not counted).';

-- 0005's api_decision clearing the digest in both places where it deletes the data.
CREATE OR REPLACE FUNCTION qrshare.api_decision(p_id uuid, p_bearer bytea, p_key bytea)
RETURNS TABLE (code text, session_id uuid, session_number bigint, status text,
               vendor_data text, scope text[], requested_scope text[], metadata json,
               created_at text, decided_at text, user_data bytea, seal_key_id text,
               token_hash bytea, application_id uuid, user_iss text, user_sub text)
LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, qrshare, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_app qrshare.applications;
    v_s qrshare.sessions;
    v_status text;
BEGIN
    SELECT a.* INTO v_app FROM qrshare.applications a
     WHERE a.id = qrshare.app_by_credential(p_bearer, p_key);
    SELECT * INTO v_s FROM qrshare.sessions s
     WHERE s.id = p_id AND s.application_id = v_app.id FOR UPDATE;
    IF v_s.id IS NULL THEN
        RETURN QUERY SELECT CASE WHEN v_app.id IS NULL THEN 'invalid_client' ELSE 'not_found' END,
            NULL::uuid, NULL::bigint, NULL::text, NULL::text, NULL::text[], NULL::text[], NULL::json,
            NULL::text, NULL::text, NULL::bytea, NULL::text, NULL::bytea, NULL::uuid, NULL::text,
            NULL::text;
        RETURN;
    END IF;
    v_status := qrshare.effective_status(v_s.status, v_s.expires_at);
    IF v_s.status = 'confirmed' THEN
        IF v_s.user_data IS NULL OR v_s.decided_at + v_app.retention <= statement_timestamp() THEN
            IF v_s.user_data IS NOT NULL THEN
                UPDATE qrshare.sessions s
                   SET user_data = NULL, seal_key_id = NULL, decision_digest = NULL,
                       data_deleted_at = statement_timestamp()
                 WHERE s.id = v_s.id;
            END IF;
            RETURN QUERY SELECT 'gone', v_s.id, v_s.session_number, v_status, NULL::text,
                NULL::text[], NULL::text[], NULL::json, NULL::text, NULL::text, NULL::bytea,
                NULL::text, NULL::bytea, NULL::uuid, NULL::text, NULL::text;
            RETURN;
        END IF;
        IF v_app.one_time_decision THEN
            UPDATE qrshare.sessions s
               SET user_data = NULL, seal_key_id = NULL, decision_digest = NULL,
                   data_deleted_at = statement_timestamp()
             WHERE s.id = v_s.id;
        END IF;
    END IF;
    RETURN QUERY
    SELECT 'ok', v_s.id, v_s.session_number, v_status, v_s.vendor_data, v_s.granted_scopes,
           v_s.requested_scopes, v_s.metadata, qrshare.iso8601_ms(v_s.created_at),
           qrshare.iso8601_ms(v_s.decided_at), v_s.user_data, v_s.seal_key_id, v_s.token_hash,
           v_s.application_id, v_s.user_iss, v_s.user_sub;
END
$$;
COMMENT ON FUNCTION qrshare.api_decision(uuid, bytea, bytea) IS
    'E6: the decision, for the owning application; created_at and decided_at with '
    'milliseconds (qrshare.iso8601_ms). code: ok, invalid_client, not_found, gone (user data '
    'deleted, with its decision digest: retention passed, or one-time decision already read).';

RESET ROLE;

-- ---------------------------------------------------------------------------------------
-- No user data in the server log (see the top): as the superuser running the migrations,
-- since both are superuser settings
-- ---------------------------------------------------------------------------------------

DO $$
BEGIN
    EXECUTE format('ALTER ROLE qrshare_api IN DATABASE %I SET log_parameter_max_length = 0',
                   current_database());
    EXECUTE format('ALTER ROLE qrshare_api IN DATABASE %I SET log_parameter_max_length_on_error = 0',
                   current_database());
END
$$;
